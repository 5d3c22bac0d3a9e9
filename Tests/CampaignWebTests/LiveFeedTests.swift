import CampaignClient
import CampaignProtocol
import CampaignWeb
import Foundation
import Testing

@Suite(.serialized) struct LiveFeedTests {
    @Test func streamGetsTheCurrentFiguresFirst() async throws {
        try await LiveSite.with { site in
            let admin = try await site.campaignd.admin()
            try await LiveCampaignd.confirmSignature(admin, email: "first@example.org")
            let counts = try await admin.call(GetCampaign()).signatures
            // Once the feed has the new count, a new stream starts with it.
            for _ in 0..<400 where site.feed.current?.signatures.confirmed != counts.confirmed {
                try await Task.sleep(for: .milliseconds(50))
            }
            let stream = try await site.open()
            #expect(stream.status == 200)
            #expect(stream.headers["content-type"]?.hasPrefix("text/event-stream") == true)
            #expect(stream.headers["cache-control"] == "no-store")
            #expect(stream.headers["x-accel-buffering"] == "no")
            let preamble = try #require(try await stream.next())
            #expect(preamble.retry == "5000")
            let first = try #require(try await stream.nextFigures())
            #expect(first.confirmed == counts.confirmed)
            let signatures = try #require(first.figures?["signatures"] as? [String: Any])
            #expect(signatures["goal"] as? Int == counts.goal)
            let fundraiser = try #require(first.figures?["fundraiser"] as? [String: Any])
            #expect((fundraiser["goal"] as? [String: Any])?["currency"] as? String == "USD")
            let events = try #require(first.figures?["events"] as? [[String: Any]])
            #expect(events.first?["id"] as? String == "connect-2027-protest")
            #expect(events.first?["going"] as? Int == 0)
            await admin.close()
        }
    }

    @Test func confirmedSignatureReachesEveryOpenStream() async throws {
        try await LiveSite.with { site in
            let changes = Changes()
            site.feed.onChange { figures in changes.record(figures.signatures.confirmed) }
            var streams: [HTTPStream] = []
            for _ in 0..<3 { streams.append(try await site.open()) }
            for stream in streams { #expect(try await stream.nextFigures()?.confirmed == 0) }
            let admin = try await site.campaignd.admin()
            try await LiveCampaignd.confirmSignature(admin, email: "every@example.org")
            for stream in streams { #expect(try await stream.waitForConfirmed(1)) }
            #expect(site.feed.current?.signatures.confirmed == 1)
            #expect(changes.values.contains(1))
            await admin.close()
        }
    }

    @Test func slowSubscriberGetsOnlyTheNewestFigures() async throws {
        try await LiveSite.with { site in
            for _ in 0..<400 where site.feed.current == nil { try await Task.sleep(for: .milliseconds(50)) }
            // Subscribed, and never read while three signatures are confirmed.
            let (updates, id) = site.feed.subscribe()
            let admin = try await site.campaignd.admin()
            for n in 1...3 {
                try await LiveCampaignd.confirmSignature(admin, email: "slow\(n)@example.org")
                for _ in 0..<400 where site.feed.current?.signatures.confirmed != n { try await Task.sleep(for: .milliseconds(50)) }
            }
            var iterator = updates.makeAsyncIterator()
            #expect(await iterator.next()?.figures?.signatures.confirmed == 3)
            site.feed.unsubscribe(id)
            #expect(await iterator.next() == nil)
            await admin.close()
        }
    }

    @Test func feedReconnectsAfterCampaigndRestartsAndStreamsResume() async throws {
        try await LiveSite.with { site in
            let stream = try await site.open()
            #expect(try await stream.nextFigures()?.confirmed == 0)
            await site.campaignd.stop()
            // A change made while campaign-web's campaignd is away, by another process on the same database.
            let offline = try await CampaignClient.spawn(
                executable: LiveCampaignd.executable, arguments: ["--role", "admin", "--state-dir", site.campaignd.stateDirectory])
            try await LiveCampaignd.confirmSignature(offline, email: "away@example.org")
            await offline.close()
            try await site.campaignd.start()
            #expect(try await stream.waitForConfirmed(1))
            // And the new subscription follows later changes.
            let admin = try await site.campaignd.admin()
            try await LiveCampaignd.confirmSignature(admin, email: "back@example.org")
            #expect(try await stream.waitForConfirmed(2))
            await admin.close()
        }
    }

    @Test func oneCampaigndConnectionServesFiftyStreams() async throws {
        try await LiveSite.with { site in
            var streams: [HTTPStream] = []
            for _ in 0..<50 { streams.append(try await site.open()) }
            for stream in streams { #expect(try await stream.nextFigures()?.confirmed == 0) }
            #expect(site.feed.subscriberCount == 50)
            let admin = try await site.campaignd.admin()
            let stats = try await admin.call(ServiceStats())
            // The feed's connection and this admin one.
            #expect(stats.connections.open == 2)
            await admin.close()
        }
    }

    @Test func keepAliveCommentsArriveAtTheInjectedInterval() async throws {
        try await LiveSite.with(keepAlive: .milliseconds(50)) { site in
            let stream = try await site.open()
            _ = try #require(try await stream.nextFigures())
            var keepAlives = 0
            while keepAlives < 3, let event = try await stream.next(timeout: 20) {
                if event.isKeepAlive { keepAlives += 1 }
            }
            #expect(keepAlives == 3)
        }
    }

    @Test func streamEndsWhenTheServerStops() async throws {
        try await LiveSite.with { site in
            let stream = try await site.open()
            _ = try #require(try await stream.nextFigures())
            await site.group.triggerGracefulShutdown()
            #expect(try await stream.ends(within: 20))
        }
    }

    @Test func streamIsDroppedWhenTheClientGoes() async throws {
        try await LiveSite.with(keepAlive: .milliseconds(50)) { site in
            let stream = try await site.open()
            _ = try #require(try await stream.nextFigures())
            #expect(site.feed.subscriberCount == 1)
            stream.close()
            // The next keep-alive writes fail and end the response, which unsubscribes it.
            for _ in 0..<400 where site.feed.subscriberCount > 0 { try await Task.sleep(for: .milliseconds(50)) }
            #expect(site.feed.subscriberCount == 0)
        }
    }
}

/// What an `onChange` hook saw.
final class Changes: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [Int] = []
    func record(_ value: Int) { lock.withLock { seen.append(value) } }
    var values: [Int] { lock.withLock { seen } }
}
