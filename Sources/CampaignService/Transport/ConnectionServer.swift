import CampaignProtocol
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Serves one connection: frames in, replies out. Requests pipelined on the connection run
/// concurrently up to `maxInflight`; past that the loop stops pulling frames, NIOAsyncChannel's buffer
/// fills and the channel stops reading (back-pressure). On graceful shutdown it stops reading, answers
/// every request already read, and closes. (Named for what it does: in Transport/ a `…Handler` is a NIO
/// channel handler, and the methods' handlers live in Handlers/.)
struct ConnectionServer: Sendable {
    let dispatcher: Dispatcher
    let feed: ChangeFeed
    let metrics: ServiceMetrics
    let activity: ActivityClock
    let admission: Admission
    let configuration: ServerConfiguration
    let logger: Logger

    typealias Channel = NIOAsyncChannel<Frame, ByteBuffer>

    /// Sets up a new channel's pipeline. Reading waits until `serve` wraps the channel (autoRead is off
    /// until then): a connection accepted while the listener closes is then simply never read, where
    /// an unserved NIOAsyncChannel would trap in NIO.
    static func prepare(
        _ channel: any NIOCore.Channel, configuration: ServerConfiguration, ledger: ReplyLedger, fastCount: FastCountHandler?
    ) throws {
        // End of input (a client's half-close, stdin's EOF, or our own shutdown) must not close the
        // output before every request already read is answered.
        try channel.syncOptions?.setOption(.allowRemoteHalfClosure, value: true)
        try channel.syncOptions?.setOption(.autoRead, value: false)
        // Reads of at most 4 KiB: what a client that stops reading has sent sits in few small buffers.
        try channel.syncOptions?.setOption(
            .recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 4096))
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(
            ConnectionOutput.ChannelEndHandler(ConnectionOutput(channel: channel, ledger: ledger, maxInflight: configuration.maxInflight)))
        try pipeline.addHandler(IdleStateHandler(readTimeout: .seconds(Int64(configuration.idleTimeoutSeconds))))
        try pipeline.addHandler(IdleCloser())
        try Framing.add(to: pipeline, maxFrameBytes: configuration.maxFrameBytes)
        if let fastCount { try pipeline.addHandler(fastCount) }
        try pipeline.addHandler(ServeGate(), name: ServeGate.name)
    }

    /// Wraps a prepared channel for async use and starts reading it.
    static func wrap(_ channel: any NIOCore.Channel) async throws -> (Channel, ConnectionOutput) {
        try await channel.eventLoop.submit {
            // A channel closed before it is served has lost its pipeline: NIOAsyncChannel would make its
            // handler and writer, fail to add them, and leak both (a reference cycle) on every such client.
            guard channel.isActive else { throw ChannelError.ioOnClosedChannel }
            let output = try channel.pipeline.syncOperations.handler(type: ConnectionOutput.ChannelEndHandler.self).output
            let wrapped = try NIOAsyncChannel<Frame, ByteBuffer>(
                wrappingChannelSynchronously: channel, configuration: .init(backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8)))
            channel.pipeline.syncOperations.removeHandler(name: ServeGate.name, promise: nil)
            try channel.syncOptions?.setOption(.autoRead, value: true)
            return (wrapped, output)
        }.get()
    }

    func serve(_ connection: any NIOCore.Channel, role: Role, checkPeer: Bool) async {
        let channel: Channel
        let output: ConnectionOutput
        do {
            (channel, output) = try await Self.wrap(connection)
        } catch {
            logger.debug("connection lost before it was served", metadata: ["error": "\(error)"])
            connection.close(promise: nil)
            return
        }
        metrics.connectionOpened()
        metrics.exporter?.connectionOpened(role)
        activity.touch()
        defer {
            metrics.connectionClosed()
            metrics.exporter?.connectionClosed(role)
            activity.touch()
        }
        if metrics.open > configuration.maxConnections {
            logger.warning("refused a connection over the limit", metadata: ["open": "\(metrics.open)"])
            try? await channel.executeThenClose { _, outbound in
                let error = ResponseError.unavailable("too many connections; try again shortly")
                try await outbound.write(ByteBuffer(bytes: Response.error(id: .null, error)))
            }
            return
        }
        if role == .admin && checkPeer {
            let uid = await Self.peerUID(channel.channel)
            guard let uid, configuration.isAdminPeer(uid) else {
                logger.notice("refused admin peer", metadata: ["uid": "\(uid.map(String.init) ?? "unknown")"])
                try? await channel.executeThenClose { _, outbound in
                    try await outbound.write(ByteBuffer(bytes: Response.error(id: .null, .forbidden)))
                }
                return
            }
        }
        let session = feed.openSession(role: role)
        let context = CallContext(role: role, session: session, clicks: ClickThrottle())
        do {
            try await channel.executeThenClose { inbound, _ in
                await withGracefulShutdownHandler {
                    // Discarding: a finished request leaves nothing behind for the loop to collect.
                    await withDiscardingTaskGroup { group in
                        // `campaign.changed`, as the feed hands it over (coalesced, see ChangeFeed).
                        group.addTask {
                            for await _ in session.signals {
                                if let notification = session.takeNotification() { output.write(ByteBuffer(bytes: notification)) }
                            }
                        }
                        do {
                            reading: for try await frame in inbound {
                                switch frame {
                                case .message(let buffer):
                                    // A client that reads no replies gets no new work: its replies wait for
                                    // the socket, and the frames it sends wait unread (memory stays bounded).
                                    // Work is taken in turn with every other connection (`Admission`).
                                    guard await output.mayStart() else { break reading }
                                    output.started()
                                    metrics.exporter?.requestStarted()
                                    let bytes = Array(buffer.readableBytesView)
                                    await admission.acquire()
                                    let turn = AdmissionTurn(admission)
                                    // A write waiting for its commit hands its turn on.
                                    var request = context
                                    request.whileWaitingForCommit = { turn.release() }
                                    group.addTask { [request] in
                                        // Queued, not awaited: a reply waiting for a slow reader holds no task. Only
                                        // the buffer outlives this line, so such a reply is held once.
                                        let reply = await dispatcher.respond(to: bytes, context: request).map { ByteBuffer(bytes: $0) }
                                        turn.release()
                                        if let reply { output.write(reply) }
                                        output.finished()
                                        metrics.exporter?.requestFinished()
                                    }
                                case .oversized:
                                    metrics.recordRejected(.invalidRequest)
                                    let error = ResponseError.invalidRequest("frame larger than \(configuration.maxFrameBytes) bytes")
                                    output.write(ByteBuffer(bytes: Response.error(id: .null, error)))
                                case .broken(let reason):
                                    // The stream cannot be resynchronised: answer, then close.
                                    metrics.recordRejected(.invalidRequest)
                                    output.write(ByteBuffer(bytes: Response.error(id: .null, .invalidRequest(reason))))
                                    break reading
                                }
                            }
                        } catch {
                            logger.debug("connection input ended", metadata: ["error": "\(error)"])
                        }
                        // Everything already read is answered before the connection closes (the group
                        // waits for its tasks); the subscription ends with it.
                        feed.close(session)
                    }
                    await output.drained()
                } onGracefulShutdown: {
                    Self.stopReading(channel.channel)
                    // Replies to a client that has stopped reading would hold the exit back until the
                    // idle timeout: it gets a few seconds, then the connection is closed.
                    let connection = channel.channel
                    connection.eventLoop.scheduleTask(in: .seconds(Int64(configuration.shutdownGraceSeconds))) {
                        connection.close(promise: nil)
                    }
                }
            }
        } catch {
            logger.debug("connection ended", metadata: ["error": "\(error)"])
        }
    }

    /// Ends the connection's input on shutdown: nothing more is read, and the frames already decoded are
    /// answered. Unlike closing the input, it does not pass a half-read request on as a last frame.
    static func stopReading(_ channel: any NIOCore.Channel) {
        channel.eventLoop.execute {
            try? channel.syncOptions?.setOption(.autoRead, value: false)
            (try? channel.pipeline.syncOperations.context(handlerType: FrameTagger.self))?
                .fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
    }

    /// The peer's uid from `SO_PEERCRED`.
    static func peerUID(_ channel: any NIOCore.Channel) async -> uid_t? {
        guard let provider = channel as? any SocketOptionProvider else { return nil }
        let future: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
            level: .init(rawValue: SOL_SOCKET), name: .init(rawValue: SO_PEERCRED))
        return try? await future.get().uid
    }
}
