import Hummingbird
import NIOCore

/// The context of every request: the TCP peer, and the nonce this response's scripts carry.
public struct SiteRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// nil for a Unix socket peer, and in router tests.
    public let remoteAddress: SocketAddress?
    /// Set by `SecurityHeadersMiddleware` before any route runs; in the CSP and on every `<script>`.
    public var nonce: String = ""

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address, if it has one.
    public var peerAddress: IPAddress? {
        guard let remoteAddress, let ip = remoteAddress.ipAddress else { return nil }
        return IPAddress(ip)
    }
}
