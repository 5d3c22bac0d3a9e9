import CampaignProtocol
import Testing

@testable import CampaignWeb

@Suite struct BackendTests {
    @Test func onlyReadsIdempotentTokenCallsAndKeyedPledgesAreRepeatedAfterALostConnection() {
        #expect(CampaignBackend.isSafeToRepeat(GetCampaign()))
        #expect(CampaignBackend.isSafeToRepeat(ListSignatures()))
        #expect(CampaignBackend.isSafeToRepeat(ConfirmToken(token: "t")))
        #expect(CampaignBackend.isSafeToRepeat(CancelToken(token: "t")))
        #expect(!CampaignBackend.isSafeToRepeat(SignLetter(name: "A", email: "a@example.org")))
        #expect(!CampaignBackend.isSafeToRepeat(CreateRSVP(eventId: "e", name: "A", email: "a@example.org")))
        let money = Money(amountMinor: 500, currency: "USD")
        #expect(!CampaignBackend.isSafeToRepeat(CreatePledge(name: "A", email: "a@example.org", amount: money)))
        #expect(CampaignBackend.isSafeToRepeat(CreatePledge(name: "A", email: "a@example.org", amount: money, idempotencyKey: "k")))
    }
}

@Suite struct PageCacheTests {
    final class Renders: @unchecked Sendable {
        var count = 0
    }

    static func page(_ renders: Renders) -> CachedLetterPage {
        renders.count += 1
        let data = LetterPageData(
            campaign: .init(
                letter: nil, signatures: .init(confirmed: 0, pending: nil, organizations: 0, customers: 0, goal: nil), fundraiser: nil,
                events: [], tweets: []),
            featured: [], recent: [], pledges: [])
        return CachedLetterPage(data: data) { nonce, key in "<script nonce=\"\(nonce)\"></script><input value=\"\(key)\">" }
    }

    @Test func thePageIsRenderedOnceUntilInvalidated() async throws {
        let cache = PageCache(maxAge: .seconds(3600))
        let renders = Renders()
        _ = try await cache.page { Self.page(renders) }
        _ = try await cache.page { Self.page(renders) }
        #expect(renders.count == 1)
        cache.invalidate()
        _ = try await cache.page { Self.page(renders) }
        #expect(renders.count == 2)
    }

    @Test func eachResponseGetsItsOwnNonceAndFormKey() async throws {
        let cache = PageCache(maxAge: .seconds(3600))
        let page = try await cache.page { Self.page(Renders()) }
        #expect(page.html(nonce: "N1", formKey: "K1") == "<script nonce=\"N1\"></script><input value=\"K1\">")
        #expect(page.html(nonce: "N2", formKey: "K2") == "<script nonce=\"N2\"></script><input value=\"K2\">")
    }

    @Test func anExpiredPageIsRenderedAgain() async throws {
        let cache = PageCache(maxAge: .zero)
        let renders = Renders()
        _ = try await cache.page { Self.page(renders) }
        _ = try await cache.page { Self.page(renders) }
        #expect(renders.count == 2)
    }
}
