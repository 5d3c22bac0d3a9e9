import CampaignProtocol
import Testing

@Suite struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#" {"a":[1,-2.5e3,true,false,null,"x\u00e9\n\ud83c\udf0d"],"b":{}} "#)
        #expect(value["a"] == .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null, .string("xé\n🌍")]))
        #expect(value["b"] == .object([:]))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "\"\u{1}\"", "\"\\x\"", "\"\\ud800\"", "tru", "{} x", "[1 2]"])
    func refusesMalformedInput(text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func nestingLimitIsEnforced() throws {
        _ = try JSONParser.parse(String(repeating: "[", count: 64) + String(repeating: "]", count: 64), maxDepth: 64)
        #expect(throws: JSONParser.Failure.tooDeep(limit: 64)) {
            try JSONParser.parse(String(repeating: "[", count: 65) + String(repeating: "]", count: 65), maxDepth: 64)
        }
    }

    @Test func duplicateMembersAreRefused() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(#"{"a":1,"a":2}"#) }
    }

    @Test func writerRoundTripsStrings() throws {
        let text = "quote \" backslash \\ newline \n tab \t nul \u{0} line-sep \u{2028} emoji 🌍"
        #expect(try JSONParser.parse(JSONWriter.string(.string(text))) == .string(text))
    }
}

@Suite struct StrictDecoderTests {
    struct Inner: Codable, Equatable { var ip: String? }
    struct Outer: Codable, Equatable {
        var name: String
        var count: Int?
        var inner: Inner?
        var list: [Inner]?
    }

    @Test func decodesKnownFields() throws {
        let value = try JSONParser.parse(#"{"name":"a","count":3,"inner":{"ip":"x"},"list":[{}]}"#)
        #expect(
            try JSONValueDecoder().decode(Outer.self, from: value) == Outer(name: "a", count: 3, inner: Inner(ip: "x"), list: [Inner()]))
    }

    func failure(_ json: String) -> (String, String)? {
        do {
            _ = try JSONValueDecoder().decode(Outer.self, from: try JSONParser.parse(json))
            return nil
        } catch let error as DecodingError {
            return error.fieldAndReason
        } catch {
            return ("?", "\(error)")
        }
    }

    @Test func unknownFieldsAreNamedWithTheirPath() {
        #expect(failure(#"{"name":"a","nmae":"b"}"#)?.0 == "nmae")
        #expect(failure(#"{"name":"a","inner":{"ipp":"x"}}"#)?.0 == "inner.ipp")
        #expect(failure(#"{"name":"a","list":[{},{"x":1}]}"#)?.0 == "list[1].x")
    }

    @Test func missingAndMistypedFieldsAreNamed() {
        #expect(failure(#"{}"#)?.0 == "name")
        #expect(failure(#"{"name":1}"#)?.0 == "name")
        #expect(failure(#"{"name":"a","count":1.5}"#)?.0 == "count")
        #expect(failure(#"{"name":"a","count":"1"}"#)?.0 == "count")
        #expect(failure(#"{"name":"a","inner":[]}"#)?.0 == "inner")
    }

    @Test func integersOfEveryWidthDecodeWithinTheirRange() throws {
        struct Widths: Decodable, Equatable {
            var byte: UInt8
            var short: Int16
            var word: UInt32
            var ratio: Float
        }
        let value = try JSONParser.parse(#"{"byte":255,"short":-32768,"word":4294967295,"ratio":0.5}"#)
        #expect(
            try JSONValueDecoder().decode(Widths.self, from: value) == Widths(byte: 255, short: -32768, word: 4_294_967_295, ratio: 0.5))
        do {
            _ = try JSONValueDecoder().decode([UInt8].self, from: try JSONParser.parse("[1,256]"))
            Issue.record("256 decoded as a UInt8")
        } catch let error as DecodingError {
            #expect(error.fieldAndReason.field == "[1]")
        }
    }

    @Test func lenientModeIgnoresUnknownFields() throws {
        let value = try JSONParser.parse(#"{"name":"a","future":true}"#)
        #expect(try JSONValueDecoder(strict: false).decode(Outer.self, from: value).name == "a")
    }

    @Test func wireEnumsListTheAllowedValues() {
        do {
            _ = try JSONValueDecoder().decode(SignatureFilter.self, from: .string("everything"))
            Issue.record("accepted an unknown value")
        } catch let error as DecodingError {
            #expect(error.fieldAndReason.1.contains(#""featured""#))
        } catch {
            Issue.record("\(error)")
        }
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2026-11-30T12:00:00Z", "2026-11-30T12:00:00Z"),
        ("2027-04-14T08:00:00-07:00", "2027-04-14T15:00:00Z"),
        ("2027-04-14T08:00:00.250+02:00", "2027-04-14T06:00:00.250Z"),
        ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"),
        ("2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"),
    ])
    func parsesAnyOffsetAndWritesUTC(input: String, expected: String) throws {
        #expect(try #require(Timestamp(rfc3339: input)).description == expected)
    }

    @Test(arguments: ["2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-30 12:00:00Z", "2026-11-30T12:00:00", "yesterday"])
    func refusesWhatIsNotRFC3339(input: String) {
        #expect(Timestamp(rfc3339: input) == nil)
    }
}

@Suite struct MethodListTests {
    @Test func methodNamesAreUniqueAndAdminMethodsAreMarked() {
        let names = Methods.all.map { $0.method }
        #expect(Set(names).count == names.count)
        for admin in [
            "letter.update", "letter.setStatus", "signatures.export", "signatures.moderate", "outbox.claim", "outbox.ack",
            "service.stats", "campaign.import",
        ] {
            #expect(Methods.all.first { $0.method == admin }?.role == .admin, "\(admin)")
        }
    }
}

/// Inputs the fuzzer found (Fuzz/findings/).
@Suite struct FuzzFindingsTests {
    @Test(arguments: ["0000-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "0000-06-01T00:00:00Z"])
    func timestampsOutsideFourDigitYearsInUTCAreRefused(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test(arguments: ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:59:59-01:00"])
    func timestampsAtTheEdgesRoundTrip(text: String) throws {
        let t = try #require(Timestamp(rfc3339: text))
        #expect(Timestamp(rfc3339: t.description) == t)
    }
}
