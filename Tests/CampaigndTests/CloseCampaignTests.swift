import Foundation
import Testing

/// Issue 12 part 5: `campaignctl close` closes the letter and the fundraiser and prints the final report.
@Suite(.serialized) struct CloseCampaignTests {
    /// The admin socket's tokens for each addressee of the queued messages.
    func tokens(_ admin: LineClient) throws -> [String: String] {
        let claimed = try admin.call("outbox.claim", #"{"limit":100}"#)
        var tokens: [String: String] = [:]
        for message in JSON.result(claimed)?["messages"] as? [[String: Any]] ?? [] {
            guard let to = (message["to"] as? [String: Any])?["email"] as? String, let token = message["token"] as? String else { continue }
            tokens[to] = token
        }
        return tokens
    }

    @Test func campaignctlCloseClosesTheCampaignAndReportsItsFiguresAsJSON() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        defer { server.stop() }
        let visitor = try LineClient(path: dir + "/public.sock")
        let admin = try LineClient(path: dir + "/admin.sock")
        for (name, email, organization) in [
            ("Ann", "ann@example.org", "Acme Co-op"), ("Bo", "bo@example.org", "Acme Co-op"), ("Cy", "cy@example.org", "Beta Union"),
            ("Di", "di@example.org", nil), ("Pat", "pat@example.org", "Gamma"), ("Wes", "wes@example.org", "Gamma"),
        ] {
            let org = organization.map { #","organization":"\#($0)""# } ?? ""
            _ = try visitor.call("letter.sign", #"{"name":"\#(name)","email":"\#(email)"\#(org)}"#)
        }
        _ = try visitor.call("pledges.create", #"{"name":"Pia","email":"pia@example.org","amount":{"amountMinor":2500,"currency":"USD"}}"#)
        _ = try visitor.call("pledges.create", #"{"name":"Pol","email":"pol@example.org","amount":{"amountMinor":1000,"currency":"USD"}}"#)
        _ = try visitor.call("rsvps.create", #"{"eventId":"connect-2027-protest","name":"Rae","email":"rae@example.org","guests":1}"#)
        let tokens = try tokens(admin)
        for email in ["ann", "bo", "cy", "di", "wes", "pia", "rae"] {
            let reply = try visitor.call("tokens.confirm", #"{"token":"\#(tokens[email + "@example.org"] ?? "")"}"#)
            #expect(JSON.result(reply) != nil, "\(email): \(reply)")
        }
        _ = try visitor.call("tokens.cancel", #"{"token":"\#(tokens["wes@example.org"] ?? "")"}"#)
        _ = try visitor.call("tweets.click", #"{"tweetId":"tweet-2"}"#)

        let (status, output) = try Campaignctl.run(["--socket", dir + "/admin.sock", "close", "--json"])
        #expect(status == 0, "\(output)")
        let report = try JSON.object(output)
        let letter = try #require(report["letter"] as? [String: Any])
        #expect(letter["status"] as? String == "closed")
        let signatures = try #require(report["signatures"] as? [String: Any])
        #expect(signatures["confirmed"] as? Int == 4)
        #expect(signatures["pending"] as? Int == 1)
        #expect(signatures["withdrawn"] as? Int == 1)
        #expect(signatures["invalidated"] as? Int == 0 && signatures["suspect"] as? Int == 0)
        #expect(signatures["organizations"] as? Int == 3 && signatures["customers"] as? Int == 0)
        #expect(signatures["goal"] as? Int == 5000)
        let organizations = try #require(report["organizations"] as? [[String: Any]])
        #expect(organizations.map { $0["name"] as? String } == ["Acme Co-op", "Beta Union"])
        #expect(organizations.map { $0["signers"] as? Int } == [2, 1])
        let fundraiser = try #require(report["fundraiser"] as? [String: Any])
        #expect(fundraiser["status"] as? String == "closed")
        #expect((fundraiser["goal"] as? [String: Any])?["amountMinor"] as? Int == 1_500_000)
        #expect((fundraiser["pledged"] as? [String: Any])?["amountMinor"] as? Int == 2500)
        #expect((fundraiser["pledged"] as? [String: Any])?["currency"] as? String == "USD")
        #expect((fundraiser["paid"] as? [String: Any])?["amountMinor"] as? Int == 0)
        #expect(fundraiser["pledgeCount"] as? Int == 1)
        let byStatus = try #require(fundraiser["byStatus"] as? [String: [String: Any]])
        #expect(byStatus["confirmed"]?["count"] as? Int == 1)
        #expect((byStatus["confirmed"]?["amount"] as? [String: Any])?["amountMinor"] as? Int == 2500)
        #expect(byStatus["pending"]?["count"] as? Int == 1)
        #expect((byStatus["pending"]?["amount"] as? [String: Any])?["amountMinor"] as? Int == 1000)
        #expect(byStatus["cancelled"]?["count"] as? Int == 0 && byStatus["paid"]?["count"] as? Int == 0)
        let events = try #require(report["events"] as? [[String: Any]])
        #expect(events.count == 1)
        #expect(events.first?["id"] as? String == "connect-2027-protest")
        #expect(events.first?["going"] as? Int == 2 && events.first?["waitlisted"] as? Int == 0)
        #expect(events.first?["capacity"] as? Int == 300)
        let tweets = try #require(report["tweets"] as? [String: Any])
        #expect(tweets["clicks"] as? Int == 1)
        #expect((tweets["byTweet"] as? [String: Any])?["tweet-2"] as? Int == 1)

        // Closed: new signatures, pledges and RSVPs are refused; the pending signer may still confirm.
        #expect(JSON.errorCode(try visitor.call("letter.sign", #"{"name":"Late","email":"late@example.org"}"#)) == -32003)
        let pledge = #"{"name":"Late","email":"late@example.org","amount":{"amountMinor":2500,"currency":"USD"}}"#
        #expect(JSON.errorCode(try visitor.call("pledges.create", pledge)) == -32003)
        let rsvp = #"{"eventId":"connect-2027-protest","name":"Late","email":"late@example.org"}"#
        #expect(JSON.errorCode(try visitor.call("rsvps.create", rsvp)) == -32003)
        let confirmed = try visitor.call("tokens.confirm", #"{"token":"\#(tokens["pat@example.org"] ?? "")"}"#)
        #expect(JSON.result(confirmed)?["status"] as? String == "confirmed")

        // Closing again changes nothing but the figures since.
        let (againStatus, againOutput) = try Campaignctl.run(["--socket", dir + "/admin.sock", "close", "--json"])
        #expect(againStatus == 0, "\(againOutput)")
        let again = try JSON.object(againOutput)
        #expect((again["letter"] as? [String: Any])?["version"] as? Int == letter["version"] as? Int)
        #expect((again["signatures"] as? [String: Any])?["confirmed"] as? Int == 5)
        let check = try Campaignctl.check(adminSocket: dir + "/admin.sock")
        #expect(check.passed, "\(check.report)")
    }

    @Test func campaignctlCloseReportsAsText() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        defer { server.stop() }
        let visitor = try LineClient(path: dir + "/public.sock")
        _ = try visitor.call("letter.sign", #"{"name":"Ann","email":"ann@example.org","organization":"Acme Co-op"}"#)
        let (status, output) = try Campaignctl.run(["--socket", dir + "/admin.sock", "close"])
        #expect(status == 0, "\(output)")
        for expected in [
            "Final report", "(closed, version", "confirmed 0, pending 1, withdrawn 0", "goal:", "5000", "Organisations (0",
            "Fundraiser: Bus ads at Northwind Connect 2027 (closed)", "connect-2027-protest", "going 0 of 300", "Tweets: 0 clicks",
        ] {
            #expect(output.contains(expected), "missing \(expected) in:\n\(output)")
        }
    }
}
