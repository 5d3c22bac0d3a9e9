import CampaignProtocol
import Foundation
import Testing

@testable import CampaignService

/// Delivery outcomes: what the mailer reports with `outbox.ack` and `outbox.fail`, what comes back when,
/// what organisers see, and the one reminder.
@Suite struct OutboxTests {
    func sign(_ h: Harness, _ email: String) async throws -> OutboxMessage {
        _ = try await h.call(SignLetter(name: "Ada", email: email), role: .public)
        return try #require(try await h.claimAll().first { $0.to.email == email })
    }

    func delivery(_ h: Harness, _ email: String) async throws -> Delivery? {
        try await h.exportAll().first { $0.email == email }?.delivery
    }

    @Test func outboxAckDeletesAndUnackedComesBackAfterLease() async throws {
        let h = try await Harness.make()
        for i in 0..<3 { _ = try await h.call(SignLetter(name: "W\(i)", email: "w\(i)@example.org"), role: .public) }
        let claimed = try await h.call(ClaimOutbox(limit: 2, leaseSeconds: 30)).messages
        #expect(claimed.count == 2)
        #expect(try await h.call(ClaimOutbox(limit: 10)).messages.count == 1)
        let ack = try await h.call(AckOutbox(ids: [claimed[0].id, claimed[0].id, "999"]))
        #expect(ack.acknowledged == 1)
        h.clock.advance(seconds: 301)
        let again = try await h.call(ClaimOutbox(limit: 10)).messages
        #expect(again.map(\.id).contains(claimed[1].id))
        #expect(!again.map(\.id).contains(claimed[0].id))
        #expect(again.count == 2)
        #expect(try await h.call(ServiceStats()).outbox.queued == 2)
    }

    @Test func outboxClaimValidatesItsParams() async throws {
        let h = try await Harness.make()
        #expect(await h.errorCode("outbox.claim", .parse(#"{"limit":0}"#)) == -32602)
        #expect(await h.errorCode("outbox.claim", .parse(#"{"leaseSeconds":5}"#)) == -32602)
        #expect(await h.errorCode("outbox.ack", .parse(#"{"ids":["x"]}"#)) == -32602)
    }

    @Test func anAcknowledgedMessageMarksThePersonSent() async throws {
        let h = try await Harness.make()
        let message = try await sign(h, "ada@example.org")
        #expect(try await delivery(h, "ada@example.org") == nil)
        #expect(try await h.call(AckOutbox(ids: [message.id])).acknowledged == 1)
        #expect(try await delivery(h, "ada@example.org") == Delivery(state: .sent, reason: nil, at: h.clock.current))
    }

    @Test func aTemporaryFailureComesBackAfterABackoffThatDoubles() async throws {
        let h = try await Harness.make()
        let message = try await sign(h, "bo@example.org")
        let reply = try await h.call(FailOutbox(ids: [message.id], permanent: false, reason: "451 4.3.0 try again later"))
        #expect(reply == FailOutbox.Result(retrying: 1, dead: 0))
        let retrying = try #require(try await delivery(h, "bo@example.org"))
        #expect(retrying.state == .retrying && retrying.reason == "451 4.3.0 try again later")
        // Not before a minute; then again, and the next wait is two minutes.
        h.clock.advance(seconds: 59)
        #expect(try await h.claimAll().isEmpty)
        h.clock.advance(seconds: 1)
        let again = try #require(try await h.claimAll().first)
        #expect(again.id == message.id && again.token != message.token)
        _ = try await h.call(FailOutbox(ids: [again.id], permanent: false, reason: "451 again"))
        h.clock.advance(seconds: 119)
        #expect(try await h.claimAll().isEmpty)
        h.clock.advance(seconds: 1)
        let third = try #require(try await h.claimAll().first)
        // Delivered at last: once, and the person shows as sent.
        _ = try await h.call(AckOutbox(ids: [third.id]))
        #expect(try await delivery(h, "bo@example.org")?.state == .sent)
        h.clock.advance(seconds: 3600)
        #expect(try await h.claimAll().isEmpty)
    }

    @Test func theBackoffDoublesFromAMinuteToAnHour() {
        #expect((1...8).map { Outbox.backoffSeconds(afterAttempts: $0) } == [60, 120, 240, 480, 960, 1920, 3600, 3600])
    }

    /// `--outbox-first-retry-seconds`: the first wait is the organisers', and it still doubles to an hour.
    @Test func theFirstRetryDelayIsConfigurableAndStillDoublesToAnHour() async throws {
        #expect(
            (1...14).map { Outbox.backoffSeconds(afterAttempts: $0, first: 1) } == [
                1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3600, 3600,
            ])
        let made = try await Harness.make()
        let clock = made.clock
        let store = try CampaignStore(path: made.directory + "/campaign.sqlite", outboxFirstRetrySeconds: 5, clock: { clock.current })
        let h = Harness(core: CampaignCore(store: store), clock: clock, directory: made.directory)
        let message = try await sign(h, "dee@example.org")
        _ = try await h.call(FailOutbox(ids: [message.id], permanent: false, reason: "451 4.3.0 try again later"))
        h.clock.advance(seconds: 4)
        #expect(try await h.claimAll().isEmpty)
        h.clock.advance(seconds: 1)
        let again = try #require(try await h.claimAll().first)
        // The mailer gave no time of its own: the second wait is twice the first.
        _ = try await h.call(FailOutbox(ids: [again.id], permanent: false, reason: "451 again"))
        h.clock.advance(seconds: 9)
        #expect(try await h.claimAll().isEmpty)
        h.clock.advance(seconds: 1)
        #expect(try await h.claimAll().count == 1)
    }

    @Test func aServerGivenRetryTimeIsUsed() async throws {
        let h = try await Harness.make()
        let message = try await sign(h, "cy@example.org")
        _ = try await h.call(FailOutbox(ids: [message.id], permanent: false, reason: "421 busy", retryAfterSeconds: 600))
        h.clock.advance(seconds: 599)
        #expect(try await h.claimAll().isEmpty)
        h.clock.advance(seconds: 1)
        #expect(try await h.claimAll().count == 1)
    }

    @Test func aPermanentFailureIsNotRetriedAndOrganisersSeeWhy() async throws {
        let h = try await Harness.make()
        let message = try await sign(h, "nobody@example.org")
        let reply = try await h.call(FailOutbox(ids: [message.id], permanent: true, reason: "550 5.1.1 no such user"))
        #expect(reply == FailOutbox.Result(retrying: 0, dead: 1))
        #expect(try await delivery(h, "nobody@example.org")?.state == .failed)
        #expect(try await delivery(h, "nobody@example.org")?.reason == "550 5.1.1 no such user")
        h.clock.advance(seconds: 7 * 86400)
        #expect(try await h.claimAll().isEmpty)
        let stats = try await h.call(ServiceStats())
        #expect(stats.outbox.dead == 1 && stats.outbox.queued == 0)
        // A second report of a dead message changes nothing.
        #expect(try await h.call(FailOutbox(ids: [message.id], permanent: false, reason: "x")) == FailOutbox.Result(retrying: 0, dead: 0))
    }

    @Test func retriesStopAfterTheRetryWindow() async throws {
        let h = try await Harness.make()
        let message = try await sign(h, "far@example.org")
        var last = message
        var dead = 0
        // Failing every hour for more than five days.
        for _ in 0..<200 {
            dead += try await h.call(FailOutbox(ids: [last.id], permanent: false, reason: "451 greylisted")).dead
            if dead > 0 { break }
            h.clock.advance(seconds: 3600)
            last = try #require(try await h.claimAll().first)
        }
        #expect(dead == 1)
        let failed = try #require(try await delivery(h, "far@example.org"))
        #expect(failed.state == .failed && failed.reason?.hasPrefix("gave up after") == true)
        #expect(h.clock.current >= message.createdAt.adding(seconds: CampaignStore.defaultOutboxRetrySeconds - 3600))
    }

    @Test func statsShowDepthOldestAgeRetriesAndDead() async throws {
        let h = try await Harness.make()
        let a = try await sign(h, "a@example.org")
        h.clock.advance(seconds: 30)
        let b = try await sign(h, "b@example.org")
        _ = try await sign(h, "c@example.org")
        _ = try await h.call(FailOutbox(ids: [a.id], permanent: false, reason: "451"))
        _ = try await h.call(FailOutbox(ids: [b.id], permanent: true, reason: "550"))
        let outbox = try await h.call(ServiceStats()).outbox
        #expect(outbox == ServiceStats.OutboxTotals(queued: 2, oldestAgeSeconds: 30, retrying: 1, dead: 1))
        #expect(await h.raw(method: "service.stats")["result"]?["outbox"]?["oldestAgeSeconds"] == JSONValue(30))
    }

    @Test func aPendingSignerIsRemindedOnceADayAfterTheFirstMessage() async throws {
        let h = try await Harness.make()
        let first = try await sign(h, "slow@example.org")
        _ = try await h.call(AckOutbox(ids: [first.id]))
        h.clock.advance(seconds: 86399)
        #expect(try await h.core.store.queueReminders() == 0)
        h.clock.advance(seconds: 1)
        #expect(try await h.core.store.queueReminders() == 1)
        let reminder = try #require(try await h.claimAll().first)
        #expect(reminder.kind == .signatureRemind && reminder.token != nil)
        h.clock.advance(seconds: 7 * 86400)
        #expect(try await h.core.store.queueReminders() == 0)
        // A confirmed signer is not reminded.
        let other = try await sign(h, "quick@example.org")
        _ = try await h.call(AckOutbox(ids: [reminder.id, other.id]))
        _ = try await h.call(ConfirmToken(token: try #require(other.token)), role: .public)
        h.clock.advance(seconds: 86400)
        #expect(try await h.core.store.queueReminders() == 0)
    }

    @Test func remindersAreOffWithZero() async throws {
        let h = try await Harness.make(remindAfterSeconds: 0)
        _ = try await h.call(AckOutbox(ids: [try await sign(h, "slow@example.org").id]))
        h.clock.advance(seconds: 30 * 86400)
        #expect(try await h.core.store.queueReminders() == 0)
    }

    @Test func badFailureReportsAreRefusedNamingTheField() async throws {
        let h = try await Harness.make()
        #expect(
            await h.raw(method: "outbox.fail", params: .parse(#"{"ids":["x"],"permanent":true,"reason":"r"}"#))["error"]?["data"]?["field"]
                == .string("ids[0]"))
        #expect(
            await h.raw(method: "outbox.fail", params: .parse(#"{"ids":["1"],"permanent":true,"reason":" "}"#))["error"]?["data"]?["field"]
                == .string("reason"))
        #expect(
            await h.raw(method: "outbox.fail", params: .parse(#"{"ids":["1"],"permanent":false,"reason":"r","retryAfterSeconds":0}"#))[
                "error"]?[
                    "data"]?["field"] == .string("retryAfterSeconds"))
        #expect(await h.errorCode("outbox.fail", .parse(#"{"ids":["1"],"permanent":true,"reason":"r"}"#), role: .public) == -32601)
    }

    @Test func aWithdrawnSignerKeepsNoDeliveryReason() async throws {
        let h = try await Harness.make()
        let message = try await sign(h, "gone@example.org")
        _ = try await h.call(FailOutbox(ids: [message.id], permanent: false, reason: "452 <gone@example.org> mailbox full"))
        _ = try await h.call(CancelToken(token: try #require(message.token)), role: .public)
        let record = try #require(try await h.exportAll().first)
        #expect(record.delivery?.reason == nil)
        #expect(!JSONWriter.string(await h.raw(method: "signatures.export")).contains("gone@example.org"))
    }
}
