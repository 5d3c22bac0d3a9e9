import Hummingbird
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOPosix
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An HTTP/1.1 server on a listening socket it is given rather than one it binds: the socket systemd
/// passes (`campaign-web.socket`), or one a test binds.
///
/// Hummingbird 2's `Server` binds only a host and port or a Unix path, so this serves the same
/// responder through Hummingbird's own `HTTP1Channel` on NIO's `ServerBootstrap.bind(_:)` of an existing
/// descriptor, as `Server` does for a socket of its own. On graceful shutdown it stops accepting, lets
/// each connection finish its response (an open `/live` stream ends itself) and closes idle ones.
public struct ActivatedHTTPServer<Responder: HTTPResponder>: Service
where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
    let fd: CInt
    let responder: Responder
    let configuration: HTTP1Channel.Configuration
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger
    let onServerRunning: (@Sendable (any Channel) async -> Void)?
    let serverName: String?
    let backlog: Int
    let fastPath: LetterFastPath?

    /// - Parameters:
    ///   - fd: a bound, listening stream socket (TCP or Unix); the server owns and closes it.
    ///   - responder: what answers, e.g. `router.buildResponder()`.
    ///   - serverName: the `Server` header, as `ApplicationConfiguration.serverName` gives it.
    ///   - backlog: the socket's listen backlog, set again when serving starts (see `SiteConnections.backlog`).
    ///   - fastPath: `GET /` answered from the cached page (`Site.letterFastPath`).
    public init(
        fd: CInt, responder: Responder, configuration: HTTP1Channel.Configuration = .init(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger, serverName: String? = nil,
        backlog: Int = SiteConnections.backlog, fastPath: LetterFastPath? = nil,
        onServerRunning: (@Sendable (any Channel) async -> Void)? = nil
    ) {
        self.fd = fd
        self.fastPath = fastPath
        self.backlog = backlog
        self.responder = responder
        self.serverName = serverName
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.onServerRunning = onServerRunning
    }

    public func run() async throws {
        let responder = self.responder
        let logger = self.logger
        let serverName = self.serverName
        let dates = HTTPDate()
        // As Hummingbird's Application does: a context per request, and a 500 for an error nobody handled
        // (the router has already turned HTTP errors into their responses).
        let channelSetup = SiteHTTP1Channel(
            responder: { request, writer, channel in
                let context = Responder.Context(source: .init(channel: channel, logger: logger))
                var response: Response
                do {
                    response = try await responder.respond(to: request, context: context)
                } catch {
                    logger.debug("unhandled error", metadata: ["error": "\(error)"])
                    response = Response(status: .internalServerError)
                }
                response.headers[.date] = dates.now()
                if let serverName { response.headers[.server] = serverName }
                try await writer.write(response: response.head, body: response.body)
            }, configuration: configuration, fastPath: fastPath)

        let quiescing = ServerQuiescingHelper(group: eventLoopGroup)
        let server = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .bind(
                fd, cleanupExistingSocketFile: false, serverBackPressureStrategy: nil,
                childChannelInitializer: { (channel: any Channel) -> EventLoopFuture<HTTP1Channel.Value> in
                    channelSetup.setup(channel: channel, logger: logger)
                })
        // bind(_:) of an existing socket listens again with NIO's default backlog (128), whatever the backlog
        // option says: that would replace systemd's `Backlog=` and a crowd of connects would overflow it. Listen
        // once more with ours (Linux lets a listening socket change its backlog).
        if listen(fd, Int32(backlog)) != 0 {
            logger.warning("could not set the listen backlog", metadata: ["backlog": "\(backlog)", "errno": "\(errno)"])
        }
        logger.info(
            "serving HTTP on the socket passed as fd \(fd)", metadata: ["address": "\(server.channel.localAddress.map { "\($0)" } ?? "?")"])
        await onServerRunning?(server.channel)

        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                do {
                    try await server.executeThenClose { inbound in
                        for try await connection in inbound {
                            group.addTask { await channelSetup.handle(value: connection, logger: logger) }
                        }
                    }
                } catch {
                    logger.error("accepting connections failed", metadata: ["error": "\(error)"])
                }
            }
        } onGracefulShutdown: {
            // Closes the listening socket (ending `inbound`) and asks every connection to quiesce.
            quiescing.initiateShutdown(promise: nil)
        }
    }
}

/// The `Date` header's value (RFC 9110 IMF-fixdate), formatted once a second.
final class HTTPDate: Sendable {
    private let cache = NIOLockedValueBox((second: 0, text: ""))

    func now() -> String {
        let second = time(nil)
        return cache.withLockedValue { cache in
            if cache.second != second { cache = (second, Self.format(second)) }
            return cache.text
        }
    }

    static func format(_ seconds: time_t) -> String {
        var seconds = seconds
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday) % 7]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon) % 12]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
