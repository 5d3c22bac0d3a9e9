import Foundation
import NIOConcurrencyHelpers
import Testing

/// SPEC §6 through the real binary: live counters across processes, and capacity under concurrency.
@Suite(.serialized) struct LiveCampaignTests {
    /// Two services on one database, as `Accept=yes` would run them.
    func twoServices(_ dir: String) throws -> (ServerProcess, ServerProcess) {
        let a = try ServerProcess.listening(dir)
        let b = try ServerProcess(
            arguments: ["--listen", dir + "/b.sock", "--admin-listen", dir + "/b-admin.sock", "--state-dir", dir + "/state"],
            directory: dir, stderrPath: dir + "/b.log")
        try b.waitForSocket(dir + "/b-admin.sock")
        return (a, b)
    }

    @Test func subscriberOnOneProcessReceivesAChangeCommittedThroughAnother() throws {
        let dir = try Paths.temporaryDirectory()
        let (a, b) = try twoServices(dir)
        // The organisers' socket: a public subscriber is not told of unconfirmed signatures.
        let watcher = try LineClient(path: dir + "/admin.sock")
        let subscribed = try watcher.call("campaign.subscribe", #"{"topics":["signatures","events"]}"#)
        #expect((JSON.result(subscribed)?["topics"] as? [String]) == ["signatures", "events"])

        let signer = try LineClient(path: dir + "/b.sock")
        _ = try signer.call("letter.sign", #"{"name":"Ada","email":"ada@example.org"}"#)
        let line = try #require(watcher.readLine(timeout: 10))
        let message = try JSON.object(line)
        #expect(message["method"] as? String == "campaign.changed")
        #expect(message["id"] == nil)
        let params = try #require(message["params"] as? [String: Any])
        #expect((params["signatures"] as? [String: Any])?["pending"] as? Int == 1)
        #expect(params["fundraiser"] == nil)

        // A burst of changes arrives coalesced, and ends at the exact figure.
        for i in 0..<30 {
            signer.send(#"{"jsonrpc":"2.0","id":\#(i),"method":"letter.sign","params":{"name":"B","email":"b\#(i)@example.org"}}"# + "\n")
        }
        for _ in 0..<30 { _ = try #require(signer.readLine()) }
        var notifications = 0
        var pending = 0
        let deadline = Date().addingTimeInterval(10)
        while pending != 31, Date() < deadline, let next = watcher.readLine(timeout: 5) {
            notifications += 1
            pending = ((try JSON.object(next)["params"] as? [String: Any])?["signatures"] as? [String: Any])?["pending"] as? Int ?? pending
        }
        #expect(pending == 31)
        #expect(notifications < 30)
        a.stop()
        b.stop()
    }

    @Test func unsubscribeStopsNotifications() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        let watcher = try LineClient(path: dir + "/public.sock")
        _ = try watcher.call("campaign.subscribe", #"{"topics":["signatures"]}"#)
        #expect((JSON.result(try watcher.call("campaign.unsubscribe", id: 2))?["topics"] as? [String]) == [])
        _ = try LineClient(path: dir + "/public.sock").call("letter.sign", #"{"name":"Ada","email":"ada@example.org"}"#)
        #expect(watcher.readLine(timeout: 1.5) == nil)
        server.stop()
    }

    @Test func dozensOfSimultaneousRSVPsWithGuestsNeverExceedCapacity() throws {
        let dir = try Paths.temporaryDirectory()
        let (a, b) = try twoServices(dir)
        let admin = try LineClient(path: dir + "/admin.sock")
        let created = try admin.call(
            "events.create",
            #"{"id":"rally","title":"Rally","description":"D","startsAt":"2027-04-14T08:00:00-07:00","timeZone":"America/Los_Angeles","location":{"city":"San Francisco","country":"US"},"capacity":30,"maxGuests":3}"#
        )
        #expect(JSON.result(created)?["capacity"] as? Int == 30)

        let accepted = NIOLockedValueBox(0)
        let threads = (0..<48).map { i in
            Thread {
                let socket = i % 2 == 0 ? dir + "/public.sock" : dir + "/b.sock"
                guard let client = try? LineClient(path: socket),
                    let reply = try? client.call(
                        "rsvps.create", #"{"eventId":"rally","name":"P\#(i)","email":"p\#(i)@example.org","guests":\#(i % 4)}"#)
                else { return }
                if JSON.result(reply)?["accepted"] as? Bool == true { accepted.withLockedValue { $0 += 1 } }
            }
        }
        for thread in threads { thread.start() }
        let deadline = Date().addingTimeInterval(30)
        while accepted.withLockedValue({ $0 }) < 48 && Date() < deadline { usleep(20_000) }
        #expect(accepted.withLockedValue { $0 } == 48)

        let db = dir + "/state/campaign.sqlite"
        let going = try Database.count(
            db,
            "SELECT COALESCE(SUM(1 + guests), 0) FROM rsvp JOIN event ON event.seq = rsvp.eventSeq WHERE event.id = 'rally' AND rsvp.status = 'going'"
        )
        let waiting = try Database.count(
            db,
            "SELECT COALESCE(SUM(1 + guests), 0) FROM rsvp JOIN event ON event.seq = rsvp.eventSeq WHERE event.id = 'rally' AND rsvp.status = 'waitlisted'"
        )
        #expect(going <= 30)
        #expect(going + waiting == (0..<48).reduce(0) { $0 + 1 + $1 % 4 })
        #expect(try Database.count(db, "SELECT going FROM event WHERE id = 'rally'") == going)
        #expect(try Database.count(db, "SELECT waitlisted FROM event WHERE id = 'rally'") == waiting)
        a.stop()
        b.stop()
    }

    @Test func tweetIntentURLsDecodeToTheirTextOverTheWire() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        let admin = try LineClient(path: dir + "/admin.sock")
        let text = "Tom & Jerry #NoContract @ceo — Zoë 🌍"
        let set = try admin.call("tweets.set", #"{"items":[{"id":"t1","target":{"name":"CEO","handle":"@ceo"},"text":"\#(text)"}]}"#)
        let url = try #require(((JSON.result(set)?["items"] as? [[String: Any]])?.first?["url"]) as? String)
        #expect(URLComponents(string: url)?.queryItems?.first?.value == text)
        server.stop()
    }

    @Test func pledgeTotalsFollowConfirmPayRefundThroughTheBinary() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        let web = try LineClient(path: dir + "/public.sock")
        let admin = try LineClient(path: dir + "/admin.sock")
        let float = try web.call("pledges.create", #"{"name":"F","email":"f@example.org","amount":{"amountMinor":25.5,"currency":"USD"}}"#)
        #expect(((float["error"] as? [String: Any])?["data"] as? [String: Any])?["field"] as? String == "amount.amountMinor")
        let created = try web.call(
            "pledges.create",
            #"{"name":"Pat","email":"pat@example.org","amount":{"amountMinor":2500,"currency":"USD"},"idempotencyKey":"k1"}"#)
        #expect(JSON.result(created)?["accepted"] as? Bool == true)
        let repeated = try web.call(
            "pledges.create",
            #"{"name":"Pat","email":"pat@example.org","amount":{"amountMinor":2500,"currency":"USD"},"idempotencyKey":"k1"}"#)
        #expect(NSDictionary(dictionary: created) == NSDictionary(dictionary: repeated))
        let messages = try #require(JSON.result(try admin.call("outbox.claim"))?["messages"] as? [[String: Any]])
        #expect(messages.count == 1)
        let token = try #require(messages.first?["token"] as? String)
        let confirmed = try web.call("tokens.confirm", #"{"token":"\#(token)"}"#)
        let id = try #require(JSON.result(confirmed)?["id"] as? String)
        _ = try admin.call("pledges.setStatus", #"{"pledgeId":"\#(id)","status":"paid"}"#)
        var fundraiser = try #require(JSON.result(try web.call("fundraiser.get")))
        #expect((fundraiser["pledged"] as? [String: Any])?["amountMinor"] as? Int == 2500)
        #expect((fundraiser["paid"] as? [String: Any])?["amountMinor"] as? Int == 2500)
        #expect(JSON.errorCode(try admin.call("pledges.setStatus", #"{"pledgeId":"\#(id)","status":"cancelled"}"#)) == -32002)
        _ = try admin.call("pledges.setStatus", #"{"pledgeId":"\#(id)","status":"refunded"}"#)
        fundraiser = try #require(JSON.result(try web.call("fundraiser.get")))
        #expect((fundraiser["pledged"] as? [String: Any])?["amountMinor"] as? Int == 0)
        #expect(fundraiser["pledgeCount"] as? Int == 0)
        server.stop()
    }

    @Test func signaturesCountIsExactAfterEveryCommitWhicheverProcessMadeIt() throws {
        let dir = try Paths.temporaryDirectory()
        let (a, b) = try twoServices(dir)
        let reader = try LineClient(path: dir + "/admin.sock")
        let writerA = try LineClient(path: dir + "/public.sock")
        let writerB = try LineClient(path: dir + "/b.sock")
        for i in 0..<20 {
            let writer = i % 2 == 0 ? writerA : writerB
            _ = try writer.call("letter.sign", #"{"name":"E","email":"e\#(i)@example.org"}"#, id: i)
            let count = try reader.call("signatures.count", id: 100 + i)
            #expect((JSON.result(count)?["pending"] as? Int) == i + 1)
        }
        // The fast path keeps the ordinary path's answers for everything else.
        #expect(JSON.errorCode(try reader.call("signatures.count", #"{"extra":1}"#)) == -32602)
        reader.send(#"{"jsonrpc":"2.0","method":"signatures.count"}"# + "\n")
        let reply = try reader.call("service.health", id: 7)
        #expect(reply["id"] as? Int == 7)
        a.stop()
        b.stop()
    }
}
