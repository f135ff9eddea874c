import Synchronization

/// Copies the SQLite WAL back into the database file on a thread and connection of its own, so
/// that the writer never waits for a checkpoint.
///
/// SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL past its threshold, on
/// the writer's thread: it copies every page the WAL holds and syncs both files, 50-100 ms here
/// for 8,000 pages, and every write queued behind that commit waits for it (the tail of a
/// replay's write latencies). The writer instead reports the WAL's size after each commit
/// (`SQLite3Connection.onCommit`), and past `pages` this runs one PASSIVE checkpoint at a time,
/// which is what the automatic one runs: it copies what no reader still needs and never blocks
/// the writer or the readers.
///
/// The writer starts the WAL over from its beginning only once a checkpoint has copied all of it,
/// and under writes that never pause every checkpoint running beside them ends with newer pages
/// uncopied: 25 s of `bench register-worker` grew the WAL to 1.1 GB. So past twice `pages` the
/// writer checkpoints itself, in its commit, as SQLite would (`limit`): the WAL stays bounded,
/// and only writes that outrun this thread ever wait for a checkpoint.
final class SQLiteCheckpointer: Sendable {
    /// The WAL size, in pages, past which a checkpoint starts on this thread.
    let pages: Int32
    /// The WAL size, in pages, past which the writer checkpoints in its commit.
    let limit: Int32
    private let thread: ConnectionThreads<SQLite3Connection>
    private let running = Atomic<Bool>(false)
    private let completed = Atomic<Int>(0)

    init(file: String, pragmas: [String], pages: Int) {
        self.pages = Int32(clamping: max(1, pages))
        limit = Int32(clamping: 2 * Int(self.pages))
        thread = ConnectionThreads(name: "sqlite-checkpoint", count: 1) {
            try SQLite3Connection(path: file, pragmas: pragmas)
        }
    }

    /// Checkpoints run so far (tests).
    var checkpoints: Int { completed.load(ordering: .acquiring) }

    /// The writer's report after a commit: the WAL now holds `walPages` pages. Starts a
    /// checkpoint past `pages` unless one is running, and returns at once; true past `limit`,
    /// when the writer is to checkpoint itself.
    func committed(walPages: Int32) -> Bool {
        if walPages >= limit { return true }
        guard walPages >= pages,
            running.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return false }
        Task { [self] in
            // A failed checkpoint (busy, I/O) leaves the WAL as it is; the next commit tries again.
            _ = try? await thread.perform { slot in
                try slot.connection().executeScript("PRAGMA wal_checkpoint(PASSIVE)")
            }
            completed.add(1, ordering: .releasing)
            running.store(false, ordering: .releasing)
        }
        return false
    }

    /// Stops the thread after a running checkpoint (SQLite checkpoints once more when the last
    /// connection closes).
    func close() async {
        await thread.close()
    }
}
