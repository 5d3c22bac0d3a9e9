import CampaignProtocol
import Testing

@testable import CampaignService

/// Closing a campaign: the letter closed refuses signatures and RSVPs, the fundraiser closed refuses
/// pledges, and what was given before may still be confirmed within the 24-hour grace.
@Suite struct CloseTests {
    /// Every queued message's token, by addressee.
    func tokens(_ h: Harness) async throws -> [String: String] {
        var tokens: [String: String] = [:]
        for message in try await h.claimAll() { tokens[message.to.email] = message.token }
        return tokens
    }

    @Test func aClosedCampaignRefusesSigningPledgingAndRSVPs() async throws {
        let h = try await Harness.make()
        _ = try await h.call(SignLetter(name: "Early", email: "early@example.org"), role: .public)
        _ = try await h.call(CreateRSVP(eventId: "connect-2027-protest", name: "Marcher", email: "marcher@example.org"), role: .public)
        _ = try await h.call(SetLetterStatus(status: .closed))
        _ = try await h.call(UpdateFundraiser(status: .closed))

        #expect(await h.errorCode("letter.sign", .parse(#"{"name":"L","email":"late@example.org"}"#), role: .public) == -32003)
        let pledge = #"{"name":"L","email":"late@example.org","amount":{"amountMinor":2500,"currency":"USD"}}"#
        #expect(await h.errorCode("pledges.create", .parse(pledge), role: .public) == -32003)
        let rsvp = await h.raw(
            method: "rsvps.create", params: .parse(#"{"eventId":"connect-2027-protest","name":"L","email":"late@example.org"}"#),
            role: .public)
        #expect(rsvp["error"]?["code"]?.intValue == -32003)
        #expect(rsvp["error"]?["message"] == .string("Closed: the letter is closed"))
        // Nothing was queued for the refused requests.
        #expect(try await h.claimAll().allSatisfy { $0.to.email != "late@example.org" })
    }

    @Test func aPendingSignerCanStillConfirmWithinTheGraceOfAClosedCampaign() async throws {
        let h = try await Harness.make()
        _ = try await h.call(SignLetter(name: "Early", email: "early@example.org"), role: .public)
        _ = try await h.call(CreateRSVP(eventId: "connect-2027-protest", name: "Marcher", email: "marcher@example.org"), role: .public)
        let tokens = try await tokens(h)
        let signature = try #require(tokens["early@example.org"])
        let rsvp = try #require(tokens["marcher@example.org"])
        _ = try await h.call(SetLetterStatus(status: .closed))
        h.clock.advance(seconds: 23 * 3600)
        #expect(try await h.call(ConfirmToken(token: signature), role: .public).status == "confirmed")
        #expect(try await h.call(ConfirmToken(token: rsvp), role: .public).status == "going")
        #expect(try await h.call(CountSignatures(), role: .public).confirmed == 1)
    }

    @Test func closingTwiceIsHarmless() async throws {
        let h = try await Harness.make()
        let first = try await h.call(SetLetterStatus(status: .closed))
        let second = try await h.call(SetLetterStatus(status: .closed))
        #expect(first == second)
        let fundraiser = try await h.call(UpdateFundraiser(status: .closed))
        #expect(try await h.call(UpdateFundraiser(status: .closed)).status == fundraiser.status)
        #expect(try await h.call(CheckService()).ok)
    }
}
