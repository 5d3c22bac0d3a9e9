import CSystemd
import Foundation

/// The parts of libsystemd campaignd uses: socket activation and the notification socket.
public enum Systemd {
    /// A file descriptor passed by systemd, with its `FileDescriptorName=`.
    public struct PassedSocket: Sendable {
        public var fd: CInt
        public var name: String
        /// False for an `Accept=yes` connection (or `systemd-socket-activate -a`): serve it as one connection.
        public var isListening: Bool
    }

    /// The sockets systemd passed (`sd_listen_fds_with_names`); unsets `LISTEN_FDS` so children do not inherit them.
    public static func passedSockets() -> [PassedSocket] {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        let count = sd_listen_fds_with_names(1, &names)
        guard count > 0 else { return [] }
        defer {
            if let names {
                for i in 0..<Int(count) { free(names[i]) }
                free(names)
            }
        }
        return (0..<Int(count)).map { i in
            let fd = SD_LISTEN_FDS_START + CInt(i)
            let name = names?[i].map { String(cString: $0) } ?? "unknown"
            return PassedSocket(fd: fd, name: name, isListening: isListeningSocket(fd))
        }
    }

    /// `SO_ACCEPTCONN`: whether a socket is listening rather than connected.
    public static func isListeningSocket(_ fd: CInt) -> Bool {
        var value: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &value, &length) == 0 else { return false }
        return value != 0
    }

    /// Whether `fd` is a socket at all (`--inetd` checks stdin).
    public static func isSocket(_ fd: CInt) -> Bool {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return false }
        return (st.st_mode & S_IFMT) == S_IFSOCK
    }

    /// Whether `fd` is a pipe (FIFO) or a socket, the kinds of descriptor epoll can watch.
    public static func isPipeOrSocket(_ fd: CInt) -> Bool {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return false }
        return (st.st_mode & S_IFMT) == S_IFSOCK || (st.st_mode & S_IFMT) == S_IFIFO
    }

    /// `sd_notify`; a no-op when not started by systemd.
    public static func notify(_ state: String) {
        _ = sd_notify(0, state)
    }
}
