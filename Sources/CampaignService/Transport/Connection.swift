import CampaignProtocol
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Serves one connection: frames in, replies out. Requests pipelined on the connection run
/// concurrently up to `maxInflight`; past that the loop stops pulling frames, NIOAsyncChannel's buffer
/// fills and the channel stops reading (back-pressure). On graceful shutdown it stops reading, answers
/// every request already read, and closes.
struct ConnectionHandler: Sendable {
    let dispatcher: Dispatcher
    let feed: ChangeFeed
    let metrics: ServiceMetrics
    let activity: ActivityClock
    let configuration: ServerConfiguration
    let logger: Logger

    typealias Channel = NIOAsyncChannel<Frame, ByteBuffer>

    /// Sets up a new channel's pipeline. Reading waits until `serve` wraps the channel (autoRead is off
    /// until then): a connection accepted while the listener closes is then simply never read, where
    /// an unserved NIOAsyncChannel would trap in NIO.
    static func prepare(_ channel: any NIOCore.Channel, configuration: ServerConfiguration, fastCount: FastCountHandler?) throws {
        // End of input (a client's half-close, stdin's EOF, or our own shutdown) must not close the
        // output before every request already read is answered.
        try channel.syncOptions?.setOption(.allowRemoteHalfClosure, value: true)
        try channel.syncOptions?.setOption(.autoRead, value: false)
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(IdleStateHandler(readTimeout: .seconds(Int64(configuration.idleTimeoutSeconds))))
        try pipeline.addHandler(IdleCloser())
        try addFraming(to: pipeline, maxFrameBytes: configuration.maxFrameBytes)
        if let fastCount { try pipeline.addHandler(fastCount) }
    }

    /// Wraps a prepared channel for async use and starts reading it.
    static func wrap(_ channel: any NIOCore.Channel) async throws -> Channel {
        try await channel.eventLoop.submit {
            // A channel closed before it is served has lost its pipeline: NIOAsyncChannel would make its
            // handler and writer, fail to add them, and leak both (a reference cycle) on every such client.
            guard channel.isActive else { throw ChannelError.ioOnClosedChannel }
            let wrapped = try NIOAsyncChannel<Frame, ByteBuffer>(
                wrappingChannelSynchronously: channel, configuration: .init(backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8)))
            try channel.syncOptions?.setOption(.autoRead, value: true)
            return wrapped
        }.get()
    }

    func serve(_ connection: any NIOCore.Channel, role: Role, checkPeer: Bool) async {
        let channel: Channel
        do {
            channel = try await Self.wrap(connection)
        } catch {
            logger.debug("connection lost before it was served", metadata: ["error": "\(error)"])
            connection.close(promise: nil)
            return
        }
        metrics.connectionOpened()
        activity.touch()
        defer {
            metrics.connectionClosed()
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
        let session = feed.openSession()
        let context = CallContext(role: role, session: session)
        do {
            try await channel.executeThenClose { inbound, outbound in
                await withGracefulShutdownHandler {
                    await withTaskGroup(of: Void.self) { group in
                        // Replies are written by the tasks that compute them; a reply to a client that
                        // left has nowhere to go, and that ends nothing else.
                        func send(_ reply: [UInt8]) async {
                            do {
                                try await outbound.write(ByteBuffer(bytes: reply))
                            } catch {
                                logger.debug("reply not delivered", metadata: ["error": "\(error)"])
                            }
                        }
                        // `campaign.changed`, as the feed hands it over (coalesced, see ChangeFeed).
                        group.addTask {
                            for await _ in session.signals {
                                if let notification = session.takeNotification() { await send(notification) }
                            }
                        }
                        var inflight = 0
                        do {
                            reading: for try await frame in inbound {
                                switch frame {
                                case .message(let buffer):
                                    // A client that reads no replies gets no new work: its replies wait for
                                    // the socket, and the frames it sends wait unread (memory stays bounded).
                                    while inflight >= configuration.maxInflight || (inflight > 0 && !channel.channel.isWritable) {
                                        await group.next()
                                        inflight -= 1
                                    }
                                    inflight += 1
                                    let bytes = Array(buffer.readableBytesView)
                                    group.addTask {
                                        if let reply = await dispatcher.respond(to: bytes, context: context) { await send(reply) }
                                    }
                                case .oversized:
                                    metrics.recordRequest(failed: true)
                                    let error = ResponseError.invalidRequest("frame larger than \(configuration.maxFrameBytes) bytes")
                                    await send(Response.error(id: .null, error))
                                case .broken(let reason):
                                    // The stream cannot be resynchronised: answer, then close.
                                    metrics.recordRequest(failed: true)
                                    await send(Response.error(id: .null, .invalidRequest(reason)))
                                    break reading
                                }
                            }
                        } catch {
                            logger.debug("connection input ended", metadata: ["error": "\(error)"])
                        }
                        // Everything already read is answered before the connection closes; the
                        // subscription ends with it.
                        feed.close(session)
                        await group.waitForAll()
                    }
                } onGracefulShutdown: {
                    channel.channel.close(mode: .input, promise: nil)
                }
            }
        } catch {
            logger.debug("connection ended", metadata: ["error": "\(error)"])
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

/// Linux's `struct ucred`, which Glibc only declares under `_GNU_SOURCE`.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

/// Closes a connection that sent nothing for `--idle-timeout` seconds, idle or stalled mid-frame.
final class IdleCloser: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

/// When the last connection ended, for `--exit-when-idle`.
final class ActivityClock: Sendable {
    private let last = NIOLockedValueBox(ContinuousClock.now)
    func touch() { last.withLockedValue { $0 = .now } }
    var idleFor: Duration { last.withLockedValue { .now - $0 } }
}
