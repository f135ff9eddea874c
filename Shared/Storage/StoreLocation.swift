/// Which database a service uses: an embedded SQLite file (the default) or a PostgreSQL server
/// shared by several replicas of the service.
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    /// An SQLite file (WAL mode). `:memory:` keeps everything in memory (tests).
    case sqlite(path: String)
    /// `postgres://user:password@host:port/database`.
    case postgres(url: String)

    /// Parses a `--database` setting: a `postgres://` or `postgresql://` URL, an `sqlite://` URL or
    /// a plain file path.
    public init(_ text: String) {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else if text.hasPrefix("sqlite://") {
            self = .sqlite(path: String(text.dropFirst("sqlite://".count)))
        } else {
            self = .sqlite(path: text)
        }
    }

    /// The location without a password, for logs.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let url):
            guard let at = url.lastIndex(of: "@"), let scheme = url.range(of: "://") else { return url }
            return String(url[..<scheme.upperBound]) + "***" + String(url[at...])
        }
    }
}

/// The SQL dialect a statement is written for.
public enum SQLDialectKind: String, Sendable {
    case sqlite
    case postgres

    /// The column type for binary data.
    public var blob: String { self == .sqlite ? "BLOB" : "BYTEA" }
    /// An auto-incrementing 64-bit primary key.
    public var serialPrimaryKey: String {
        self == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
    }
}
