import Essentials
import Schema
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The S1 credit-recognition export (学分认定): one row per student and part, each also as an
/// RFC 4180 CSV line (the format is documented on `StudentCreditRow` in matching.proto).
enum StudentCreditExport {
    static let header = csvLine([
        "school", "worker_id", "id_number", "name", "part", "status", "completed_on", "hours",
        "records", "certificates", "detail",
    ])

    struct Filter: Sendable {
        var from: CivilDate?
        var to: CivilDate?
        var includeIncomplete = false

        func admits(_ part: StudentThreeOnesPart) -> Bool {
            guard part.status == .completed, let day = CivilDate(part.completedOn) else { return includeIncomplete }
            if let from, day < from { return false }
            if let to, to < day { return false }
            return true
        }
    }

    static func rows(_ progress: StudentProgress, filter: Filter) -> [StudentCreditRow] {
        let parts = [progress.vocationalTraining, progress.entrepreneurshipTraining, progress.employmentPractice]
            .compactMap { $0 }
        return parts.filter(filter.admits).map { part in
            let certificates = part.activities.map(\.certificateNumber).filter { !$0.isEmpty }
            let detail = part.activities.map { activity in
                let stage = activity.stage == .unspecified ? "" : "[\(stageName(activity.stage))] "
                return stage + activity.title + (activity.completed ? "" : " (open)")
            }.joined(separator: "; ")
            var row = StudentCreditRow(
                school: progress.school, workerId: progress.workerId, idNumber: progress.idNumber,
                name: progress.name, kind: part.kind, status: part.status, completedOn: part.completedOn,
                hours: part.hours, records: Int32(part.activities.count), certificateNumbers: certificates,
                detail: detail)
            row.csv = csvLine([
                row.school, row.workerId, row.idNumber, row.name, kindName(part.kind), statusName(part.status),
                CivilDate(part.completedOn)?.description ?? "", String(part.hours), String(row.records),
                certificates.joined(separator: "; "), detail,
            ])
            return row
        }
    }

    static func kindName(_ kind: StudentActivityKind) -> String {
        suffix(kind.protoName, after: "STUDENT_ACTIVITY_KIND_")
    }
    static func statusName(_ status: ThreeOnesStatus) -> String {
        suffix(status.protoName, after: "THREE_ONES_STATUS_")
    }
    static func stageName(_ stage: EntrepreneurshipStage) -> String {
        suffix(stage.protoName, after: "ENTREPRENEURSHIP_STAGE_")
    }

    private static func suffix(_ name: String, after prefix: String) -> String {
        name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name
    }

    /// One CSV record ending in CRLF; a field with a comma, quote or line break is quoted, quotes doubled.
    static func csvLine(_ fields: [String]) -> String {
        fields.map { field in
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else {
                return field
            }
            return "\"" + field.replacing("\"", with: "\"\"") + "\""
        }.joined(separator: ",") + "\r\n"
    }
}
