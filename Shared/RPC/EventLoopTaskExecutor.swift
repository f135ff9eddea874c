import NIOCore

/// Runs a task's jobs on one NIO event loop, so that the task and the I/O it waits for share a
/// thread and no hand-off to Swift's global executor and back is needed (issue 14: each
/// hand-off wakes a thread, a few microseconds of kernel time per call).
///
/// A server runs each unary handler with its connection's loop as the preferred executor
/// (`Task.immediate`): the handler starts at once on the loop, inside the read of its request; a
/// handler that never suspends (a look-up through `Database.readInline` on SQLite) finishes there
/// too, and its response goes out with the flush at the end of the read. A client that runs its
/// tasks on the loops of its channels' group (`withTaskExecutorPreference`, `addTask(executorPreference:)`)
/// gets the same from `GRPCChannel`, which sends a call made on a loop over a connection of that loop.
public final class EventLoopTaskExecutor: TaskExecutor {
    /// The loop the jobs run on.
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    /// One executor for each loop of `group`, in the group's order.
    public static func each(of group: any EventLoopGroup) -> [EventLoopTaskExecutor] {
        group.makeIterator().map { EventLoopTaskExecutor($0) }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }
}
