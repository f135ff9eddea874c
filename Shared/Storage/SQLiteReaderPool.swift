import SQLiteKit

/// The SQLite connections `SQLStore.read` bodies run on, each lent to one body at a time; bodies
/// that find none free wait in arrival order.
///
/// One body per connection is what keeps reads current. In WAL mode a connection reads from one
/// snapshot for as long as any statement on it is active, so a statement that starts while
/// another body's statement on the same connection is still stepping sees the database as it was
/// when that one began, and misses rows committed (and acknowledged to a client) since.
actor SQLiteReaderPool {
    private let connections: [SQLiteConnection]
    private var free: [SQLiteConnection]
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<SQLiteConnection, any Error>)] = []
    private var nextWaiterID: UInt64 = 0

    init(_ connections: [SQLiteConnection]) {
        self.connections = connections
        free = connections
    }

    /// Runs `body` on a connection of its own and returns the connection when `body` returns or
    /// throws. Cancelling the task while it waits for a connection throws `CancellationError`.
    nonisolated func withConnection<T: Sendable>(_ body: @Sendable (SQLiteConnection) async throws -> T) async throws
        -> T
    {
        let connection = try await acquire()
        do {
            let result = try await body(connection)
            await release(connection)
            return result
        } catch {
            await release(connection)
            throw error
        }
    }

    private func acquire() async throws -> SQLiteConnection {
        if let connection = free.popLast() { return connection }
        let id = nextWaiterID
        nextWaiterID += 1
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.stopWaiting(id) }
        }
    }

    private func stopWaiting(_ id: UInt64) {
        // Absent when the waiter has already been given a connection: its body runs and returns it.
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }

    private func release(_ connection: SQLiteConnection) {
        if waiters.isEmpty {
            free.append(connection)
        } else {
            waiters.removeFirst().continuation.resume(returning: connection)
        }
    }

    /// Closes every connection, also those lent out (a body still running then fails).
    func close() async {
        for connection in connections { try? await connection.close() }
    }
}
