import CampaignProtocol
import Foundation
import Testing

@testable import CampaignService

@Suite struct CampaignTests {
    @Test func campaignGetRendersTheWholePage() async throws {
        let h = try await Harness.make()
        let page = try await h.call(GetCampaign(), role: .public)
        #expect(page.letter?.status == .open)
        #expect(page.signatures.goal == 5000)
        #expect(page.fundraiser?.goal == Money(amountMinor: 1_500_000, currency: "USD"))
        #expect(page.events.count == 1 && page.tweets.count == 8)
    }

    @Test func campaignGetHidesADraftLetterFromThePublic() async throws {
        let h = try await Harness.make(status: "draft")
        let reply = await h.raw(method: "campaign.get", role: .public)
        #expect(reply["result"]?["letter"] == .null)
        #expect(try await h.call(GetCampaign(), role: .admin).letter?.status == .draft)
    }

    @Test func campaignWithoutFundraiserHasNullFundraiser() async throws {
        let h = try await Harness.make(importExample: false)
        _ = await h.raw(
            method: "campaign.import",
            params: .parse(#"{"definition":{"letter":{"title":"T","body":"B","recipients":[{"name":"C"}],"status":"open"}}}"#))
        let reply = await h.raw(method: "campaign.get", role: .public)
        #expect(reply["result"]?["fundraiser"] == .null)
        #expect(await h.errorCode("fundraiser.get", role: .public) == -32001)
    }
}
