import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A child started with posix_spawn(3) and reaped with waitpid(2), with the members of Foundation's
/// `Process` that the tests use.
///
/// Why not `Process`: on Linux it learns that a child ended when the child's end of a socket pair it
/// inherited closes, and then waits for that pid on its one monitoring thread. systemd-socket-activate
/// closes every descriptor it did not pass before it execs the service: `Process` takes that for the
/// exit, blocks its monitor in waitpid until the service really ends, and meanwhile no other `Process`
/// in the test process is seen to end (children left as zombies, `waitUntilExit` never returning).
final class SpawnedProcess: @unchecked Sendable {
    let processIdentifier: pid_t
    private let lock = NSLock()
    /// Under `lock`: the raw wait status, once reaped.
    private var waitStatus: Int32?

    /// `stdin`, `stdout` and `stderr` become the child's 0, 1 and 2; it inherits no other descriptor.
    init(executable: String, arguments: [String], environment: [String: String], stdin: CInt, stdout: CInt, stderr: CInt) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard result == 0 else { throw TestFailure("posix_spawn \(executable): \(String(cString: strerror(result)))") }
        processIdentifier = pid
    }

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34), which the Glibc module does not declare.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, CInt) -> CInt
    private static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast($0, to: AddCloseFrom.self)
    }

    var isRunning: Bool { reap(blocking: false) == nil }

    func waitUntilExit() { _ = reap(blocking: true) }

    /// The exit code, or the signal that ended it (as `Process` says); valid once it is not running.
    var terminationStatus: Int32 {
        guard let status = reap(blocking: false) else { return 0 }
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : status & 0x7F
    }

    var terminationReason: Process.TerminationReason {
        guard let status = reap(blocking: false) else { return .exit }
        return status & 0x7F == 0 ? .exit : .uncaughtSignal
    }

    /// The wait status, reaping the child if it has ended (waiting for it when `blocking`).
    private func reap(blocking: Bool) -> Int32? {
        lock.withLock {
            if let waitStatus { return waitStatus }
            var status: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(processIdentifier, &status, blocking ? 0 : WNOHANG) } while result < 0 && errno == EINTR
            guard result == processIdentifier else { return nil }
            waitStatus = status
            return status
        }
    }
}
