import SQL
import Schema

/// The `signing_keys` table: every public key a replica of this service has signed with, by key id
/// (the contract's `SigningKey`, kept as its protobuf encoding).
struct SigningKeyStore: Sendable {
    let database: Database

    static let migration = SchemaMigration(version: 101, name: "signing keys of every replica") { dialect in
        ["CREATE TABLE signing_keys (key_id TEXT PRIMARY KEY, data \(dialect.blob) NOT NULL)"]
    }

    /// Records `key` unless its id is there already (a replica restarting, or two starting at once).
    func publish(_ key: SigningKey) async throws {
        try await database.transaction(isolation: .readCommitted) { connection in
            try connection.execute(
                "INSERT INTO signing_keys (key_id, data) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING",
                key.keyId, key.serializedBytes())
        }
    }

    func key(id: String) async throws -> SigningKey? {
        try await database.read { connection in
            try connection.first("SELECT data FROM signing_keys WHERE key_id = $1", id) {
                try SigningKey(serializedBytes: $0.bytes(0))
            }
        }
    }
}
