#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The listening sockets systemd passes to a socket-activated service (sd_listen_fds(3)): from fd 3,
/// `LISTEN_FDS` of them, meant for this process when `LISTEN_PID` is its pid, named by `LISTEN_FDNAMES`
/// (`FileDescriptorName=`). Read here rather than through libsystemd, which campaign-web needs for nothing else.
public enum SystemdSockets {
    public struct Passed: Sendable, Hashable {
        public var fd: CInt
        /// `FileDescriptorName=`, or `unknown` as systemd says when there is none.
        public var name: String
    }

    static let firstFD: CInt = 3

    /// The sockets `environment` describes for process `pid`; none when they are meant for another process.
    public static func passed(environment: [String: String], pid: Int32) -> [Passed] {
        guard let listenPID = environment["LISTEN_PID"].flatMap({ Int32($0) }), listenPID == pid,
            let count = environment["LISTEN_FDS"].flatMap({ Int($0) }), count > 0, count < 4096
        else { return [] }
        let names = environment["LISTEN_FDNAMES"].map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) } ?? []
        return (0..<count).map { i in
            Passed(fd: firstFD + CInt(i), name: i < names.count && !names[i].isEmpty ? names[i] : "unknown")
        }
    }

    /// The sockets passed to this process, marked close-on-exec, with the variables removed from the
    /// environment so that no child takes them for its own (as `sd_listen_fds(1)` does).
    public static func takePassed() -> [Passed] {
        var environment: [String: String] = [:]
        for key in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] {
            if let value = getenv(key) { environment[key] = String(cString: value) }
        }
        let sockets = passed(environment: environment, pid: getpid())
        for socket in sockets {
            let flags = fcntl(socket.fd, F_GETFD)
            if flags >= 0 { _ = fcntl(socket.fd, F_SETFD, flags | FD_CLOEXEC) }
        }
        for key in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { unsetenv(key) }
        return sockets
    }
}
