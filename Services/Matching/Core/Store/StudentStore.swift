import SQL
import Schema
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The SQL of S1, the students' "three ones": students, their recorded activities, and their
/// enrolments with the offerings (which count as vocational trainings). Every function runs
/// inside the caller's `transaction` or `read` body.
struct StudentStore: Sendable {
    /// Keeps the student's school, name and ID number as registration last said.
    func upsert(_ student: StudentRecord, on connection: any DBConnection) throws {
        try connection.execute(
            """
            INSERT INTO students (worker_id, school, name, id_number) VALUES ($1, $2, $3, $4)
            ON CONFLICT (worker_id) DO UPDATE SET school = excluded.school, name = excluded.name, id_number = excluded.id_number
            """, student.workerID, student.school, student.name, student.idNumber)
    }

    func student(workerID: String, on connection: any DBConnection) throws -> StudentRecord? {
        try connection.first(
            "SELECT worker_id, school, name, id_number FROM students WHERE worker_id = $1", workerID,
            decode: Self.record)
    }

    func students(school: String, afterWorkerID: String, limit: Int, on connection: any DBConnection) throws
        -> [StudentRecord]
    {
        try connection.all(
            """
            SELECT worker_id, school, name, id_number FROM students
            WHERE school = $1 AND worker_id > $2 ORDER BY worker_id LIMIT $3
            """, school, afterWorkerID, limit, decode: Self.record)
    }

    /// Reads `worker_id, school, name, id_number`.
    private static func record(_ row: DBRow) throws -> StudentRecord {
        StudentRecord(
            workerID: try row.string(0), school: try row.string(1), name: try row.string(2),
            idNumber: try row.string(3))
    }

    func insert(_ activity: StudentActivity, on connection: any DBConnection) throws {
        try connection.execute(
            "INSERT INTO student_activities (id, worker_id, kind, completed, version, data) VALUES ($1, $2, $3, $4, $5, $6)",
            activity.id, activity.workerId, activity.kind.rawValue, activity.completed ? 1 : 0, activity.version,
            activity.serializedBytes())
    }

    /// Replaces the activity if it is still at `previousVersion`; false when someone changed it first.
    func replace(_ activity: StudentActivity, previousVersion: Int64, on connection: any DBConnection) throws -> Bool {
        try connection.execute(
            "UPDATE student_activities SET completed = $1, version = $2, data = $3 WHERE id = $4 AND version = $5",
            activity.completed ? 1 : 0, activity.version, activity.serializedBytes(), activity.id, previousVersion)
            == 1
    }

    func activity(id: String, on connection: any DBConnection) throws -> StudentActivity? {
        try connection.first("SELECT data FROM student_activities WHERE id = $1", id) {
            try StudentActivity(serializedBytes: $0.bytes(0))
        }
    }

    /// Every record of the given students (of one school, worker ids first...last in order):
    /// their activities and their active enrolments as vocational trainings, by worker id.
    func records(school: String, firstWorkerID: String, lastWorkerID: String, on connection: any DBConnection)
        throws -> [String: [StudentActivity]]
    {
        var records: [String: [StudentActivity]] = [:]
        try connection.query(
            """
            SELECT a.data FROM student_activities a JOIN students s ON s.worker_id = a.worker_id
            WHERE s.school = $1 AND a.worker_id >= $2 AND a.worker_id <= $3
            ORDER BY a.id
            """, [.text(school), .text(firstWorkerID), .text(lastWorkerID)]
        ) { row in
            let activity = try StudentActivity(serializedBytes: row.bytes(0))
            records[activity.workerId, default: []].append(activity)
        }
        try connection.query(
            """
            SELECT e.data, o.data FROM enrollments e
              JOIN students s ON s.worker_id = e.worker_id
              LEFT JOIN offerings o ON o.id = e.offering_id
            WHERE s.school = $1 AND e.worker_id >= $2 AND e.worker_id <= $3 AND e.active = 1
            ORDER BY e.id
            """, [.text(school), .text(firstWorkerID), .text(lastWorkerID)]
        ) { row in
            let enrollment = try Enrollment(serializedBytes: row.bytes(0))
            let offering = row.isNull(1) ? nil : try Offering(serializedBytes: row.bytes(1))
            if let counted = ThreeOnesProgress.activity(enrollment: enrollment, offering: offering, school: school) {
                records[enrollment.workerId, default: []].append(counted)
            }
        }
        return records
    }

    /// Progress of a page of students of one school.
    func progress(of students: [StudentRecord], school: String, on connection: any DBConnection) throws
        -> [StudentProgress]
    {
        guard let first = students.first?.workerID, let last = students.last?.workerID else { return [] }
        let byWorker = try records(school: school, firstWorkerID: first, lastWorkerID: last, on: connection)
        return students.map { ThreeOnesProgress.progress(student: $0, records: byWorker[$0.workerID] ?? []) }
    }
}
