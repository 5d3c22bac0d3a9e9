import CampaignProtocol
import Foundation
import Testing

@Suite struct JSONValueEncoderTests {
    /// What the encoder replaces: bytes from `JSONEncoder`, parsed again.
    func viaBytes(_ value: some Encodable) throws -> JSONValue {
        try JSONParser.parse(Array(JSONEncoder().encode(value)), maxDepth: 512)
    }

    struct Inner: Codable, Hashable {
        var ip: String
        var port: Int?
    }

    struct Outer: Codable, Hashable {
        var name: String
        var count: Int
        var big: Int64
        var small: UInt8
        var ratio: Double
        var flag: Bool
        var note: String?
        var inner: Inner
        var list: [Inner]
        var grid: [[Int]]
        var byName: [String: Int]
        var byNumber: [Int: String]
        var at: Timestamp
        var filter: SignatureFilter
        var extra: JSONValue?
    }

    static let outer = Outer(
        name: "Ada \"Lovelace\" / \u{1F30D}\n", count: -3, big: Int64.max, small: 255, ratio: 2.5, flag: true, note: nil,
        inner: Inner(ip: "203.0.113.9", port: 8080), list: [Inner(ip: "a", port: nil), Inner(ip: "b", port: 1)], grid: [[1, 2], [], [3]],
        byName: ["x": 1, "y": 2], byNumber: [7: "seven"], at: Timestamp(millisecondsSince1970: 1_790_000_000_250), filter: .featured,
        extra: .object(["n": .number("2"), "a": .array([.null, .bool(false)])]))

    @Test func encodesWhatJSONEncoderAndTheParserGive() throws {
        #expect(try JSONValueEncoder().encode(Self.outer) == viaBytes(Self.outer))
    }

    @Test func contractValuesEncodeAsTheyDidThroughBytes() throws {
        let sign = SignLetter(
            name: "Ada", email: "ada@example.org", showName: true, client: ClientInfo(ip: "203.0.113.9", userAgent: "test"))
        #expect(try JSONValueEncoder().encode(sign) == viaBytes(sign))
        let changed = CampaignChanged(events: [])
        #expect(try JSONValueEncoder().encode(changed) == viaBytes(changed))
        #expect(try JSONValueEncoder().encode(GetCampaign()) == viaBytes(GetCampaign()))
        #expect(
            try JSONValueEncoder().encode(Subscribe(topics: [.signatures, .events])) == viaBytes(Subscribe(topics: [.signatures, .events])))
    }

    @Test func roundTripsThroughTheDecoder() throws {
        let tree = try JSONValueEncoder().encode(Self.outer)
        #expect(try JSONValueDecoder(strict: true).decode(Outer.self, from: tree) == Self.outer)
        // And the written text parses back to the same tree.
        #expect(try JSONParser.parse(JSONWriter.string(tree), maxDepth: 64) == tree)
    }

    @Test func absentOptionalsAreLeftOutAndExplicitNilsAreNull() throws {
        let tree = try JSONValueEncoder().encode(Self.outer)
        #expect(tree.objectValue?.keys.contains("note") == false)
        #expect(tree["list"]?.arrayValue?.first?.objectValue?.keys.contains("port") == false)

        struct ExplicitNull: Encodable {
            var value: Int?
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: AnyKey.self)
                try c.encode(value, forKey: AnyKey("value"))
                try c.encodeNil(forKey: AnyKey("none"))
            }
        }
        #expect(try JSONValueEncoder().encode(ExplicitNull()) == .object(["value": .null, "none": .null]))
        #expect(try JSONValueEncoder().encode([1, nil, 3] as [Int?]) == .array([JSONValue(1), .null, JSONValue(3)]))
    }

    @Test func jsonValuesKeepTheirNumberText() throws {
        // Through bytes this was 1.5: the one place where the tree is more faithful than the round trip.
        #expect(try JSONValueEncoder().encode(["n": JSONValue.number("1.50")]) == .object(["n": .number("1.50")]))
        // Also when a type hands its encoder to JSONValue.encode(to:) itself.
        #expect(try JSONValueEncoder().encode(RequestID.number("1.0")) == .number("1.0"))
    }

    @Test func floatsAreWrittenAsJSONEncoderWritesThem() throws {
        let values: [Double] = [0, -0.0, 3, 0.1, 2.5e-8, 1e20, 123_456_789.125, Double.leastNonzeroMagnitude]
        #expect(try JSONValueEncoder().encode(values) == viaBytes(values))
        #expect(try JSONValueEncoder().encode([Float(0.1), 7]) == viaBytes([Float(0.1), 7]))
        #expect(try JSONValueEncoder().encode(3.0) == .number("3"))
    }

    @Test func nonFiniteFloatsAreRefused() {
        #expect(throws: EncodingError.self) { try JSONValueEncoder().encode(["ratio": Double.nan]) }
        #expect(throws: EncodingError.self) { try JSONValueEncoder().encode([Double.infinity]) }
    }

    @Test func foundationValuesUseJSONEncodersDefaultStrategies() throws {
        struct Values: Codable {
            var date = Date(timeIntervalSinceReferenceDate: 12.5)
            var data = Data([0, 1, 2, 250])
            var url = URL(string: "https://example.org/a?b=c")
            var decimal = Decimal(string: "12.34")
        }
        #expect(try JSONValueEncoder().encode(Values()) == viaBytes(Values()))
    }

    /// Writes through every kind of container, as hand-written `encode(to:)` methods may.
    struct Containers: Encodable {
        func encode(to encoder: any Encoder) throws {
            var top = encoder.container(keyedBy: AnyKey.self)
            try top.encode("t", forKey: AnyKey("title"))
            var nested = top.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("nested"))
            var list = top.nestedUnkeyedContainer(forKey: AnyKey("list"))
            try list.encode(1)
            var inList = list.nestedContainer(keyedBy: AnyKey.self)
            var listInList = list.nestedUnkeyedContainer()
            try listInList.encode("deep")
            try inList.encode(true, forKey: AnyKey("inList"))
            try list.encodeNil()
            try Inner(ip: "x", port: 1).encode(to: list.superEncoder())
            // Written after the containers were handed out: still lands in place.
            try nested.encode(2, forKey: AnyKey("late"))
            try Inner(ip: "s", port: nil).encode(to: top.superEncoder())
            try [1, 2].encode(to: top.superEncoder(forKey: AnyKey("custom")))
            // The same encoder's keyed container, asked for again, is the same object.
            var again = encoder.container(keyedBy: AnyKey.self)
            try again.encode("again", forKey: AnyKey("second"))
        }
    }

    @Test func nestedAndSuperEncodersWriteIntoTheirParent() throws {
        let tree = try JSONValueEncoder().encode(Containers())
        #expect(tree == (try viaBytes(Containers())))
        #expect(tree["nested"]?["late"] == JSONValue(2))
        #expect(tree["super"]?["ip"] == .string("s"))
        #expect(tree["custom"] == .array([JSONValue(1), JSONValue(2)]))
        #expect(tree["second"] == .string("again"))
        #expect(tree["list"]?.arrayValue?.count == 5)
    }

    @Test func aTypeThatEncodesNothingIsAnEmptyObject() throws {
        struct Nothing: Encodable {
            func encode(to encoder: any Encoder) throws {}
        }
        #expect(try JSONValueEncoder().encode(Nothing()) == .object([:]))
        #expect(try JSONValueEncoder().encode(["inner": Nothing()]) == .object(["inner": .object([:])]))
    }

    @Test func errorsNameThePathOfTheValue() {
        struct Bad: Encodable {
            var list = [1.0, .nan]
        }
        do {
            _ = try JSONValueEncoder().encode(["outer": Bad()])
            Issue.record("NaN encoded")
        } catch let EncodingError.invalidValue(_, context) {
            #expect(context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue } == ["outer", "list", "1"])
        } catch {
            Issue.record("\(error)")
        }
    }
}
