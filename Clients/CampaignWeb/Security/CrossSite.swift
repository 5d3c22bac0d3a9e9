import Hummingbird

/// Refuses a cross-site form post with 403: `Sec-Fetch-Site: cross-site`, or an `Origin` that is not
/// the site's own (the public base URL's, or the one the `Host` header names).
public struct CrossSiteMiddleware: RouterMiddleware {
    public typealias Context = SiteRequestContext
    /// `scheme://host[:port]` of `--site-url`, lower-cased; nil when not given.
    let siteOrigin: String?

    public init(siteURL: String?) {
        self.siteOrigin = siteURL.flatMap(Self.origin(of:))
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.method != .get, request.method != .head, request.method != .options else {
            return try await next(request, context)
        }
        if request.headers[.init("Sec-Fetch-Site")!]?.lowercased() == "cross-site" {
            return Self.refuse()
        }
        if let origin = request.headers[.origin] {
            let given = origin.lowercased()
            let host = request.head.authority
            let sameAsSite = siteOrigin == given
            // Behind a TLS proxy the scheme the browser used is unknown here: compare the authority.
            let sameAsHost = host.map { Self.authority(of: given) == $0.lowercased() } ?? false
            guard sameAsSite || sameAsHost else { return Self.refuse() }
        }
        return try await next(request, context)
    }

    static func refuse() -> Response {
        Response(
            status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: .init(string: "Forbidden: this form may only be sent from this site.\n")))
    }

    /// `https://Example.org:8443/path` → `https://example.org:8443`.
    static func origin(of url: String) -> String? {
        let lower = url.lowercased()
        guard let range = lower.range(of: "://") else { return nil }
        let scheme = lower[..<range.lowerBound]
        let rest = lower[range.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !scheme.isEmpty, !authority.isEmpty else { return nil }
        return "\(scheme)://\(authority)"
    }

    static func authority(of origin: String) -> String? {
        guard let range = origin.range(of: "://") else { return nil }
        return String(origin[range.upperBound...])
    }
}
