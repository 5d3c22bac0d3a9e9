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

    // MARK: Text that cannot be inflated

    @Test func lengthCountsUnicodeScalarsNotCharacters() async throws {
        let h = try await Harness.make()
        // One letter and 115,000 combining marks is one character, and 115,001 scalars.
        let tower = "a" + String(repeating: "\u{301}", count: 115_000)
        #expect(await refusedField(h, "letter.sign", #""name":\#(Self.literal(tower))"#) == "name")
        // 51 x-acute (no precomposed form): 51 characters, 102 scalars, over the 100 of a name.
        let accented = String(repeating: "x\u{301}", count: 51)
        #expect(await refusedField(h, "letter.sign", #""name":\#(Self.literal(accented))"#) == "name")
        #expect(await reason(h, "letter.sign", #""name":\#(Self.literal(accented))"#)?.contains("100") == true)
        // 50 of them are 100 scalars: accepted, and kept as sent.
        let fifty = String(repeating: "x\u{301}", count: 50)
        #expect(await refusedField(h, "letter.sign", #""name":\#(Self.literal(fifty))"#) == nil)
        #expect(try await h.exportAll().first?.name?.unicodeScalars.count == 100)
        // A comment's 500 counts scalars too.
        let comment = String(repeating: "x\u{301}\u{302}", count: 167)  // 167 characters, 501 scalars
        #expect(await refusedField(h, "letter.sign", #""comment":\#(Self.literal(comment))"#) == "comment")
    }

    @Test(arguments: ["\u{202A}", "\u{202B}", "\u{202C}", "\u{202D}", "\u{202E}", "\u{2066}", "\u{2067}", "\u{2068}", "\u{2069}"])
    func bidirectionalControlsAreRefusedNamingTheField(control: String) async throws {
        let h = try await Harness.make()
        let text = Self.literal("Ada \(control)fdp.exe")
        #expect(await refusedField(h, "letter.sign", #""name":\#(text)"#) == "name")
        #expect(await reason(h, "letter.sign", #""name":\#(text)"#)?.contains("bidirectional") == true)
        #expect(await refusedField(h, "letter.sign", #""organization":\#(text)"#) == "organization")
        #expect(await refusedField(h, "letter.sign", #""comment":\#(text)"#) == "comment")
        #expect(await refusedField(h, "pledges.create", #""message":\#(text)"#) == "message")
        #expect(try await h.exportAll().isEmpty)
    }

    @Test func directionMarksAreAllowedInsideText() async throws {
        let h = try await Harness.make()
        // Right-to-left text mixed with numbers and Latin needs the marks; they open no scope to leak from.
        for (i, name) in [
            "\u{5E0}\u{5D5}\u{5E2}\u{5D4} 2\u{200F}", "Ada\u{200E} \u{644}\u{64A}\u{646}\u{627}", "\u{61C}\u{645}\u{631}\u{64A}\u{645} 3",
        ]
        .enumerated() {
            #expect(await refusedField(h, "letter.sign", #""name":\#(Self.literal(name)),"email":"rtl\#(i)@example.org""#) == nil)
        }
    }

    static let invisible = [
        "\u{200B}", "\u{200B}\u{200C}\u{200D}", "\u{2060}", "\u{3164}", "\u{3164}\u{3164}", "\u{115F}", "\u{1160}", "\u{FFA0}", "\u{FE0F}",
        "\u{E0041}\u{E0042}", "\u{301}", "\u{301}\u{302}", "\u{2800}", "\u{AD}", "\u{180E}", "\u{200E}", "\u{2062}", "\u{34F}",
        "\u{200B} \u{200B}",
    ]

    @Test(arguments: invisible)
    func textOfOnlyInvisibleCharactersIsRefused(text: String) async throws {
        let h = try await Harness.make()
        let value = Self.literal(text)
        for method in Self.contactMethods {
            #expect(await refusedField(h, method, #""name":\#(value)"#) == "name", "\(method)")
        }
        // An optional text is refused, or, when trimming leaves nothing (Foundation trims U+200B), absent.
        let trimsAway = text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        let optional =
            [("letter.sign", "organization"), ("letter.sign", "comment"), ("pledges.create", "message")]
            + Self.contactMethods.map { ($0, "source") }
        for (method, field) in optional {
            let refused = await refusedField(h, method, #""\#(field)":\#(value)"#)
            #expect(refused == field || (trimsAway && refused == nil), "\(method) \(field)")
        }
        #expect(try await h.exportAll().allSatisfy { $0.organization == nil && $0.comment == nil && $0.source == nil })
        #expect(try await h.call(ExportPledges()).items.allSatisfy { $0.message == nil && $0.source == nil })
    }

    @Test func textStartingWithACombiningMarkIsRefused() async throws {
        let h = try await Harness.make()
        // The mark would sit on whatever a page shows before the name.
        #expect(await refusedField(h, "letter.sign", #""name":\#(Self.literal("\u{301}Ada"))"#) == "name")
        #expect(await refusedField(h, "letter.sign", #""comment":\#(Self.literal("\u{20DD} ok"))"#) == "comment")
    }

    @Test(arguments: contactMethods)
    func namesMustContainALetterOrDigit(method: String) async throws {
        let h = try await Harness.make()
        for name in ["!!!", "...", "-", "\u{1F600}", "\u{2764}\u{FE0F}"] {
            #expect(await refusedField(h, method, #""name":\#(Self.literal(name))"#) == "name", "\(method) \(name)")
        }
        #expect(await reason(h, method, #""name":"?!""#)?.contains("letter or digit") == true)
        // A mark that needs a base is not a letter on its own, nor is a Hangul filler.
        #expect(await refusedField(h, method, #""name":\#(Self.literal("\u{3164}\u{94D}"))"#) == "name")
        for (i, name) in ["7", "Ada \u{1F600}", "\u{D55C}"].enumerated() {
            #expect(await refusedField(h, method, #""name":\#(Self.literal(name)),"email":"n\#(i)@example.org""#) == nil, "\(name)")
        }
    }

    @Test func namesInEveryScriptAreAccepted() async throws {
        let h = try await Harness.make()
        let names = [
            "Zo\u{EB} O'Brien-Smith", "\u{645}\u{62D}\u{645}\u{62F}", "\u{5C71}\u{7530}\u{592A}\u{90CE}", "Nguy\u{1EC5}n V\u{103}n A",
            "\u{905}\u{928}\u{941}\u{937}\u{94D}\u{915}\u{93E}", "\u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645}",
            "\u{1F469}\u{200D}\u{1F52C} Dr. Ng", "\u{C2E0}\u{C9C0}\u{C6D0}", "\u{422}\u{430}\u{442}\u{44C}\u{44F}\u{43D}\u{430}",
            "\u{F40}\u{FB2}\u{F74}\u{F44}", "Se\u{301}bastien",
        ]
        for (i, name) in names.enumerated() {
            #expect(await refusedField(h, "letter.sign", #""name":\#(Self.literal(name)),"email":"s\#(i)@example.org""#) == nil, "\(name)")
        }
        #expect(try await h.exportAll().count == names.count)
    }

    // MARK: Country

    @Test func countryMustBeAnAssignedISOCode() async throws {
        let h = try await Harness.make()
        for code in ["XX", "ZZ", "AA", "QM", "XA", "OO", "UK", "EU", "AN", "YU"] {
            #expect(await refusedField(h, "letter.sign", #""country":"\#(code)""#) == "country", "\(code)")
        }
        for (i, code) in ["GB", "US", "AX", "SS", "XK", "ZW", "AD"].enumerated() {
            #expect(await refusedField(h, "letter.sign", #""country":"\#(code)","email":"c\#(i)@example.org""#) == nil, "\(code)")
        }
    }

    @Test func eventLocationCountryFollowsTheSameRule() async throws {
        let h = try await Harness.make()
        func create(_ country: String) async -> JSONValue {
            await h.raw(
                method: "events.create",
                params: .parse(
                    #"{"title":"Rally","description":"D","startsAt":"2027-04-14T08:00:00Z","timeZone":"Europe/London","location":{"city":"Leeds","country":"\#(country)"}}"#
                ))
        }
        #expect(await create("ZZ")["error"]?["data"]?["field"] == .string("location.country"))
        #expect(await create("XK")["result"] != nil)
        #expect(await create("GB")["result"] != nil)
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

    // MARK: One contact

    @Test(arguments: contactMethods)
    func everyContactIsValidatedAlike(method: String) async throws {
        let h = try await Harness.make()
        let cases: [(String, String)] = [
            (#""name":" ""#, "name"),
            (#""name":\#(Self.literal("A\u{202E}B"))"#, "name"),
            (#""email":"not-an-email""#, "email"),
            (#""email":\#(Self.literal("a\u{200B}b@example.org"))"#, "email"),
            (#""email":\#(Self.literal("ab@exa\u{202E}mple.org"))"#, "email"),
            (#""source":"\#(String(repeating: "s", count: 65))""#, "source"),
            (#""client":{"ip":"1.2.3.4.5"}"#, "client.ip"),
            (#""client":{"ip":\#(Self.literal("1.2.3.4\u{0}x"))}"#, "client.ip"),
            (#""client":{"userAgent":\#(Self.literal("\u{2066}"))}"#, "client.userAgent"),
        ]
        for (fields, field) in cases {
            #expect(await refusedField(h, method, fields) == field, "\(method) \(fields)")
        }
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

    @Test func countryTableHoldsTheAssignedCodesAndKosovo() throws {
        #expect(TextRules.assignedCountries.filter { $0 }.count == 250)
        #expect(try TextRules.country("XK", field: "country") == "XK")
        #expect(throws: ResponseError.self) { try TextRules.country("gb", field: "country") }
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
