import Foundation
import SQLKit
import Schema
import Storage

/// The SQL of S1, the students' "three ones": students, their recorded activities, and their
/// enrolments with the offerings (which count as vocational trainings).
struct StudentStore: Sendable {
    let store: SQLStore

    private struct DataRow: Decodable { var data: Data }
    private struct StudentRow: Decodable {
        var worker_id: String
        var school: String
        var name: String
        var id_number: String
    }
    private struct EnrollmentRow: Decodable {
        var data: Data
        var offering: Data?
    }

    /// Keeps the student's school, name and ID number as registration last said.
    func upsert(_ student: StudentRecord, in db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO students (worker_id, school, name, id_number)
            VALUES (\(bind: student.workerID), \(bind: student.school), \(bind: student.name), \(bind: student.idNumber))
            ON CONFLICT (worker_id) DO UPDATE SET school = excluded.school, name = excluded.name, id_number = excluded.id_number
            """
        ).run()
    }

    func student(workerID: String, in db: any SQLDatabase) async throws -> StudentRecord? {
        try await db.raw("SELECT worker_id, school, name, id_number FROM students WHERE worker_id = \(bind: workerID)")
            .first(decoding: StudentRow.self).map(Self.record)
    }

    func students(school: String, afterWorkerID: String, limit: Int, in db: any SQLDatabase) async throws
        -> [StudentRecord]
    {
        try await db.raw(
            """
            SELECT worker_id, school, name, id_number FROM students
            WHERE school = \(bind: school) AND worker_id > \(bind: afterWorkerID) ORDER BY worker_id LIMIT \(bind: limit)
            """
        ).all(decoding: StudentRow.self).map(Self.record)
    }

    private static func record(_ row: StudentRow) -> StudentRecord {
        StudentRecord(workerID: row.worker_id, school: row.school, name: row.name, idNumber: row.id_number)
    }

    func insert(_ activity: StudentActivity, in db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO student_activities (id, worker_id, kind, completed, version, data)
            VALUES (\(bind: activity.id), \(bind: activity.workerId), \(bind: activity.kind.rawValue),
                    \(bind: activity.completed ? 1 : 0), \(bind: activity.version), \(bind: Data(activity.serializedBytes())))
            """
        ).run()
    }

    /// Replaces the activity if it is still at `previousVersion`; false when someone changed it first.
    func replace(_ activity: StudentActivity, previousVersion: Int64, in db: any SQLDatabase) async throws -> Bool {
        struct Row: Decodable { var id: String }
        return try await !db.raw(
            """
            UPDATE student_activities SET completed = \(bind: activity.completed ? 1 : 0), version = \(bind: activity.version),
                data = \(bind: Data(activity.serializedBytes()))
            WHERE id = \(bind: activity.id) AND version = \(bind: previousVersion)
            RETURNING id
            """
        ).all(decoding: Row.self).isEmpty
    }

    func activity(id: String, in db: any SQLDatabase) async throws -> StudentActivity? {
        guard
            let row = try await db.raw("SELECT data FROM student_activities WHERE id = \(bind: id)").first(
                decoding: DataRow.self)
        else { return nil }
        return try StudentActivity(serializedBytes: row.data)
    }

    /// Every record of the given students (of one school, worker ids first...last in order):
    /// their activities and their active enrolments as vocational trainings, by worker id.
    func records(
        school: String, firstWorkerID: String, lastWorkerID: String,
        in db: any SQLDatabase
    ) async throws -> [String: [StudentActivity]] {
        var records: [String: [StudentActivity]] = [:]
        let activities = try await db.raw(
            """
            SELECT a.data FROM student_activities a JOIN students s ON s.worker_id = a.worker_id
            WHERE s.school = \(bind: school) AND a.worker_id >= \(bind: firstWorkerID) AND a.worker_id <= \(bind: lastWorkerID)
            ORDER BY a.id
            """
        ).all(decoding: DataRow.self)
        for row in activities {
            let activity = try StudentActivity(serializedBytes: row.data)
            records[activity.workerId, default: []].append(activity)
        }
        let enrollments = try await db.raw(
            """
            SELECT e.data, o.data AS offering FROM enrollments e
              JOIN students s ON s.worker_id = e.worker_id
              LEFT JOIN offerings o ON o.id = e.offering_id
            WHERE s.school = \(bind: school) AND e.worker_id >= \(bind: firstWorkerID) AND e.worker_id <= \(bind: lastWorkerID)
              AND e.active = 1
            ORDER BY e.id
            """
        ).all(decoding: EnrollmentRow.self)
        for row in enrollments {
            let enrollment = try Enrollment(serializedBytes: row.data)
            let offering = try row.offering.map { try Offering(serializedBytes: $0) }
            if let counted = ThreeOnesProgress.activity(enrollment: enrollment, offering: offering, school: school) {
                records[enrollment.workerId, default: []].append(counted)
            }
        }
        return records
    }

    /// Progress of a page of students of one school.
    func progress(of students: [StudentRecord], school: String, in db: any SQLDatabase) async throws
        -> [StudentProgress]
    {
        guard let first = students.first?.workerID, let last = students.last?.workerID else { return [] }
        let byWorker = try await records(school: school, firstWorkerID: first, lastWorkerID: last, in: db)
        return students.map { ThreeOnesProgress.progress(student: $0, records: byWorker[$0.workerID] ?? []) }
    }
}
