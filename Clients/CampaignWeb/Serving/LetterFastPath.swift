import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes

/// `GET /` answered on the connection's event loop while the page is cached and fresh: the crowd's
/// request, which otherwise takes a trip through a task, the router and three middlewares for bytes that
/// are already made. The response is the one the router would give (`LetterPage`): the same cached page
/// with its own nonce and form key, the same headers (`SiteState.html`, `SecurityHeadersMiddleware`, the
/// server's `Date` and `Server`).
///
/// Anything else goes on to Hummingbird unchanged: another path or method, a query, a `Connection`
/// header (keep-alive and close stay Hummingbird's), a request with a body, a page not fresh (it is
/// rendered there), and any request while an earlier one on the connection is still being answered
/// there (responses keep the order of their requests).
public struct LetterFastPath: Sendable {
    let pageCache: PageCache
    let serverName: String?
    let dates: HTTPDate

    init(pageCache: PageCache, serverName: String?) {
        self.pageCache = pageCache
        self.serverName = serverName
        self.dates = HTTPDate()
    }

    /// The response for a fresh cached page; nil when it is not fresh.
    func answer() -> (HTTPResponse, ByteBuffer)? {
        guard let page = pageCache.fresh() else { return nil }
        let nonce = SecurityHeadersMiddleware.makeNonce()
        let body = page.body(nonce: nonce, formKey: FormKey.make())
        var response = SiteState.html(body)
        SecurityHeadersMiddleware.apply(to: &response.headers, nonce: nonce)
        response.headers[.date] = dates.now()
        if let serverName { response.headers[.server] = serverName }
        response.headers[.contentLength] = String(body.readableBytes)
        return (HTTPResponse(status: response.status, headerFields: response.headers), body)
    }

    func makeHandler() -> Handler { Handler(fastPath: self) }

    /// Between the HTTP/1 codec and Hummingbird's connection handling (`HTTP1Channel`'s additional handlers).
    final class Handler: ChannelDuplexHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart
        typealias InboundOut = HTTPRequestPart
        typealias OutboundIn = HTTPResponsePart
        typealias OutboundOut = HTTPResponsePart

        let fastPath: LetterFastPath
        /// Requests passed on whose response has not ended yet.
        private var passedOn = 0
        /// A `GET /` waiting for its end before it is answered here.
        private var holding: HTTPRequest?

        init(fastPath: LetterFastPath) { self.fastPath = fastPath }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let request):
                if passedOn == 0, holding == nil, Self.isPlainGetOfTheLetter(request) {
                    holding = request
                } else {
                    passedOn += 1
                    context.fireChannelRead(data)
                }
            case .body:
                passOnHeld(context: context)
                context.fireChannelRead(data)
            case .end:
                if holding != nil, let (head, body) = fastPath.answer() {
                    holding = nil
                    context.write(wrapOutboundOut(.head(head)), promise: nil)
                    context.write(wrapOutboundOut(.body(body)), promise: nil)
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                    return
                }
                passOnHeld(context: context)
                context.fireChannelRead(data)
            }
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if case .end = unwrapOutboundIn(data) { passedOn = max(0, passedOn - 1) }
            context.write(data, promise: promise)
        }

        /// A `GET /` with a body after all, or whose page is not fresh: Hummingbird answers it.
        private func passOnHeld(context: ChannelHandlerContext) {
            guard let request = holding else { return }
            holding = nil
            passedOn += 1
            context.fireChannelRead(wrapInboundOut(.head(request)))
        }

        static func isPlainGetOfTheLetter(_ request: HTTPRequest) -> Bool {
            request.method == .get && request.path == "/" && request.headerFields[.connection] == nil
        }
    }
}
