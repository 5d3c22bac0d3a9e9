import NIOCore

/// Runs a task's jobs on one event loop (SE-0417): a caller that prefers its connection's loop renders and
/// sends there, and its message's exchange needs no thread switch.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
