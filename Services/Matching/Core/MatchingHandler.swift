import Essentials
import Logging
import SQL
import Schema
import ServiceKit
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `skills.v1.MatchingService`: the five orders (docs/POLICY.md O1..O5) and the catalogues C1..C3.
/// Registration is asked about institutions (R10), workers and enterprises; payment about the
/// subsidy standard (R1) and, for O5, to take the claim.
public struct MatchingHandler: MatchingServiceProvider {
    let environment: ServiceEnvironment
    let store: MatchingStore
    /// The policy file the eligibility preview (O3) is computed with.
    let policy: PreviewPolicy

    /// - Parameter policy: the checked `--policy-file`; `nil` previews with the bundled policy.
    public init(environment: ServiceEnvironment, policy: LoadedPolicy? = nil) {
        self.environment = environment
        self.store = MatchingStore(database: environment.database)
        self.policy = policy.map { PreviewPolicy(book: $0.book) } ?? PreviewPolicy.bundled(logger: environment.logger)
    }

    public static let manifest = ServiceManifest(
        name: "matching", defaultPort: 7102, accessTable: MatchingAccess.table,
        migrations: MatchingMigrations.all)

    /// Today in the policy's time zone (Asia/Shanghai): the call's business day.
    static func today() -> CivilDate { BusinessDay.today() }

    static func newID(_ prefix: String) -> String { RecordID.make(prefix) }

    /// `PageSize`'s rule; a negative size is `INVALID_ARGUMENT`.
    static func pageSize(_ requested: Int32, field: String = "page_size") throws -> Int {
        guard let rows = PageSize.rows(for: requested) else {
            throw MatchingError.invalid(field: field, message: PageSize.refusal(for: requested))
        }
        return rows
    }

    /// The enrolment `id`, or NOT_FOUND (a look-up by key: on the caller's thread where it can).
    func existingEnrollment(_ id: String) async throws -> Enrollment {
        let store = self.store
        guard let enrollment = try await environment.database.readInline({ try store.enrollment(id: id, on: $0) })
        else {
            throw MatchingError.enrollmentNotFound(id)
        }
        return enrollment
    }

    func role(_ context: ServerContext) -> String { context.peer.role?.rawValue ?? "" }

    static func requireDate(_ date: CalendarDate?, field: String) throws -> CivilDate {
        guard date?.isSet ?? false else { throw MatchingError.invalid(field: field, message: "required") }
        guard let day = CivilDate(date) else {
            throw MatchingError.invalid(
                field: field, message: "\(date.map { "\($0.year)-\($0.month)-\($0.day)" } ?? "") is not a date")
        }
        return day
    }

    static func optionalDate(_ date: CalendarDate?, field: String) throws -> CivilDate? {
        guard date?.isSet ?? false else { return nil }
        return try requireDate(date, field: field)
    }

    static func requireLevel(_ level: SkillLevel, field: String) throws {
        guard level.isRecognized, level != .unspecified else {
            throw MatchingError.invalid(
                field: field, message: "unknown or unspecified skill level \(level.rawValue) (A3: 1..5)")
        }
    }
}
