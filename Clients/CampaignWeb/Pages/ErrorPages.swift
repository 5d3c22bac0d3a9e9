import Hummingbird

/// Errors the router raises itself (no such page, a body over the limit) as pages of the site, not
/// empty responses.
struct ErrorPagesMiddleware: RouterMiddleware {
    typealias Context = SiteRequestContext
    let site: SiteState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            switch error.status {
            case .notFound:
                return site.message("Page not found", ["There is no page at this address."], status: .notFound, nonce: context.nonce)
            case .methodNotAllowed:
                return site.message(
                    "Not allowed", ["This address does not take that kind of request."], status: .methodNotAllowed, nonce: context.nonce)
            case .contentTooLarge:
                return site.message("Too long", ["What you sent is too long."], status: .contentTooLarge, nonce: context.nonce)
            default:
                throw error
            }
        }
    }
}
