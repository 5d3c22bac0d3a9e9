import CampaignProtocol
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The service that owns every listener. `run()` returns when all listeners are closed: after a
/// graceful shutdown (SIGTERM), when a single connection (stdio, inetd, `Accept=yes`) ends, or when
/// `--exit-when-idle` finds nothing to do.
public struct CampaignServer: Service {
    let core: CampaignCore
    let configuration: ServerConfiguration
    let logger: Logger
    let group: MultiThreadedEventLoopGroup
    let admission: Admission
    let ledger: ReplyLedger

    public init(
        core: CampaignCore, configuration: ServerConfiguration, logger: Logger,
        group: MultiThreadedEventLoopGroup = .singleton
    ) {
        self.core = core
        self.configuration = configuration
        self.logger = logger
        self.group = group
        admission = Admission(limit: configuration.maxActive)
        ledger = ReplyLedger(budget: configuration.replyBudgetBytes)
    }

    typealias Listener = NIOAsyncChannel<any Channel, Never>

    /// Requests computed now and connections waiting their turn, for the metrics scrape.
    public var admissionFigures: MetricsExporter.AdmissionFigures {
        let (active, waiting) = admission.figures
        return .init(active: active, waiting: waiting)
    }

    /// Listeners accept on a thread of their own: a newcomer is not queued behind a round of every busy
    /// connection's reads and writes (it then waits its turn for work, see `Admission`).
    static let acceptLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    /// Connections accepted ahead of the loop that starts serving them.
    static let acceptBuffer = NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark(lowWatermark: 64, highWatermark: 256)

    public func run() async throws {
        let connections = ConnectionServer(
            dispatcher: core.dispatcher, feed: core.feed, metrics: core.metrics, activity: ActivityClock(),
            admission: admission, configuration: configuration, logger: logger)
        var listeners: [(Listener, ListenerSource)] = []
        var singles: [(any Channel, ListenerSource)] = []
        let pending = PendingConnections()
        for source in configuration.listeners {
            switch source {
            case .unixPath, .listeningSocket:
                listeners.append((try await listen(source, pending: pending), source))
            case .connectedSocket, .stdio:
                singles.append((try await connect(source), source))
            }
        }
        let status = configuration.listeners.map(\.description).joined(separator: ", ")
        Systemd.notify("READY=1\nSTATUS=Serving \(status)")
        logger.info("campaignd \(campaigndVersion) serving \(status)")

        let stopping = StopFlag()
        let servers = listeners.map { $0.0.channel }
        let stop: @Sendable (String) -> Void = { reason in
            guard stopping.set() else { return }
            Systemd.notify("STOPPING=1\nSTATUS=Stopping: \(reason)")
            logger.info("stopping: \(reason)")
            for server in servers { server.close(promise: nil) }
        }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for (listener, source) in listeners {
                    group.addTask { await acceptLoop(listener, source: source, connections: connections, pending: pending) }
                }
                let remaining = Countdown(singles.count)
                let onlySingles = listeners.isEmpty
                for (channel, source) in singles {
                    // stdio belongs to whoever started the process; a socket's peer is checked.
                    let isSocket = if case .connectedSocket = source { true } else { false }
                    group.addTask {
                        await connections.serve(channel, role: source.role, checkPeer: isSocket)
                        // A process serving single connections is done when they are.
                        if remaining.tick() && onlySingles { stop("connection closed") }
                    }
                }
                group.addTask { await core.feed.run(isStopping: { stopping.isSet }) }
                group.addTask { await core.housekeeping.run(isStopping: { stopping.isSet }) }
                if let seconds = configuration.exitWhenIdleSeconds, !listeners.isEmpty {
                    group.addTask {
                        while !stopping.isSet {
                            try? await Task.sleep(for: .milliseconds(250))
                            if core.metrics.open == 0, connections.activity.idleFor >= .seconds(seconds) {
                                stop("idle for \(seconds) s")
                            }
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            stop("shutdown requested")
        }
        pending.closeAll()
        for case .unixPath(let path, _) in configuration.listeners { unlink(path) }
    }

    func acceptLoop(_ listener: Listener, source: ListenerSource, connections: ConnectionServer, pending: PendingConnections) async {
        do {
            try await listener.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in inbound {
                        pending.remove(connection)
                        group.addTask { await connections.serve(connection, role: source.role, checkPeer: true) }
                    }
                }
            }
        } catch {
            logger.error("listener failed", metadata: ["listener": "\(source)", "error": "\(error)"])
        }
    }

    func listen(_ source: ListenerSource, pending: PendingConnections) async throws -> Listener {
        let bootstrap = ServerBootstrap(group: Self.acceptLoop, childGroup: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Accept many per wake-up: with busy connections on the same loop, 4 (the default) leaves
            // newcomers queued behind a whole round of their reads and writes.
            .serverChannelOption(.maxMessagesPerRead, value: 64)
        let prepare = connectionInitializer(role: source.role)
        let initializer: @Sendable (any Channel) -> EventLoopFuture<any Channel> = { channel in
            guard pending.add(channel) else {
                channel.close(promise: nil)
                return channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
            }
            return prepare(channel)
        }
        switch source {
        case .unixPath(let path, let role):
            try UnixSocketPath.prepare(path)
            let listener = try await bootstrap.bind(
                unixDomainSocketPath: path, cleanupExistingSocketFile: true, serverBackPressureStrategy: Self.acceptBuffer,
                childChannelInitializer: initializer)
            // Admin sockets are for their owner only; the public one is for any local frontend.
            chmod(path, role == .admin ? 0o600 : 0o666)
            return listener
        case .listeningSocket(let fd, _):
            return try await bootstrap.bind(fd, serverBackPressureStrategy: Self.acceptBuffer, childChannelInitializer: initializer)
        default:
            preconditionFailure("not a listener: \(source)")
        }
    }

    /// Sets up each new connection's pipeline, with the `signatures.count` fast path for its role.
    func connectionInitializer(role: Role) -> @Sendable (any Channel) -> EventLoopFuture<any Channel> {
        let configuration = self.configuration
        let store = core.store
        let metrics = core.metrics
        let ledger = self.ledger
        let maxDepth = core.dispatcher.limits.maxDepth
        return { channel in
            channel.eventLoop.makeCompletedFuture {
                try ConnectionServer.prepare(
                    channel, configuration: configuration, ledger: ledger,
                    fastCount: FastCountHandler(store: store, role: role, metrics: metrics, maxDepth: maxDepth))
                return channel
            }
        }
    }

    func connect(_ source: ListenerSource) async throws -> any Channel {
        let initializer = connectionInitializer(role: source.role)
        switch source {
        case .connectedSocket(let fd, _):
            return try await ClientBootstrap(group: group).withConnectedSocket(fd, channelInitializer: initializer)
        case .stdio(let input, let output, _):
            return try await NIOPipeBootstrap(group: group).takingOwnershipOfDescriptors(
                input: input, output: output, channelInitializer: initializer)
        default:
            preconditionFailure("not a single connection: \(source)")
        }
    }
}
