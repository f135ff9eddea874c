import Synchronization

/// Group commit for the SQLite writer: transactions queued while the writer is busy commit
/// together, in one `BEGIN IMMEDIATE` ... `COMMIT`, each inside a savepoint of its own.
///
/// Each `Database.transaction` adds its body here and then queues one job on the writer thread.
/// The first of those jobs to run takes every body waiting (up to `limit`); the later ones find
/// theirs already done and return at once. So a call still costs one hand-off to the writer, but
/// a commit (its WAL frames: every page a transaction dirtied is written again, and the pages that
/// successive transactions share, such as the last leaf of an append-only table or index, are
/// written once per commit rather than once per transaction) is paid once per batch.
///
/// What each caller sees is what it would see alone:
/// - A body that throws is rolled back to its savepoint; the others in the batch are unaffected.
/// - A result is returned only after the batch's COMMIT succeeded; when COMMIT fails, every
///   body of the batch gets that error (nothing of the batch was written).
/// - Bodies run one after another on one connection, so each sees the changes of the bodies
///   before it (as it would, had they committed first) and none sees a later one.
/// - When SQLite rolls the whole transaction back under a failing body (I/O errors, a full disk),
///   the bodies that had already run lose their changes: they fail with `.busy` (UNAVAILABLE,
///   "retry with the same request_id") and the rest of the batch runs in a new transaction.
/// A batch of one runs exactly as before: no savepoint.
final class SQLiteWriteBatch: Sendable {
    /// The most bodies committed together.
    static let limit = 32

    /// One transaction's body and, once its batch has ended, its outcome.
    final class Entry: Sendable {
        fileprivate let run: @Sendable (any DBConnection) throws -> Void
        fileprivate let settle: @Sendable ((any Error)?) -> Void

        fileprivate init(
            run: @escaping @Sendable (any DBConnection) throws -> Void,
            settle: @escaping @Sendable ((any Error)?) -> Void
        ) {
            self.run = run
            self.settle = settle
        }
    }

    private let waiting = Mutex<[Entry]>([])

    init() {}

    /// Queues `body`; `outcome` reads what it returned or threw once a `runWaiting` has run it.
    func add<T: Sendable>(_ body: @escaping @Sendable (any DBConnection) throws -> T) -> (
        entry: Entry, outcome: @Sendable () -> Result<T, any Error>?
    ) {
        // Written on the writer thread (`run`, then `settle`), read by the caller after its job on
        // that thread has returned: the lock orders the two.
        let state = Mutex<(value: T?, outcome: Result<T, any Error>?)>((nil, nil))
        let entry = Entry(
            run: { connection in
                let value = try body(connection)
                state.withLock { $0.value = value }
            },
            settle: { error in
                state.withLock { state in
                    if let error {
                        state.outcome = .failure(error)
                    } else if let value = state.value {
                        state.outcome = .success(value)
                    }
                    state.value = nil
                }
            })
        waiting.withLock { $0.append(entry) }
        return (entry, { state.withLock { $0.outcome } })
    }

    /// Takes `entry` back if no batch has taken it (its job on the writer never ran); true if it was there.
    func withdraw(_ entry: Entry) -> Bool {
        waiting.withLock { entries in
            guard let index = entries.firstIndex(where: { $0 === entry }) else { return false }
            entries.remove(at: index)
            return true
        }
    }

    /// Runs the waiting bodies as one transaction on the writer's connection (on its thread).
    func runWaiting(on connection: () throws -> SQLite3Connection) {
        let batch = waiting.withLock { entries -> [Entry] in
            let taken = Array(entries.prefix(Self.limit))
            entries.removeFirst(taken.count)
            return taken
        }
        guard !batch.isEmpty else { return }
        let writer: SQLite3Connection
        do {
            writer = try connection()
        } catch {
            for entry in batch { entry.settle(error) }
            return
        }
        if batch.count == 1 {
            runAlone(batch[0], on: writer)
        } else {
            runTogether(batch, on: writer)
        }
    }

    private func runAlone(_ entry: Entry, on connection: SQLite3Connection) {
        do {
            try connection.execute("BEGIN IMMEDIATE")
            do {
                try entry.run(connection)
                try connection.execute("COMMIT")
            } catch {
                // A failed COMMIT may have ended the transaction already.
                if connection.inTransaction { _ = try? connection.execute("ROLLBACK") }
                throw error
            }
            entry.settle(nil)
        } catch {
            entry.settle(error)
        }
    }

    private func runTogether(_ batch: [Entry], on connection: SQLite3Connection) {
        var ran: [Entry] = []
        for entry in batch {
            if !connection.inTransaction {
                do {
                    try connection.execute("BEGIN IMMEDIATE")
                } catch {
                    entry.settle(error)
                    continue
                }
            }
            do {
                try connection.execute("SAVEPOINT batched")
                try entry.run(connection)
                try connection.execute("RELEASE batched")
                ran.append(entry)
            } catch {
                entry.settle(error)
                if connection.inTransaction {
                    do {
                        try connection.execute("ROLLBACK TO batched")
                        try connection.execute("RELEASE batched")
                    } catch {
                        _ = try? connection.execute("ROLLBACK")
                    }
                }
                guard !connection.inTransaction else { continue }
                // The whole transaction was rolled back: what ran before this body is gone too.
                for lost in ran {
                    lost.settle(DBError(.busy, "another transaction of the same group commit failed; retry the call"))
                }
                ran = []
            }
        }
        guard connection.inTransaction else { return }
        do {
            try connection.execute("COMMIT")
        } catch {
            if connection.inTransaction { _ = try? connection.execute("ROLLBACK") }
            for entry in ran { entry.settle(error) }
            return
        }
        for entry in ran { entry.settle(nil) }
    }
}
