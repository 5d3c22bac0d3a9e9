import Foundation
import Hummingbird
import SecureRandom

/// Security headers on every response, errors included, with a fresh CSP nonce for each.
public struct SecurityHeadersMiddleware: RouterMiddleware {
    public typealias Context = SiteRequestContext

    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.nonce = Self.makeNonce()
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        Self.apply(to: &response.headers, nonce: context.nonce)
        return response
    }

    static func apply(to headers: inout HTTPFields, nonce: String) {
        // Nothing before this middleware sets these: appended, not looked up and replaced, on every response.
        headers.append(HTTPFields.Element(name: .contentSecurityPolicy, value: contentSecurityPolicy(nonce: nonce)))
        headers.append(contentsOf: fixed)
    }

    /// `same-origin`, not `no-referrer`: with the latter, browsers send `Origin: null` on form posts.
    static let fixed = [
        HTTPFields.Element(name: .xContentTypeOptions, value: "nosniff"), HTTPFields.Element(name: .referrerPolicy, value: "same-origin"),
        HTTPFields.Element(name: .xFrameOptions, value: "DENY"),
    ]

    public static func contentSecurityPolicy(nonce: String) -> String {
        cspBeforeNonce + nonce + cspAfterNonce
    }

    static let cspBeforeNonce = "default-src 'self'; script-src 'self' 'nonce-"
    static let cspAfterNonce =
        "'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

    /// 128 random bits, base64.
    static func makeNonce() -> String {
        Data(SecureRandom.bytes(16)).base64EncodedString()
    }
}

extension HTTPFields.Element.Name {
    // Literals, checked once rather than on every response.
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let xForwardedFor = Self("X-Forwarded-For")!
}
