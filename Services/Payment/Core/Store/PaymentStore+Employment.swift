import SQL
import Schema

/// R7: employment reports (one row per offering in `employment_reports`, the proposal or the
/// confirmed report) and the contribution records the social-insurance role attested.
extension PaymentStore {
    /// The offering's report; nil when none was made, or only one from before proposals existed
    /// (state unspecified: those releases happened on a self-reported figure and bind nothing now).
    func employmentReport(offeringID: String, on connection: any DBConnection) throws -> ReportEmploymentResponse? {
        let report = try connection.first("SELECT data FROM employment_reports WHERE offering_id = $1", offeringID) {
            try ReportEmploymentResponse(serializedBytes: $0.bytes(0))
        }
        return report?.state == .unspecified ? nil : report
    }

    func contributionRecord(reference: String, on connection: any DBConnection) throws -> ContributionRecord? {
        try connection.first("SELECT data FROM contribution_records WHERE record_reference = $1", reference) {
            try ContributionRecord(serializedBytes: $0.bytes(0))
        }
    }

    /// Stores the record unless its reference is taken; false when it was (the caller then reads
    /// the stored one to tell a repeat from a conflict).
    func insertIfNew(_ record: ContributionRecord, on connection: any DBConnection) throws -> Bool {
        try connection.execute(
            """
            INSERT INTO contribution_records (record_reference, worker_id, data) VALUES ($1, $2, $3)
            ON CONFLICT (record_reference) DO NOTHING
            """,
            record.recordReference, record.workerId, record.serializedBytes()) == 1
    }
}
