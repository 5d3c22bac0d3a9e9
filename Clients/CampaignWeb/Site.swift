import CampaignProtocol
import Hummingbird
import Logging
import ServiceLifecycle

/// What the site needs to know: where campaignd is, which templates, which proxies to trust.
public struct SiteConfiguration: Sendable {
    /// campaignd's PUBLIC socket.
    public var socketPath: String
    /// `--templates DIR`: files here replace the shipped templates of the same name.
    public var templatesDirectory: String?
    /// `--trusted-proxy CIDR`: peers whose `X-Forwarded-For` is believed.
    public var trustedProxies: [CIDR]
    /// Whether a peer on a Unix socket (a local reverse proxy) is trusted (`--trusted-proxy unix`).
    public var trustsUnixPeers: Bool
    /// `--site-url`: the public base URL, e.g. `https://letter.example.org`; its origin may post forms.
    public var siteURL: String?
    /// The name in every page's header.
    public var siteTitle: String
    /// How long the rendered `/` is served before it is rendered again, if nobody invalidates it.
    public var pageMaxAge: Duration
    /// How often an open `/live` stream gets a keep-alive comment.
    public var liveKeepAlive: Duration

    public init(
        socketPath: String = "/run/campaignd/public.sock", templatesDirectory: String? = nil, trustedProxies: [CIDR] = [],
        trustsUnixPeers: Bool = false, siteURL: String? = nil, siteTitle: String = "Open letter", pageMaxAge: Duration = .seconds(1),
        liveKeepAlive: Duration = .seconds(15)
    ) {
        self.socketPath = socketPath
        self.templatesDirectory = templatesDirectory
        self.trustedProxies = trustedProxies
        self.trustsUnixPeers = trustsUnixPeers
        self.siteURL = siteURL
        self.siteTitle = siteTitle
        self.pageMaxAge = pageMaxAge
        self.liveKeepAlive = liveKeepAlive
    }
}

/// The site: a router with every page and form, and the services it needs running (the campaignd
/// connection for pages and forms, and the one subscription `/live` fans out to every browser, which also
/// drops the cached page when the figures change). Add routes of your own to `router` before building the
/// application:
///
/// ```swift
/// let site = try Site(configuration: configuration, logger: logger)
/// site.router.get("/live") { request, context in ... }
/// let app = Application(router: site.router, configuration: ..., services: site.services)
/// ```
public final class Site {
    public let router: Router<SiteRequestContext>
    public let state: SiteState

    public var backend: CampaignBackend { state.backend }
    public var pageCache: PageCache { state.pageCache }
    public let liveFeed: LiveFeed
    /// Run these beside the application (`Application(services:)`).
    public var services: [any Service] { [state.backend, liveFeed] }

    /// `GET /` from the cached page on the connection's event loop (`SiteHTTP1Channel`); `serverName` as the
    /// server's own `Server` header.
    public func letterFastPath(serverName: String?) -> LetterFastPath {
        LetterFastPath(pageCache: state.pageCache, serverName: serverName)
    }

    public init(configuration: SiteConfiguration, logger: Logger) throws {
        let templates = try SiteTemplates(overridesIn: configuration.templatesDirectory)
        let state = SiteState(
            configuration: configuration, templates: templates,
            backend: CampaignBackend(socketPath: configuration.socketPath, logger: logger), logger: logger)
        self.state = state
        let router = Router(context: SiteRequestContext.self)
        let liveFeed = LiveFeed(socketPath: configuration.socketPath, keepAliveInterval: configuration.liveKeepAlive, logger: logger)
        // Before the middlewares, which apply to the routes added after them: a stream's task keeps the
        // deepest stack it ever had for as long as it is open, and the middlewares' frames add about 4 KB
        // to each of 10,000 streams. The stream carries its own fixed security headers.
        router.addLiveStream(feed: liveFeed)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: CrossSiteMiddleware(siteURL: configuration.siteURL))
        router.add(middleware: ErrorPagesMiddleware(site: state))
        LetterPage.register(on: router, state)
        SignersPage.register(on: router, state)
        PrintLetterPage.register(on: router, state)
        ConfirmPage.register(on: router, state)
        WithdrawPage.register(on: router, state)
        HealthPage.register(on: router, state)
        ThanksPage.register(on: router, state)
        TweetsPage.register(on: router, state)
        StylesheetPage.register(on: router, state)
        SignForm.register(on: router, state)
        PledgeForm.register(on: router, state)
        RSVPForm.register(on: router, state)
        liveFeed.onChange { _ in state.pageCache.invalidate() }
        router.addLiveScript()
        self.liveFeed = liveFeed
        self.router = router
    }
}

/// What every page and form shares; safe to use from any request.
public final class SiteState: Sendable {
    public let configuration: SiteConfiguration
    public let templates: SiteTemplates
    public let backend: CampaignBackend
    public let pageCache: PageCache
    public let clientAddress: ClientAddress
    let logger: Logger

    init(configuration: SiteConfiguration, templates: SiteTemplates, backend: CampaignBackend, logger: Logger) {
        self.configuration = configuration
        self.templates = templates
        self.backend = backend
        self.pageCache = PageCache(maxAge: configuration.pageMaxAge)
        self.clientAddress = ClientAddress(
            trustedProxies: configuration.trustedProxies, trustsUnixPeers: configuration.trustsUnixPeers)
        self.logger = logger
    }

    /// The visitor as the API wants it on every write: `client.ip` and `client.userAgent`.
    func client(of request: Request, context: SiteRequestContext) -> ClientInfo {
        let forwarded = request.headers[values: .xForwardedFor]
        let ip = clientAddress.resolve(peer: context.peerAddress, forwardedFor: forwarded)
        let agent = request.headers[.userAgent].map { String(String.UnicodeScalarView($0.unicodeScalars.prefix(512))) }
        return ClientInfo(ip: ip?.description, userAgent: agent?.isEmpty == false ? agent : nil)
    }

    /// A page of the layout: `context` plus what every page shows.
    func render(_ template: String, _ context: [String: Any], nonce: String) -> String {
        var context = context
        context["siteTitle"] = configuration.siteTitle
        context["cssURL"] = templates.cssURL
        context["liveScriptURL"] = LiveScript.versionedPath
        context["nonce"] = nonce
        return templates.render(template, context)
    }

    func page(
        _ template: String, _ context: [String: Any], nonce: String, status: HTTPResponse.Status = .ok, private isPrivate: Bool = false
    ) -> Response {
        Self.html(render(template, context, nonce: nonce), status: status, private: isPrivate)
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok, private isPrivate: Bool = false) -> Response {
        html(ByteBuffer(string: text), status: status, private: isPrivate)
    }

    static func html(_ body: ByteBuffer, status: HTTPResponse.Status = .ok, private isPrivate: Bool = false) -> Response {
        // Pages reached with a token, or showing what someone typed, stay out of every cache.
        let headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: isPrivate ? "no-store" : "no-cache"]
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }

    struct Link {
        var href: String
        var text: String
    }

    /// A page that says one thing: thanks, not found, too many attempts, busy.
    func message(
        _ heading: String, _ paragraphs: [String], links: [Link] = [Link(href: "/", text: "Back to the letter")],
        status: HTTPResponse.Status = .ok, nonce: String, private isPrivate: Bool = false
    ) -> Response {
        page(
            "message",
            ["heading": heading, "paragraphs": paragraphs, "links": links.map { ["href": $0.href, "text": $0.text] }],
            nonce: nonce, status: status, private: isPrivate)
    }

    /// What a visitor sees when campaignd refused or could not answer: never an error dump.
    func failure(_ error: any Error, nonce: String) -> Response {
        if let error = error as? ResponseError {
            switch error.code {
            case .rateLimited:
                let seconds = max(1, ((error.data?.retryAfterMs ?? 60_000) + 999) / 1000)
                var response = message(
                    "Too many attempts",
                    ["Too many attempts from your connection. Please try again in \(seconds) seconds."],
                    status: .tooManyRequests, nonce: nonce, private: true)
                response.headers[.retryAfter] = String(seconds)
                return response
            case .unavailable:
                return busy(nonce: nonce)
            case .closed:
                return message(
                    "Closed", ["This is no longer open (or not open yet), so nothing was recorded."], status: .conflict, nonce: nonce)
            case .notFound:
                return message("Not found", ["There is nothing here (any more)."], status: .notFound, nonce: nonce)
            case .conflict:
                return message(
                    "Already sent", ["This form was already sent with other details. Please reload the page and try again."],
                    status: .conflict, nonce: nonce, private: true)
            default:
                logger.error("campaignd refused a request", metadata: ["code": "\(error.code.rawValue)"])
            }
        } else if case BackendError.unavailable = error {
            return busy(nonce: nonce)
        } else {
            logger.error("request failed", metadata: ["error": "\(error)"])
        }
        return message(
            "Something went wrong", ["Something went wrong on our side. Please try again in a moment."],
            status: .internalServerError, nonce: nonce)
    }

    func busy(nonce: String) -> Response {
        var response = message(
            "Busy, please try again", ["The site is busy right now and nothing was recorded. Please try again in a few seconds."],
            status: .serviceUnavailable, nonce: nonce, private: true)
        response.headers[.retryAfter] = "5"
        return response
    }
}
