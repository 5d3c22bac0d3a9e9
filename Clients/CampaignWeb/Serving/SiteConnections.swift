import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// How every connection of the site is set up, on both serving paths (`--listen` through Hummingbird's
/// `Application`, and the socket systemd passes through `ActivatedHTTPServer`).
public enum SiteConnections {
    /// A connection keeps its receive buffer between reads, so with 10,000 open `/live` streams its size
    /// is paid 10,000 times: 512 bytes (a request with a browser's headers fits in one or two reads)
    /// instead of NIO's 2 KB, still growing to 64 KB for a connection that reads more.
    public static let receiveAllocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536)

    /// The listen backlog: room for a crowd of browsers (re)connecting their streams at once, as
    /// `Backlog=` in campaign-web.socket. The kernel caps it at `net.core.somaxconn`.
    public static let backlog = 4096
}

/// Hummingbird's HTTP/1.1 child channel with the site's receive buffers (`SiteConnections`):
/// Hummingbird's `Server` sets no child channel options of its own choosing, so they are set here. With a
/// `LetterFastPath`, `GET /` is answered from the cached page before Hummingbird's handling.
public struct SiteHTTP1Channel: ServerChildChannel {
    public typealias Value = HTTP1Channel.Value
    let http1: HTTP1Channel

    public init(
        responder: @escaping HTTPChannelHandler.Responder, configuration: HTTP1Channel.Configuration = .init(),
        fastPath: LetterFastPath? = nil
    ) {
        var configuration = configuration
        if let fastPath {
            let others = configuration.additionalChannelHandlers
            configuration.additionalChannelHandlers = { others() + [fastPath.makeHandler()] }
        }
        self.http1 = HTTP1Channel(responder: responder, configuration: configuration)
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            // Called on the channel's event loop (the child channel initializer): the options are there.
            try channel.syncOptions?.setOption(ChannelOptions.recvAllocator, value: SiteConnections.receiveAllocator)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return http1.setup(channel: channel, logger: logger)
    }

    public func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// `Application(server: .siteHTTP1())`: HTTP/1.1 with the site's connection settings.
    public static func siteHTTP1(configuration: HTTP1Channel.Configuration = .init(), fastPath: LetterFastPath? = nil) -> HTTPServerBuilder
    {
        .init { responder in SiteHTTP1Channel(responder: responder, configuration: configuration, fastPath: fastPath) }
    }
}
