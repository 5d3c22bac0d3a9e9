import CampaignProtocol
import Foundation
import Testing

@testable import CampaignService

/// SPEC §3 through the dispatcher: text that cannot be inflated or hidden, names with something to read,
/// assigned country codes, bounded money, and one contact validation for signatures, pledges and RSVPs.
@Suite struct ValidationTests {
    static let protest = "connect-2027-protest"
    static let contactMethods = ["letter.sign", "pledges.create", "rsvps.create"]

    /// A valid request of `method` with `fields` (JSON members, without braces) added or replaced.
    static func request(_ method: String, _ fields: String) -> JSONValue {
        let base: String =
            switch method {
            case "pledges.create": #""amount":{"amountMinor":500,"currency":"USD"}"#
            case "rsvps.create": #""eventId":"\#(protest)""#
            default: #""showName":true"#
            }
        guard case .object(var params) = JSONValue.parse(#"{"name":"Ada","email":"ada@example.org",\#(base)}"#),
            case .object(let extra) = JSONValue.parse("{\(fields)}")
        else { return .null }
        params.merge(extra) { $1 }
        return .object(params)
    }

    /// The JSON string literal of `text`, every non-ASCII scalar escaped as the web would send it.
    static func literal(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            if scalar.isASCII, scalar != "\"", scalar != "\\", scalar.value >= 0x20 {
                out.unicodeScalars.append(scalar)
            } else {
                for unit in String(scalar).utf16 { out += String(format: "\\u%04X", unit) }
            }
        }
        return out + "\""
    }

    /// The field a refusal names (nil: accepted), checking that it is `-32602`.
    func refusedField(_ h: Harness, _ method: String, _ fields: String) async -> String? {
        let reply = await h.raw(method: method, params: Self.request(method, fields), role: .public)
        guard let error = reply["error"] else { return nil }
        #expect(error["code"] == JSONValue(-32602), "\(method) \(fields): \(JSONWriter.string(reply))")
        return error["data"]?["field"]?.stringValue
    }

    func reason(_ h: Harness, _ method: String, _ fields: String) async -> String? {
        await h.raw(method: method, params: Self.request(method, fields), role: .public)["error"]?["data"]?["reason"]?.stringValue
    }

    // MARK: Money

    @Test(arguments: ["goal", "minimum", "maximum"])
    func moneyAmountsAreBoundedNamingTheField(field: String) async throws {
        let h = try await Harness.make()
        for amount in ["9223372036854775807", "1000000000001"] {
            let reply = await h.raw(
                method: "fundraiser.update", params: .parse(#"{"\#(field)":{"amountMinor":\#(amount),"currency":"USD"}}"#))
            #expect(reply["error"]?["code"] == JSONValue(-32602), "\(field) \(amount): \(JSONWriter.string(reply))")
            #expect(reply["error"]?["data"]?["field"] == .string(field + ".amountMinor"))
        }
        #expect(try await h.call(GetFundraiser()).maximum.amountMinor == 100_000)
        // The bound itself is allowed.
        let top = await h.raw(method: "fundraiser.update", params: .parse(#"{"maximum":{"amountMinor":1000000000000,"currency":"USD"}}"#))
        #expect(top["result"] != nil, "\(JSONWriter.string(top))")
    }

    @Test func pledgeAmountIsBoundedEvenUnderTheFundraisersMaximum() async throws {
        let h = try await Harness.make()
        _ = await h.raw(method: "fundraiser.update", params: .parse(#"{"maximum":{"amountMinor":1000000000000,"currency":"USD"}}"#))
        #expect(await refusedField(h, "pledges.create", #""amount":{"amountMinor":1000000000000,"currency":"USD"}"#) == nil)
        let over = #""amount":{"amountMinor":9223372036854775807,"currency":"USD"}"#
        #expect(await refusedField(h, "pledges.create", over) == "amount.amountMinor")
        #expect(await reason(h, "pledges.create", over)?.contains("at most 1000000000000") == true)
    }

    // MARK: Units

    @Test func ipAddressParsesEverySpellingOfOneAddressAlike() throws {
        let addresses = try AbuseTests.spellingsOfOneAddress.map { try #require(IPAddress($0), "\($0)") }
        #expect(Set(addresses).count == 1)
        #expect(addresses.allSatisfy { $0.isIPv4 && $0.text == "1.2.3.4" && $0.rateKey == [1, 2, 3, 4] })
        let v6 = try #require(IPAddress("2001:0DB8:0000:0000:0000:0000:0000:0001"))
        #expect(!v6.isIPv4 && v6.text == "2001:db8::1")
        #expect(v6.bytes == [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1])
    }

    @Test func ipAddressRefusesWhatIsNotOneAddress() {
        for text in [
            "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4\u{0}x", " 1.2.3.4", "1.2.3.4:80", "[::1]", "fe80::1%eth0", "2001:db8::/32",
            "::g", "1:2:3:4:5:6:7:8:9", String(repeating: "1", count: 46),
        ] {
            #expect(IPAddress(text) == nil, "\(text)")
        }
    }

    @Test func rateKeyIsTheIPv4AddressOrTheIPv6Slash64() throws {
        let a = try #require(IPAddress("2001:db8:1:2::1"))
        let b = try #require(IPAddress("2001:db8:1:2:ffff::9"))
        let c = try #require(IPAddress("2001:db8:1:3::1"))
        #expect(a.rateKey == b.rateKey && a.rateKey != c.rateKey)
        #expect(a.rateKey == [0x20, 0x01, 0x0D, 0xB8, 0, 1, 0, 2])
        // An IPv4 address never shares a key with an IPv6 network.
        #expect(try #require(IPAddress("32.1.13.184")).rateKey.count == 4)
        #expect(try #require(IPAddress("::ffff:0:0")).rateKey == [0, 0, 0, 0])
        #expect(try #require(IPAddress("::")).rateKey == [0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func moneyRulesBoundEveryAmount() throws {
        let top = Money(amountMinor: MoneyRules.maximumMinor, currency: "EUR")
        #expect(try MoneyRules.amount(top, field: "goal") == top)
        #expect(MoneyRules.maximumMinor.multipliedReportingOverflow(by: 9_000_000).overflow == false)
        do {
            _ = try MoneyRules.amount(Money(amountMinor: MoneyRules.maximumMinor + 1, currency: "EUR"), field: "goal")
            Issue.record("over the bound was accepted")
        } catch {
            #expect(error.data?.field == "goal.amountMinor")
        }
    }

    @Test func contactIsSharedBySignaturesPledgesAndRSVPs() throws {
        let client = ClientInfo(ip: "::FFFF:1.2.3.4", userAgent: " UA ")
        let s = try NewSignature(validating: SignLetter(name: " Ada ", email: "Ada+x@Example.org", source: "web", client: client))
        let p = try NewPledge(
            validating: CreatePledge(
                name: " Ada ", email: "Ada+x@Example.org", amount: Money(amountMinor: 500, currency: "USD"), source: "web", client: client))
        let r = try NewRSVP(validating: CreateRSVP(eventId: "e", name: " Ada ", email: "Ada+x@Example.org", source: "web", client: client))
        for contact in [s.contact, p.contact, r.contact] {
            #expect(contact.name == "Ada" && contact.email == "Ada+x@example.org" && contact.emailCanonical == "ada@example.org")
            #expect(
                contact.ip == "1.2.3.4" && contact.address == IPAddress("1.2.3.4") && contact.userAgent == "UA" && contact.source == "web")
        }
        #expect(s.emailCanonical == "ada@example.org" && r.ip == "1.2.3.4")
    }
}
