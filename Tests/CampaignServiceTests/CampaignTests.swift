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
        // Each role keeps its own page: asking as admin first does not show the draft to the public.
        #expect(await h.raw(method: "campaign.get", role: .public)["result"]?["letter"] == .null)
    }

    @Test func campaignGetReflectsEveryCommitAtOnce() async throws {
        let h = try await Harness.make()
        #expect(try await h.call(GetCampaign(), role: .admin).signatures.pending == 0)
        _ = try await h.call(SignLetter(name: "A", email: "a@example.org"), role: .public)
        #expect(try await h.call(GetCampaign(), role: .admin).signatures.pending == 1)
        try await h.signAndConfirm("B", "b@example.org")
        let page = try await h.call(GetCampaign(), role: .admin)
        #expect(page.signatures.pending == 1 && page.signatures.confirmed == 1)
        #expect(try await h.call(GetCampaign(), role: .public).signatures.confirmed == 1)
        // A commit by another connection to the file (another campaignd process) shows as well.
        let other = try h.reopened()
        _ = try await other.call(SignLetter(name: "C", email: "c@example.org"), role: .public)
        #expect(try await h.call(GetCampaign(), role: .admin).signatures.pending == 2)
        _ = try await other.call(UpdateFundraiser(title: "Buses for Connect"))
        #expect(try await h.call(GetCampaign(), role: .public).fundraiser?.title == "Buses for Connect")
    }

    @Test func campaignGetShowsTheFundraiserClosedOnceItsTimeHasCome() async throws {
        let h = try await Harness.make()
        _ = try await h.call(UpdateFundraiser(closesAt: h.clock.current.adding(seconds: 60)))
        #expect(try await h.call(GetCampaign(), role: .public).fundraiser?.status == .open)
        // Nothing is written: only the clock moves past closesAt.
        h.clock.advance(seconds: 61)
        #expect(try await h.call(GetCampaign(), role: .public).fundraiser?.status == .closed)
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
