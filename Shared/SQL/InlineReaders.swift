import Synchronization

/// SQLite reader connections that run a short read on the caller's own thread (`Database.readInline`):
/// a look-up by key costs a lock and a few microseconds of SQLite instead of two thread hand-offs.
///
/// A caller takes an idle connection (or opens one, up to `limit`), runs its body and gives the
/// connection back; with all `limit` in use it gets none and the read goes to the reader threads.
/// The connections are WAL readers like those threads' (`query_only`), so a read sees every
/// transaction committed before it began. Their busy timeout is 0: in the rare cases a WAL reader
/// must wait (recovery of the WAL index after a crash), the read fails `.busy` at once, and
/// `Database.readInline` runs it on a reader thread, which may wait.
final class InlineReaders: Sendable {
    /// A connection checked out of the pool.
    final class Lease: @unchecked Sendable {
        // @unchecked Sendable: the pool hands each connection to one caller at a time, and SQLite's
        // multi-thread mode (SQLITE_OPEN_NOMUTEX) lets a connection move between threads as long as
        // no two use it at once.
        let connection: SQLite3Connection
        init(_ connection: SQLite3Connection) { self.connection = connection }
    }

    private struct State {
        var idle: [Lease] = []
        /// Connections open or being opened, idle or lent.
        var count = 0
        var closed = false
    }

    private let state = Mutex(State())
    private let limit: Int
    private let open: @Sendable () throws -> SQLite3Connection

    init(limit: Int, open: @escaping @Sendable () throws -> SQLite3Connection) {
        self.limit = limit
        self.open = open
    }

    /// Runs `body` on this thread with a pooled connection; `.noneFree` when all `limit` are lent
    /// out (or the pool is closed).
    func run<T>(_ body: (SQLite3Connection) throws -> T) throws -> Outcome<T> {
        let take = state.withLock { state -> Take in
            if state.closed { return .none }
            if let lease = state.idle.popLast() { return .idle(lease) }
            guard state.count < limit else { return .none }
            state.count += 1
            return .new
        }
        let lease: Lease
        switch take {
        case .none:
            return .noneFree
        case .idle(let idle):
            lease = idle
        case .new:
            do {
                lease = Lease(try open())
            } catch {
                state.withLock { $0.count -= 1 }
                throw error
            }
        }
        defer { giveBack(lease) }
        return .ran(try body(lease.connection))
    }

    enum Outcome<T> {
        case ran(T)
        case noneFree
    }

    private enum Take {
        case idle(Lease)
        case new
        case none
    }

    /// Drops the idle connections (they close once the lock is released); those lent out close
    /// when they come back.
    func close() {
        _ = state.withLock { state -> [Lease] in
            state.closed = true
            defer { state.idle = [] }
            return state.idle
        }
    }

    private func giveBack(_ lease: Lease) {
        // A connection left inside a transaction (never by a read body, but a broken statement
        // could) would pin its snapshot: drop it rather than lend it again.
        let keep = !lease.connection.inTransaction
        state.withLock { state in
            if state.closed || !keep {
                state.count -= 1
            } else {
                state.idle.append(lease)
            }
        }
    }
}
