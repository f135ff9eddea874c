import NIOCore

/// Runs a task's jobs on one NIO event loop: a unary handler runs on its connection's loop, so
/// the call needs no hand-off to Swift's global executor and back (issue 14: each hand-off wakes
/// a thread, a few microseconds of kernel time per call).
///
/// With `Task.immediate` the handler starts at once on the loop, inside the read of its request;
/// a handler that never suspends (a look-up through `Database.readInline` on SQLite) finishes
/// there too, and its response goes out with the flush at the end of the read.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }
}
