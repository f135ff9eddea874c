import Foundation
import SQLKit
import Schema

/// R7: employment reports (one row per offering in `employment_reports`, the proposal or the
/// confirmed report) and the contribution records the social-insurance role attested.
extension PaymentStore {
    private struct BlobRow: Decodable { var data: Data }

    /// The offering's report; nil when none was made, or only one from before proposals existed
    /// (state unspecified: those releases happened on a self-reported figure and bind nothing now).
    func employmentReport(offeringID: String, in db: any SQLDatabase) async throws -> ReportEmploymentResponse? {
        guard
            let row = try await db.raw("SELECT data FROM employment_reports WHERE offering_id = \(bind: offeringID)")
                .first(decoding: BlobRow.self)
        else { return nil }
        let report = try ReportEmploymentResponse(serializedBytes: row.data)
        return report.state == .unspecified ? nil : report
    }

    func contributionRecord(reference: String, in db: any SQLDatabase) async throws -> ContributionRecord? {
        guard
            let row = try await db.raw(
                "SELECT data FROM contribution_records WHERE record_reference = \(bind: reference)"
            )
            .first(decoding: BlobRow.self)
        else { return nil }
        return try ContributionRecord(serializedBytes: row.data)
    }

    func insert(_ record: ContributionRecord, in db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO contribution_records (record_reference, worker_id, data)
            VALUES (\(bind: record.recordReference), \(bind: record.workerId), \(bind: Data(record.serializedBytes())))
            """
        ).run()
    }
}
