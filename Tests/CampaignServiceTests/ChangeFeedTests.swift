import CampaignProtocol
import Foundation
import Testing

@testable import CampaignService

@Suite struct ChangeFeedTests {
    @Test func subscriberGetsTheTopicsThatChanged() async throws {
        let h = try await Harness.make()
        let subscribed = try await h.call(Subscribe(topics: [.signatures, .fundraiser]), role: .admin)
        #expect(subscribed.topics == [.signatures, .fundraiser])
        _ = try await h.call(SignLetter(name: "Ada", email: "ada@example.org"), role: .public)
        try await h.core.feed.poll()
        let frame = try #require(h.session.takeNotification())
        let message = try JSONParser.parse(frame)
        #expect(message["method"] == .string("campaign.changed"))
        #expect(message["id"] == nil)
        #expect(message["params"]?["signatures"]?["pending"] == JSONValue(1))
        #expect(message["params"]?["fundraiser"] == nil)
        #expect(message["params"]?["events"] == nil)
        // Nothing changed since: nothing pending.
        try await h.core.feed.poll()
        #expect(h.session.takeNotification() == nil)
    }

    @Test func unsubscribedTopicsAreNotSent() async throws {
        let h = try await Harness.make()
        _ = try await h.call(Subscribe(topics: [.events]), role: .admin)
        _ = try await h.call(SignLetter(name: "Ada", email: "ada@example.org"), role: .public)
        try await h.core.feed.poll()
        #expect(h.session.takeNotification() == nil)
        _ = try await h.call(CreateRSVP(eventId: "connect-2027-protest", name: "R", email: "r@example.org", guests: 1), role: .public)
        try await h.core.feed.poll()
        let message = try JSONParser.parse(try #require(h.session.takeNotification()))
        #expect(message["params"]?["events"]?.arrayValue?.first?["going"] == JSONValue(2))
        #expect(try await h.call(Unsubscribe(), role: .admin).topics.isEmpty)
        #expect(h.core.feed.subscriberCount == 0)
    }

    @Test func changesAreMergedWhileTheConnectionIsBusy() async throws {
        let h = try await Harness.make()
        _ = try await h.call(Subscribe(topics: [.signatures, .fundraiser]), role: .admin)
        _ = try await h.call(SignLetter(name: "A", email: "a@example.org"), role: .public)
        try await h.core.feed.poll()
        _ = try await h.call(UpdateFundraiser(title: "Bus ads, round two"))
        _ = try await h.call(SignLetter(name: "B", email: "b@example.org"), role: .public)
        try await h.core.feed.poll()
        let message = try JSONParser.parse(try #require(h.session.takeNotification()))
        #expect(message["params"]?["signatures"]?["pending"] == JSONValue(2))
        #expect(message["params"]?["fundraiser"]?["title"] == .string("Bus ads, round two"))
        #expect(h.session.takeNotification() == nil)
    }

    @Test func aPublicSubscriberIsNotToldOfUnconfirmedActions() async throws {
        let h = try await Harness.make()
        _ = try await h.call(Subscribe(topics: [.signatures, .events]), role: .public)
        _ = try await h.call(Subscribe(topics: [.signatures, .events]), role: .admin)
        _ = try await h.call(SignLetter(name: "Ada", email: "ada@example.org"), role: .public)
        _ = try await h.call(CreateRSVP(eventId: "connect-2027-protest", name: "R", email: "r@example.org"), role: .public)
        try await h.core.feed.poll()
        // The organisers see the pending signature and the held seat; a stranger's page does not move.
        #expect(h.publicSession.takeNotification() == nil)
        let admin = try JSONParser.parse(try #require(h.session.takeNotification()))
        #expect(admin["params"]?["signatures"]?["pending"] == JSONValue(1))
        #expect(admin["params"]?["events"]?.arrayValue?.first?["going"] == JSONValue(1))
        // Once confirmed, both see it; the public figures carry no `pending`.
        for message in try await h.claimAll() { _ = try await h.call(ConfirmToken(token: try #require(message.token)), role: .public) }
        try await h.core.feed.poll()
        let shown = try JSONParser.parse(try #require(h.publicSession.takeNotification()))
        #expect(shown["params"]?["signatures"]?["confirmed"] == JSONValue(1))
        #expect(shown["params"]?["signatures"]?["pending"] == nil)
        #expect(shown["params"]?["events"]?.arrayValue?.first?["going"] == JSONValue(1))
    }

    @Test func notificationIsTheContractsCampaignChanged() async throws {
        let h = try await Harness.make()
        for role in [Role.public, .admin] { _ = try await h.call(Subscribe(topics: [.signatures, .fundraiser, .events]), role: role) }
        _ = try await h.call(UpdateFundraiser(title: "Bus ads, round two"))
        _ = try await h.call(CancelEvent(eventId: "connect-2027-protest"))
        try await h.core.feed.poll()
        for session in [h.publicSession, h.session] {
            let message = try JSONParser.parse(try #require(session.takeNotification()))
            #expect(message["method"] == .string(CampaignChanged.method))
            // Strict: every member the feed sends is one the contract's type declares.
            let changed = try JSONValueDecoder(strict: true).decode(CampaignChanged.self, from: try #require(message["params"]))
            #expect(changed.fundraiser?.title == "Bus ads, round two")
            #expect(changed.events?.first { $0.id == "connect-2027-protest" }?.status == .cancelled)
        }
    }

    @Test func subscribingToNothingIsInvalid() async throws {
        let h = try await Harness.make()
        #expect(await h.errorCode("campaign.subscribe", .parse(#"{"topics":[]}"#), role: .public) == -32602)
        #expect(await h.errorCode("campaign.subscribe", .parse(#"{"topics":["weather"]}"#), role: .public) == -32602)
    }
}
