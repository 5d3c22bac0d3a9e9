import CampaignProtocol
import CampaignWeb
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

struct LiveFiguresTests {
    let figures = LiveFigures(
        signatures: .init(confirmed: 10, goal: 100, organizations: 2, customers: 3),
        fundraiser: .init(
            pledged: Money(amountMinor: 500, currency: "USD"), goal: Money(amountMinor: 10000, currency: "USD"), pledgeCount: 1),
        events: [.init(id: "march", going: 4, waitlisted: 0, capacity: 5)])

    @Test func changeReplacesOnlyTheTopicsItCarries() {
        let changed = figures.applying(
            CampaignChanged(signatures: SignatureCounts(confirmed: 11, pending: nil, organizations: 2, customers: 3, goal: 100)))
        #expect(changed.signatures.confirmed == 11)
        #expect(changed.fundraiser == figures.fundraiser)
        #expect(changed.events == figures.events)
    }

    @Test func figuresEncodeWithAnExplicitNullFundraiser() throws {
        var none = figures
        none.fundraiser = nil
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(none)) as? [String: Any])
        #expect(json["fundraiser"] is NSNull)
    }

    @Test func liveScriptIsServedAsJavaScriptCachedByItsVersion() async throws {
        let router = Router()
        router.addLiveRoutes(feed: LiveFeed(socketPath: "/nonexistent", logger: Logger(label: "test")))
        let app = Application(router: router)
        try await app.test(.router) { client in
            try await client.execute(uri: "/live.js", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/javascript; charset=utf-8")
                #expect(response.headers[.cacheControl] == "public, max-age=300")
                #expect(response.headers[.eTag] == "\"\(LiveScript.version)\"")
                #expect(String(buffer: response.body).contains("new EventSource('/live')"))
            }
            try await client.execute(uri: LiveScript.versionedPath, method: .get) { response in
                #expect(response.headers[.cacheControl] == "public, max-age=31536000, immutable")
            }
            try await client.execute(uri: "/live.js", method: .get, headers: [.ifNoneMatch: "\"\(LiveScript.version)\""]) { response in
                #expect(response.status == .notModified)
            }
        }
    }
}
