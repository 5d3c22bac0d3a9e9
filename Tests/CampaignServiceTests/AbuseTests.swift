import CampaignProtocol
import Foundation
import GRDB
import Testing

@testable import CampaignService

/// SPEC §5 and the organisers' allow- and block-lists (`--abuse-list`).
@Suite struct AbuseTests {
    static let protest = "connect-2027-protest"
    func usd(_ minor: Int) -> Money { Money(amountMinor: minor, currency: "USD") }

    func lists(_ text: String) throws(AbuseLists.ParseError) -> AbuseLists { try AbuseLists(parsing: text) }

    func sign(_ h: Harness, _ email: String, ip: String? = nil) async -> JSONValue {
        var params: [String: JSONValue] = ["name": .string("N"), "email": .string(email)]
        if let ip { params["client"] = .object(["ip": .string(ip)]) }
        var reply = await h.raw(method: "letter.sign", params: .object(params), role: .public)
        // The counts move with pending signatures; the rest of the reply must not differ.
        if case .object(var members) = reply, case .object(var result)? = members["result"] {
            result["counts"] = nil
            members["result"] = .object(result)
            reply = .object(members)
        }
        return reply
    }

    func suspects(_ h: Harness) async throws -> [String] { try await h.exportAll(status: .suspect).compactMap(\.email) }

    @Test func abuseListParsesEveryRuleAndNamesTheLineOfABadOne() throws {
        let parsed = try lists(
            """
            # offices
            allow 192.0.2.0/24   # union office
            allow 2001:db8:1::/48

            block 203.0.113.7
            block @Mailinator.com
            block Some.One+tag@GoogleMail.com
            """)
        #expect(parsed.allowed.count == 2 && parsed.blockedAddresses.count == 1)
        #expect(parsed.blockedDomains == ["mailinator.com"])
        #expect(parsed.blockedEmails == ["someone@gmail.com"])
        #expect(try lists("# nothing yet\n\n") == AbuseLists())
        for (text, line) in [
            ("allow 192.0.2.0/33", 1), ("\nblock", 2), ("deny 1.2.3.4", 1), ("allow @example.org", 1), ("block nonsense", 1),
            ("block @localhost", 1), ("allow 1.2.3.4 5.6.7.8", 1), ("allow 10.0.0.1/8x", 1),
        ] {
            do {
                _ = try lists(text)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.line == line, "\(text)")
            }
        }
    }

    @Test func addressRangesMatchIPv4IPv6AndNothingElse() throws {
        let l = try lists("allow 192.0.2.0/24\nallow 2001:db8::/32\nblock 198.51.100.7\nblock 10.0.0.0/8\nblock ::ffff:198.18.0.0/111")
        #expect(l.verdict(ip: IPAddress("192.0.2.200"), email: nil) == .exempt)
        #expect(l.verdict(ip: IPAddress("192.0.3.1"), email: nil) == .limited)
        #expect(l.verdict(ip: IPAddress("2001:db8:ffff::1"), email: nil) == .exempt)
        #expect(l.verdict(ip: IPAddress("2001:db9::1"), email: nil) == .limited)
        #expect(l.verdict(ip: IPAddress("198.51.100.7"), email: nil) == .blocked)
        #expect(l.verdict(ip: IPAddress("198.51.100.8"), email: nil) == .limited)
        #expect(l.verdict(ip: IPAddress("10.255.1.2"), email: nil) == .blocked)
        // An IPv4-mapped range covers the IPv4 addresses it maps, in either spelling.
        #expect(l.verdict(ip: IPAddress("198.19.255.255"), email: nil) == .blocked)
        #expect(l.verdict(ip: IPAddress("::ffff:10.1.1.1"), email: nil) == .blocked)
        #expect(l.verdict(ip: nil, email: nil) == .limited)
        #expect(try lists("allow 0.0.0.0/0").verdict(ip: IPAddress("2001:db8::1"), email: nil) == .limited)
    }

    @Test func blockedAddressSignsAsSuspectWithTheSameReply() async throws {
        let h = try await Harness.make(abuse: AbusePolicy(try lists("block 203.0.113.0/24")))
        let ordinary = await sign(h, "ordinary@example.org", ip: "198.51.100.1")
        let blocked = await sign(h, "blocked@example.org", ip: "203.0.113.99")
        #expect(ordinary == blocked)
        #expect(try await suspects(h) == ["blocked@example.org"])
        // Not counted, and no mail.
        #expect(try await h.call(CountSignatures()).pending == 1)
        #expect(try await h.claimAll().map(\.to.email) == ["ordinary@example.org"])
    }

    @Test func blockedEmailDomainsAndTheirSubdomainsSignAsSuspect() async throws {
        let h = try await Harness.make(abuse: AbusePolicy(try lists("block @mailinator.com")))
        _ = await sign(h, "a@mailinator.com")
        _ = await sign(h, "b@eu.MAILINATOR.com")
        _ = await sign(h, "c@notmailinator.com")
        _ = await sign(h, "d@mailinator.com.example.org")
        #expect(try await Set(suspects(h)) == ["a@mailinator.com", "b@eu.mailinator.com"])
    }

    @Test func blockedEmailIsMatchedInAnySpelling() async throws {
        let h = try await Harness.make(abuse: AbusePolicy(try lists("block some.one@gmail.com")))
        _ = await sign(h, "Some.One+campaign@googlemail.com")
        _ = await sign(h, "someone2@gmail.com")
        #expect(try await suspects(h) == ["Some.One+campaign@googlemail.com"])
    }

    @Test func allowListedRangeIsNotLimited() async throws {
        let h = try await Harness.make(abuse: AbusePolicy(try lists("allow 192.0.2.0/24")))
        for i in 0..<15 { _ = await sign(h, "staff\(i)@example.org", ip: "192.0.2.10") }
        #expect(try await suspects(h).isEmpty)
        for i in 0..<12 {
            _ = try await h.call(
                CreatePledge(name: "P", email: "p\(i)@example.org", amount: usd(500), client: ClientInfo(ip: "192.0.2.11")), role: .public)
            _ = try await h.call(
                CreateRSVP(eventId: Self.protest, name: "R", email: "r\(i)@example.org", client: ClientInfo(ip: "192.0.2.12")),
                role: .public)
        }
        // Outside the range the limits hold.
        for i in 0..<4 { _ = await sign(h, "other\(i)@example.org", ip: "192.0.3.10") }
        #expect(try await suspects(h) == ["other3@example.org"])
    }

    @Test func blockedPledgesAndRSVPsAreRateLimited() async throws {
        let h = try await Harness.make(abuse: AbusePolicy(try lists("block @spam.example\nblock 203.0.113.5")))
        let pledge = await h.raw(
            method: "pledges.create",
            params: .parse(#"{"name":"P","email":"p@spam.example","amount":{"amountMinor":500,"currency":"USD"}}"#), role: .public)
        #expect(pledge["error"]?["code"] == JSONValue(-32004))
        #expect(pledge["error"]?["data"]?["retryAfterMs"]?.intValue == 3_600_000)
        let rsvp = await h.raw(
            method: "rsvps.create",
            params: .parse(#"{"eventId":"\#(Self.protest)","name":"R","email":"r@example.org","client":{"ip":"203.0.113.5"}}"#),
            role: .public)
        #expect(rsvp["error"]?["code"] == JSONValue(-32004))
        #expect((rsvp["error"]?["data"]?["retryAfterMs"]?.intValue ?? 0) > 0)
        #expect(try await h.call(ExportPledges()).items.isEmpty)
    }

    @Test func blockWinsOverAllow() async throws {
        let h = try await Harness.make(abuse: AbusePolicy(try lists("allow 192.0.2.0/24\nblock 192.0.2.66\nblock @spam.example")))
        _ = await sign(h, "a@example.org", ip: "192.0.2.66")
        _ = await sign(h, "b@spam.example", ip: "192.0.2.1")
        _ = await sign(h, "c@example.org", ip: "192.0.2.1")
        #expect(try await Set(suspects(h)) == ["a@example.org", "b@spam.example"])
    }

    @Test func replacedListsApplyToTheNextRequest() async throws {
        let policy = AbusePolicy()
        let h = try await Harness.make(abuse: policy)
        _ = await sign(h, "before@spam.example")
        policy.replace(with: try lists("block @spam.example"))
        _ = await sign(h, "after@spam.example")
        #expect(try await suspects(h) == ["after@spam.example"])
    }

    @Test func rateLimitStateSurvivesARestart() async throws {
        let h = try await Harness.make()
        for i in 0..<3 { _ = await sign(h, "s\(i)@example.org", ip: "198.51.100.9") }
        let restarted = try h.reopened()
        _ = await sign(restarted, "s3@example.org", ip: "198.51.100.9")
        #expect(try await suspects(restarted) == ["s3@example.org"])
    }

    @Test func rateLimitStateStaysBoundedUnderAFlood() async throws {
        let h = try await Harness.make()
        func rows() throws -> Int {
            try h.core.store.reading { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM signAttempt") ?? -1 }
        }
        // One address: only as many rows as the largest limit (10), however many it sends.
        for i in 0..<60 { _ = await sign(h, "flood\(i)@example.org", ip: "203.0.113.1") }
        #expect(try rows() == 10)
        #expect(try await suspects(h).count == 57)
        // Many addresses seen once: their rows go once the window has passed.
        for i in 0..<50 { _ = await sign(h, "one\(i)@example.org", ip: "198.51.100.\(i)") }
        #expect(try rows() == 60)
        h.clock.advance(seconds: 601)
        _ = await sign(h, "later@example.org", ip: "192.0.2.1")
        #expect(try rows() == 1)
    }

    // MARK: One address, however spelled

    static let spellingsOfOneAddress = ["1.2.3.4", "::ffff:1.2.3.4", "::FFFF:1.2.3.4", "0:0:0:0:0:ffff:1.2.3.4", "::ffff:0102:0304"]

    @Test func spellingsOfOneAddressCountAsOneAddress() async throws {
        let h = try await Harness.make()
        for (i, ip) in Self.spellingsOfOneAddress.enumerated() { _ = await sign(h, "spelling\(i)@example.org", ip: ip) }
        // A burst of three: the fourth and fifth are over it, whatever the spelling.
        #expect(try await Set(suspects(h)) == ["spelling3@example.org", "spelling4@example.org"])
    }

    @Test func ipv6AddressesInOneSlash64CountAsOneAddress() async throws {
        let h = try await Harness.make()
        let oneNetwork = ["2001:db8:1:2::1", "2001:DB8:1:2:0:0:0:2", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:0db8:0001:0002::abcd"]
        for (i, ip) in oneNetwork.enumerated() { _ = await sign(h, "net\(i)@example.org", ip: ip) }
        // The neighbouring /64 is someone else.
        for i in 0..<3 { _ = await sign(h, "next\(i)@example.org", ip: "2001:db8:1:3::\(i + 1)") }
        #expect(try await suspects(h) == ["net3@example.org"])
    }

    @Test func pledgesAndRSVPsCountOneAddressHoweverSpelled() async throws {
        let h = try await Harness.make()
        var pledgeCodes: [Int?] = []
        var rsvpCodes: [Int?] = []
        for (i, ip) in Self.spellingsOfOneAddress.enumerated() {
            pledgeCodes.append(
                await h.errorCode(
                    "pledges.create",
                    .parse(
                        #"{"name":"P","email":"p\#(i)@example.org","amount":{"amountMinor":500,"currency":"USD"},"client":{"ip":"\#(ip)"}}"#
                    ),
                    role: .public))
        }
        for (i, ip) in (Self.spellingsOfOneAddress + ["::ffff:1.2.3.4"]).enumerated() {
            rsvpCodes.append(
                await h.errorCode(
                    "rsvps.create",
                    .parse(#"{"eventId":"\#(Self.protest)","name":"R","email":"r\#(i)@example.org","client":{"ip":"\#(ip)"}}"#),
                    role: .public))
        }
        #expect(pledgeCodes == [nil, nil, nil, -32004, -32004])
        #expect(rsvpCodes == [nil, nil, nil, nil, nil, -32004])
    }

    @Test func addressesAreRecordedInTheirNormalForm() async throws {
        let h = try await Harness.make()
        let spellings = ["::FFFF:1.2.3.4": "1.2.3.4", "2001:DB8:0:0:0:0:0:1": "2001:db8::1", "2001:0db8::0:1:0:0:1": "2001:db8::1:0:0:1"]
        for (i, ip) in spellings.keys.sorted().enumerated() { _ = await sign(h, "norm\(i)@example.org", ip: ip) }
        let recorded = try await h.exportAll().compactMap { $0.client?.ip }
        #expect(Set(recorded) == Set(spellings.values))
    }

    @Test func blockListMatchesEverySpellingOfAnAddress() async throws {
        let h = try await Harness.make(abuse: AbusePolicy(try lists("block 1.2.3.4\nblock 2001:db8:9::/48")))
        for (i, ip) in (Self.spellingsOfOneAddress + ["2001:DB8:9:0:0::7"]).enumerated() { _ = await sign(h, "b\(i)@example.org", ip: ip) }
        _ = await sign(h, "free@example.org", ip: "1.2.3.5")
        #expect(try await suspects(h).count == 6)
    }

    @Test func tweetClickVisitorIsOneAddressHoweverSpelled() async throws {
        let h = try await Harness.make()
        let connection = CallContext(role: .public, clicks: ClickThrottle())
        func counted(_ ip: String) async -> Bool? {
            let frame = #"{"jsonrpc":"2.0","id":1,"method":"tweets.click","params":{"tweetId":"tweet-1","client":{"ip":"\#(ip)"}}}"#
            guard let reply = await h.core.dispatcher.respond(to: Array(frame.utf8), context: connection) else { return nil }
            guard case .bool(let counted)? = (try? JSONParser.parse(reply))?["result"]?["counted"] else { return nil }
            return counted
        }
        var clicks: [Bool?] = []
        for ip in Self.spellingsOfOneAddress + ["2001:db8:5:5::1", "2001:DB8:5:5::2", "2001:db8:5:6::1"] {
            clicks.append(await counted(ip))
        }
        #expect(clicks == [true, false, false, false, false, true, false, true])
    }
}
