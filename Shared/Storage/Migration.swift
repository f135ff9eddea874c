/// One versioned step of a service's schema. Versions are applied in order, once, at start-up;
/// the applied ones are recorded in `schema_migrations`. A released migration never changes: a
/// change is a new version.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let statements: @Sendable (SQLDialectKind) -> [String]

    public init(version: Int, name: String, statements: @escaping @Sendable (SQLDialectKind) -> [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}
