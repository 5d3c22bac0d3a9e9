import CampaignProtocol
import Foundation

/// Where connections come from. The connection handler does not care which.
public enum ListenerSource: Sendable, CustomStringConvertible {
    /// A Unix socket campaignd creates (`--listen`, `--admin-listen`).
    case unixPath(String, Role)
    /// A listening socket passed by systemd.
    case listeningSocket(CInt, Role)
    /// One connected socket: an `Accept=yes` connection or `--inetd` stdin.
    case connectedSocket(CInt, Role)
    /// `--stdio`: requests on `input`, replies on `output`.
    case stdio(input: CInt, output: CInt, Role)

    public var role: Role {
        switch self {
        case .unixPath(_, let r), .listeningSocket(_, let r), .connectedSocket(_, let r), .stdio(_, _, let r): r
        }
    }

    /// Whether it serves a single connection, after which the process is done.
    public var isSingleConnection: Bool {
        switch self {
        case .connectedSocket, .stdio: true
        case .unixPath, .listeningSocket: false
        }
    }

    public var description: String {
        switch self {
        case .unixPath(let path, let role): "\(role.rawValue) socket \(path)"
        case .listeningSocket(let fd, let role): "\(role.rawValue) socket fd \(fd)"
        case .connectedSocket(let fd, let role): "\(role.rawValue) connection fd \(fd)"
        case .stdio(_, _, let role): "\(role.rawValue) stdio"
        }
    }
}

/// The limits of SPEC §1 and the listener settings.
public struct ServerConfiguration: Sendable {
    public var listeners: [ListenerSource]
    public var maxFrameBytes: Int = 1 << 20
    public var maxInflight: Int = 64
    /// Requests computed at once across all connections, taken in turn (see `Admission`).
    public var maxActive: Int = 32
    /// Reply bytes waiting for slow readers' sockets, across all connections, beyond which a connection
    /// with replies still waiting starts no new request (see `ReplyLedger`).
    public var replyBudgetBytes: Int = 32 << 20
    public var idleTimeoutSeconds: Int = 300
    /// On SIGTERM, how long a connection may take to collect its replies before it is closed.
    public var shutdownGraceSeconds: Int = 5
    /// Open connections beyond which a new one gets one `-32005` and is closed.
    public var maxConnections: Int = 4096
    /// Besides root and the service's own uid.
    public var adminUIDs: Set<uid_t> = []
    public var exitWhenIdleSeconds: Int?

    public init(listeners: [ListenerSource]) { self.listeners = listeners }

    func isAdminPeer(_ uid: uid_t) -> Bool { uid == 0 || uid == getuid() || adminUIDs.contains(uid) }
}
