import CampaignProtocol

/// Where connections come from. `ConnectionServer` does not care which.
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
