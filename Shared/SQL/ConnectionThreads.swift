import Essentials
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Threads that each own one connection and take jobs from one shared first-come-first-served
/// queue. A job runs from start to end on one thread with that thread's connection, so a whole
/// transaction costs one hand-off to the thread and one back, whatever its number of statements.
///
/// Connections are opened on their thread when a job first needs one (`Slot.connection()`), and
/// dropped (closed) after a job when `isHealthy` says they broke, to be reopened by a later job.
final class ConnectionThreads<Connection: AnyObject>: @unchecked Sendable {
    // @unchecked Sendable: the mutable state (`queue`, `head`, `closed`, `running`, `exitWaiters`)
    // is only read or written with `condition` locked, and connections never leave their thread.

    /// A thread's connection, as its jobs see it.
    final class Slot {
        private let open: @Sendable () throws -> Connection
        private(set) var current: Connection?

        init(open: @escaping @Sendable () throws -> Connection) { self.open = open }

        /// This thread's connection, opened now if it has none.
        func connection() throws -> Connection {
            if let current { return current }
            let connection = try open()
            current = connection
            return connection
        }

        /// Closes this thread's connection; the next job opens a new one.
        func discard() { current = nil }
    }

    private struct Job {
        let run: @Sendable (Slot) -> Void
        let cancel: @Sendable (DBError) -> Void
    }

    private let condition = PosixCondition()
    private var queue: [Job] = []
    private var head = 0
    private var closed = false
    private var running: Int
    private var exitWaiters: [CheckedContinuation<Void, Never>] = []
    private let open: @Sendable () throws -> Connection
    private let isHealthy: @Sendable (Connection) -> Bool

    init(
        name: String, count: Int, open: @escaping @Sendable () throws -> Connection,
        isHealthy: @escaping @Sendable (Connection) -> Bool = { _ in true }
    ) {
        self.open = open
        self.isHealthy = isHealthy
        running = count
        for index in 0..<count {
            PosixThread.detach(name: "\(name)-\(index)") { [self] in loop() }
        }
    }

    /// Runs `body` on one of the threads and returns its result to the caller's task. Throws
    /// `.unavailable` once `close` has been called.
    func perform<T: Sendable>(_ body: @escaping @Sendable (Slot) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                run: { slot in continuation.resume(with: Result { try body(slot) }) },
                cancel: { continuation.resume(throwing: $0) })
            if !enqueue(job) { job.cancel(DBError(.unavailable, "the database is closed")) }
        }
    }

    /// Fails the queued jobs, lets running ones finish, and returns when every thread has closed
    /// its connection and ended.
    func close() async {
        for job in markClosed() { job.cancel(DBError(.unavailable, "the database is closed")) }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            if !waitForExit(continuation) { continuation.resume() }
        }
    }

    private func enqueue(_ job: Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return false }
        queue.append(job)
        condition.signal()
        return true
    }

    private func markClosed() -> ArraySlice<Job> {
        condition.lock()
        defer { condition.unlock() }
        closed = true
        let pending = queue[head...]
        queue = []
        head = 0
        condition.broadcast()
        return pending
    }

    /// Registers `continuation` to be resumed when the last thread ends; false when none runs.
    private func waitForExit(_ continuation: CheckedContinuation<Void, Never>) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard running > 0 else { return false }
        exitWaiters.append(continuation)
        return true
    }

    private func loop() {
        let slot = Slot(open: open)
        while let job = next() {
            job.run(slot)
            if let connection = slot.current, !isHealthy(connection) { slot.discard() }
        }
        slot.discard()
        condition.lock()
        running -= 1
        let waiters = running == 0 ? exitWaiters : []
        if running == 0 { exitWaiters = [] }
        condition.unlock()
        for waiter in waiters { waiter.resume() }
    }

    /// The oldest queued job, waiting for one; nil once closed.
    private func next() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while head == queue.count && !closed { condition.wait() }
        guard head < queue.count else { return nil }
        let job = queue[head]
        head += 1
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 {
            queue.removeFirst(head)
            head = 0
        }
        return job
    }
}
