import CampaignProtocol
import Testing

@testable import CampaignService

/// JSON-RPC 2.0 as the specification's section 7 shows it, adapted to this service's methods (SPEC §1).
@Suite struct JSONRPCEngineTests {
    @Test func callWithNamedParamsGetsResultWithSameID() async throws {
        let h = try await Harness.make()
        let reply = try #require(await h.frame(#"{"jsonrpc":"2.0","method":"signatures.list","params":{"limit":5},"id":3}"#))
        #expect(reply["id"] == JSONValue(3))
        #expect(reply["jsonrpc"] == .string("2.0"))
        #expect(reply["result"]?["items"] == .array([]))
    }

    @Test func notificationGetsNoReply() async throws {
        let h = try await Harness.make()
        #expect(await h.frame(#"{"jsonrpc":"2.0","method":"signatures.count"}"#) == nil)
        #expect(await h.frame(#"{"jsonrpc":"2.0","method":"no.such"}"#) == nil)
    }

    @Test func unknownMethodIsMethodNotFound() async throws {
        let h = try await Harness.make()
        let reply = try #require(await h.frame(#"{"jsonrpc":"2.0","method":"foobar","id":"1"}"#))
        #expect(reply["error"]?["code"] == JSONValue(-32601))
        #expect(reply["id"] == .string("1"))
    }

    @Test func invalidJSONIsParseErrorWithNullID() async throws {
        let h = try await Harness.make()
        let reply = try #require(await h.frame(#"{"jsonrpc":"2.0","method":"foobar,"params":"bar","baz]"#))
        #expect(reply["error"]?["code"] == JSONValue(-32700))
        #expect(reply["id"] == .null)
    }

    @Test func invalidRequestObjectIsInvalidRequest() async throws {
        let h = try await Harness.make()
        let reply = try #require(await h.frame(#"{"jsonrpc":"2.0","method":1,"params":"bar"}"#))
        #expect(reply["error"]?["code"] == JSONValue(-32600))
        #expect(reply["id"] == .null)
    }

    @Test func batchWithInvalidJSONIsOneParseError() async throws {
        let h = try await Harness.make()
        let reply = try #require(await h.frame(#"[{"jsonrpc":"2.0","method":"signatures.count","id":"1"},{"jsonrpc":"2.0","method""#))
        #expect(reply["error"]?["code"] == JSONValue(-32700))
    }

    @Test func emptyBatchIsOneInvalidRequest() async throws {
        let h = try await Harness.make()
        let reply = try #require(await h.frame("[]"))
        #expect(reply["error"]?["code"] == JSONValue(-32600))
        #expect(reply["id"] == .null)
    }

    @Test func batchOfOneNonRequestIsArrayOfOneError() async throws {
        let h = try await Harness.make()
        let reply = try #require(await h.frame("[1]"))
        #expect(reply.arrayValue?.count == 1)
        #expect(reply.arrayValue?.first?["error"]?["code"] == JSONValue(-32600))
    }

    @Test func batchOfThreeNonRequestsIsThreeErrors() async throws {
        let h = try await Harness.make()
        let reply = try #require(await h.frame("[1,2,3]"))
        #expect(reply.arrayValue?.count == 3)
        #expect(reply.arrayValue?.allSatisfy { $0["error"]?["code"] == JSONValue(-32600) && $0["id"] == .null } == true)
    }

    @Test func mixedBatchAnswersRequestsOnly() async throws {
        let h = try await Harness.make()
        let reply = try #require(
            await h.frame(
                """
                [
                  {"jsonrpc":"2.0","method":"signatures.count","id":"1"},
                  {"jsonrpc":"2.0","method":"signatures.count"},
                  {"jsonrpc":"2.0","method":"letter.get","id":"2"},
                  {"foo":"boo"},
                  {"jsonrpc":"2.0","method":"foo.get","params":{"name":"myself"},"id":"5"},
                  {"jsonrpc":"2.0","method":"service.health","id":"9"}
                ]
                """))
        let items = try #require(reply.arrayValue)
        #expect(items.count == 5)
        let byID = Dictionary(
            items.compactMap { item in item["id"].map { (JSONWriter.string($0), item) } }, uniquingKeysWith: { a, _ in a })
        #expect(byID[#""1""#]?["result"]?["confirmed"] == JSONValue(0))
        #expect(byID[#""2""#]?["result"]?["status"] == .string("open"))
        #expect(byID[#""5""#]?["error"]?["code"] == JSONValue(-32601))
        #expect(byID[#""9""#]?["result"]?["status"] == .string("ok"))
        #expect(byID["null"]?["error"]?["code"] == JSONValue(-32600))
    }

    @Test func allNotificationBatchGetsNoReply() async throws {
        let h = try await Harness.make()
        let reply = await h.frame(#"[{"jsonrpc":"2.0","method":"signatures.count"},{"jsonrpc":"2.0","method":"service.health"}]"#)
        #expect(reply == nil)
    }

    @Test(arguments: [#""abc""#, "0", "-7", "1.5e3", "12345678901234567890", "null", #""""#])
    func idIsEchoedAsGiven(id: String) async throws {
        let h = try await Harness.make()
        let reply = try #require(
            await h.core.dispatcher.respond(
                to: Array(#"{"jsonrpc":"2.0","method":"service.health","id":\#(id)}"#.utf8), context: CallContext(role: .public)))
        #expect(String(decoding: reply, as: UTF8.self).hasPrefix(#"{"jsonrpc":"2.0","id":\#(id),"result":"#))
    }

    @Test func positionalParamsAreInvalidParams() async throws {
        let h = try await Harness.make()
        let reply = try #require(await h.frame(#"{"jsonrpc":"2.0","method":"signatures.list","params":[5],"id":1}"#))
        #expect(reply["error"]?["code"] == JSONValue(-32602))
    }

    @Test func nullParamsAreInvalidRequest() async throws {
        let h = try await Harness.make()
        let reply = try #require(await h.frame(#"{"jsonrpc":"2.0","method":"signatures.count","params":null,"id":1}"#))
        #expect(reply["error"]?["code"] == JSONValue(-32600))
        #expect(reply["id"] == JSONValue(1))
    }

    @Test func missingJSONRPCVersionIsInvalidRequest() async throws {
        let h = try await Harness.make()
        #expect(await h.frame(#"{"method":"service.health","id":1}"#)?["error"]?["code"] == JSONValue(-32600))
        #expect(await h.frame(#"{"jsonrpc":"1.0","method":"service.health","id":1}"#)?["error"]?["code"] == JSONValue(-32600))
    }

    @Test func unknownParamsFieldIsRefusedNamingIt() async throws {
        let h = try await Harness.make()
        let reply = try #require(await h.frame(#"{"jsonrpc":"2.0","method":"signatures.list","params":{"limt":5},"id":1}"#))
        #expect(reply["error"]?["code"] == JSONValue(-32602))
        #expect(reply["error"]?["data"]?["field"] == .string("limt"))
    }

    @Test func unknownNestedFieldIsRefusedWithItsPath() async throws {
        let h = try await Harness.make()
        let reply = await h.raw(
            method: "letter.sign", params: .parse(#"{"name":"A","email":"a@example.org","client":{"ipp":"1.2.3.4"}}"#),
            role: .public)
        #expect(reply["error"]?["data"]?["field"] == .string("client.ipp"))
        #expect(try await h.exportAll().isEmpty)
    }

    @Test func unknownFieldOnParameterlessMethodIsRefused() async throws {
        let h = try await Harness.make()
        #expect(await h.errorCode("signatures.count", .parse(#"{"x":1}"#)) == -32602)
        #expect(await h.errorCode("rpc.discover", .parse(#"{"x":1}"#)) == -32602)
    }

    @Test func unknownEnvelopeMemberIsInvalidRequest() async throws {
        let h = try await Harness.make()
        #expect(await h.frame(#"{"jsonrpc":"2.0","method":"service.health","id":1,"extra":true}"#)?["error"]?["code"] == JSONValue(-32600))
    }

    @Test func batchOverLimitIsOneInvalidRequest() async throws {
        let h = try await Harness.make()
        let batch = "[" + Array(repeating: #"{"jsonrpc":"2.0","method":"service.health","id":1}"#, count: 101).joined(separator: ",") + "]"
        let reply = try #require(await h.frame(batch))
        #expect(reply["error"]?["code"] == JSONValue(-32600))
        let full = "[" + Array(repeating: #"{"jsonrpc":"2.0","method":"service.health","id":1}"#, count: 100).joined(separator: ",") + "]"
        #expect(await h.frame(full)?.arrayValue?.count == 100)
    }

    @Test func deepNestingIsRefused() async throws {
        let h = try await Harness.make()
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let reply = try #require(await h.frame(deep))
        #expect(reply["error"]?["code"] == JSONValue(-32600))
        let params =
            #"{"jsonrpc":"2.0","id":1,"method":"signatures.list","params":{"after":"#
            + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "}}"
        #expect(await h.frame(params)?["error"]?["code"] == JSONValue(-32600))
    }

    @Test func duplicateMemberIsParseError() async throws {
        let h = try await Harness.make()
        #expect(await h.frame(#"{"jsonrpc":"2.0","id":1,"id":2,"method":"service.health"}"#)?["error"]?["code"] == JSONValue(-32700))
    }

    @Test func wrongTypeNamesTheField() async throws {
        let h = try await Harness.make()
        let reply = await h.raw(method: "signatures.list", params: .parse(#"{"limit":"5"}"#))
        #expect(reply["error"]?["data"]?["field"] == .string("limit"))
        let fraction = await h.raw(method: "signatures.list", params: .parse(#"{"limit":5.0}"#))
        #expect(fraction["error"]?["data"]?["field"] == .string("limit"))
    }
}

/// The event-loop path for `signatures.count` answers byte for byte as the dispatcher does.
@Suite struct FastCountTests {
    @Test(arguments: ["1", "0", #""req-9""#, "null", "-2.5e1"])
    func fastCountReplyEqualsTheDispatchersReply(id: String) async throws {
        let h = try await Harness.make()
        _ = try await h.call(SignLetter(name: "A", email: "a@example.org"), role: .public)
        let request = #"{"jsonrpc":"2.0","method":"signatures.count","id":\#(id)}"#
        let general = try #require(await h.core.dispatcher.respond(to: Array(request.utf8), context: CallContext(role: .public)))
        let result = try h.core.store.encodedSignatureCounts(role: .public)
        var fast = Array(#"{"jsonrpc":"2.0","id":"#.utf8) + Array(id.utf8) + Array(#","result":"#.utf8) + result
        fast.append(UInt8(ascii: "}"))
        #expect(String(decoding: fast, as: UTF8.self) == String(decoding: general, as: UTF8.self))
    }

    @Test func cachedCountsFollowEveryCommit() async throws {
        let h = try await Harness.make()
        for i in 1...5 {
            _ = try await h.call(SignLetter(name: "A", email: "a\(i)@example.org"), role: .public)
            let counts = try JSONParser.parse(try h.core.store.encodedSignatureCounts(role: .admin))
            #expect(counts["pending"] == JSONValue(i))
            // The public figures do not move until a signature is confirmed.
            #expect(try JSONParser.parse(try h.core.store.encodedSignatureCounts(role: .public))["confirmed"] == JSONValue(0))
        }
    }
}

/// Results that write their own JSON write exactly what the shared encoder would.
@Suite struct DirectJSONTests {
    @Test(arguments: [5000, nil] as [Int?])
    func directJSONEqualsTheEncoder(goal: Int?) throws {
        for pending in [3, nil] as [Int?] {
            let counts = SignatureCounts(confirmed: 12, pending: pending, organizations: 1, customers: 7, goal: goal)
            #expect(counts.jsonBytes == Array(try JSONCoding.shared.encode(counts)))
        }
        for flags in [(true, true), (true, false), (false, true)] {
            let receipt = Acceptance(accepted: flags.0, confirmationRequired: flags.1)
            #expect(receipt.jsonBytes == Array(try JSONCoding.shared.encode(receipt)))
        }
    }

    @Test func claimedMessagesAreWrittenAsTheEncoderWouldWithEveryKindOfText() throws {
        // Every control character, quotes, backslashes, slashes, non-ASCII and an emoji, in every string field.
        let awkward = String((0..<0x20).map { Character(UnicodeScalar($0)) }) + #"" \ / é 中 🚌 "# + "\u{7F}\u{2028}"
        func message(_ text: String, token: String?) -> OutboxMessage {
            OutboxMessage(
                id: "out_\(text)", kind: .signatureConfirm, to: Addressee(name: text, email: "\(text)@example.org"), token: token,
                subject: MessageSubject(kind: .pledge, id: "pl_\(text)", title: text),
                createdAt: Timestamp(millisecondsSince1970: 1_800_000_000_123),
                leaseExpiresAt: Timestamp(millisecondsSince1970: 1_800_000_300_000))
        }
        for messages in [[], [message("Ada", token: "tok")], [message(awkward, token: nil), message("Bo", token: awkward)]] {
            let result = ClaimOutbox.Result(messages: messages)
            let direct = String(decoding: result.jsonBytes, as: UTF8.self)
            #expect(direct == String(decoding: try JSONCoding.shared.encode(result), as: UTF8.self))
        }
    }
}
