import Foundation

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

    /// The defaults, for the command line to show and start from.
    public static let defaults = ServerConfiguration(listeners: [])

    func isAdminPeer(_ uid: uid_t) -> Bool { uid == 0 || uid == getuid() || adminUIDs.contains(uid) }
}
