import CampaignProtocol
import Hummingbird

/// `GET /signers?after=…`: the public signers, newest first, a page at a time.
enum SignersPage {
    static let pageSize = 50

    static func register(on router: Router<SiteRequestContext>, _ site: SiteState) {
        router.get("/signers") { request, context in
            let after = request.uri.queryParameters.get("after")
            do {
                let page = try await site.backend.call(ListSignatures(limit: pageSize, after: after))
                var values: [String: Any] = ["signers": page.items.map(LetterPage.signer), "hasSigners": !page.items.isEmpty]
                if let next = page.next { values["nextURL"] = "/signers?after=" + Format.query(next) }
                return site.page("signers", values, nonce: context.nonce)
            } catch let error as ResponseError where error.code == .invalidParams {
                return site.message(
                    "Page not found", ["This page of signers does not exist."],
                    links: [.init(href: "/signers", text: "The latest signers")],
                    status: .badRequest, nonce: context.nonce)
            } catch {
                return site.failure(error, nonce: context.nonce)
            }
        }
    }
}

/// `GET /letter/print`: the letter with every public signer grouped by organisation, for delivery.
enum PrintLetterPage {
    static func register(on router: Router<SiteRequestContext>, _ site: SiteState) {
        router.get("/letter/print") { _, context in
            do {
                let letter = try await site.backend.call(GetLetter())
                let counts = try await site.backend.call(CountSignatures())
                var signers: [PublicSignature] = []
                var after: String?
                repeat {
                    let page = try await site.backend.call(ListSignatures(limit: 100, after: after))
                    signers += page.items
                    after = page.next
                } while after != nil
                var groups: [String: [PublicSignature]] = [:]
                for signer in signers { groups[signer.organization ?? "", default: []].append(signer) }
                let ordered = groups.keys.sorted { a, b in
                    // Individuals last; organisations alphabetically.
                    a.isEmpty != b.isEmpty ? !a.isEmpty : a.localizedCaseInsensitiveCompare(b) == .orderedAscending
                }
                let values: [String: Any] = [
                    "title": letter.title, "letterHTML": Markdown.html(letter.body),
                    "recipients": letter.recipients.map(LetterPage.recipient), "hasRecipients": !letter.recipients.isEmpty,
                    "confirmedText": Format.count(counts.confirmed), "listedText": Format.count(signers.count),
                    "groups": ordered.map { key -> [String: Any] in
                        [
                            "organization": key.isEmpty ? "Individuals" : key,
                            "signers": (groups[key] ?? []).sorted { $0.name < $1.name }.map(LetterPage.signer),
                        ]
                    },
                ]
                return site.page("print", values, nonce: context.nonce)
            } catch {
                return site.failure(error, nonce: context.nonce)
            }
        }
    }
}

/// `GET /healthz`: 200 when campaignd answers, 503 otherwise.
enum HealthPage {
    static func register(on router: Router<SiteRequestContext>, _ site: SiteState) {
        router.get("/healthz") { _, _ in
            let healthy = (try? await site.backend.call(ServiceHealth())) != nil
            return Response(
                status: healthy ? .ok : .serviceUnavailable,
                headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: .init(string: healthy ? "ok\n" : "campaignd unreachable\n")))
        }
    }
}

/// `GET /t/{tweetId}`: counts the click (`tweets.click`) and sends the visitor to the tweet's intent URL.
enum TweetsPage {
    static func register(on router: Router<SiteRequestContext>, _ site: SiteState) {
        router.get("/t/{tweetId}") { request, context in
            let id = context.parameters.get("tweetId") ?? ""
            let tweets: [Tweet]
            do {
                tweets = try await site.cachedLetter().data.campaign.tweets
            } catch {
                return site.failure(error, nonce: context.nonce)
            }
            guard let tweet = tweets.first(where: { $0.id == id }), tweet.url.hasPrefix("https://") else {
                return site.message("Not found", ["There is no such tweet."], status: .notFound, nonce: context.nonce)
            }
            await site.backend.notify(ClickTweet(tweetId: id, client: site.client(of: request, context: context)))
            return Response(status: .seeOther, headers: [.location: tweet.url, .cacheControl: "no-store"])
        }
    }
}

/// `GET /site.css`: the stylesheet, cached for a year; its URL carries its hash (`?v=…`).
enum StylesheetPage {
    static func register(on router: Router<SiteRequestContext>, _ site: SiteState) {
        let css = site.templates.css
        router.get("/site.css") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=31536000, immutable"],
                body: .init(byteBuffer: .init(string: css)))
        }
    }
}
