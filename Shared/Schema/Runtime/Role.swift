/// What a caller is to the platform: the first organizational unit (OU) of its certificate's
/// subject, e.g. `hrss` or `institution` (docs/DESIGN.md: identity is the TLS client certificate).
/// The platform's roles are named constants in ServiceKit (`Role.hrss`, ...).
public struct Role: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// A role written in code. `*` is not a role: an access entry open to every caller is
    /// `AccessTable.Callers.anyone`, so a literal `"*"` is a programming error.
    public init(stringLiteral value: String) {
        precondition(value != "*", "'*' is not a role: write AccessTable.Callers.anyone")
        self.rawValue = value
    }

    public var description: String { rawValue }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }
}
