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
/// the writer or the readers. The writer starts the WAL over from its beginning once a
/// checkpoint has copied all of it.
final class SQLiteCheckpointer: Sendable {
    /// The WAL size, in pages, past which a checkpoint starts.
    let pages: Int32
    private let thread: ConnectionThreads<SQLite3Connection>
    private let running = Atomic<Bool>(false)
    private let completed = Atomic<Int>(0)

    init(file: String, pragmas: [String], pages: Int) {
        self.pages = Int32(clamping: max(1, pages))
        thread = ConnectionThreads(name: "sqlite-checkpoint", count: 1) {
            try SQLite3Connection(path: file, pragmas: pragmas)
        }
    }

    /// Checkpoints run so far (tests).
    var checkpoints: Int { completed.load(ordering: .acquiring) }

    /// The writer's report after a commit: the WAL now holds `walPages` pages. Starts a
    /// checkpoint past the threshold unless one is running; returns at once.
    func committed(walPages: Int32) {
        guard walPages >= pages,
            running.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        Task { [self] in
            // A failed checkpoint (busy, I/O) leaves the WAL as it is; the next commit tries again.
            _ = try? await thread.perform { slot in
                try slot.connection().executeScript("PRAGMA wal_checkpoint(PASSIVE)")
            }
            completed.add(1, ordering: .releasing)
            running.store(false, ordering: .releasing)
        }
    }

    /// Stops the thread after a running checkpoint (SQLite checkpoints once more when the last
    /// connection closes).
    func close() async {
        await thread.close()
    }
}
