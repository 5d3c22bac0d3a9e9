import CampaignProtocol
import Testing

/// The fast path may only take requests the full path would answer with a result.
@Suite struct FastRequestMatchTests {
    func match(_ text: String) -> FastRequestMatch.Match? {
        Array(text.utf8).withUnsafeBufferPointer { FastRequestMatch.parameterless($0, method: Array("signatures.count".utf8)) }
    }

    func id(_ text: String) -> String? {
        guard case .request(let start, let end)? = match(text) else { return nil }
        return String(decoding: Array(text.utf8)[start..<end], as: UTF8.self)
    }

    @Test(arguments: [
        (#"{"jsonrpc":"2.0","method":"signatures.count","id":7}"#, "7"),
        (#" { "id" : "abc" , "method" : "signatures.count" , "jsonrpc" : "2.0" } "#, #""abc""#),
        (#"{"jsonrpc":"2.0","method":"signatures.count","params":{ },"id":-1.5e3}"#, "-1.5e3"),
        (#"{"jsonrpc":"2.0","method":"signatures.count","id":null}"#, "null"),
        (#"{"jsonrpc":"2.0","method":"signatures.count","id":0}"#, "0"),
    ])
    func plainRequestsAreMatchedWithTheirIDAsWritten(text: String, expected: String) {
        #expect(id(text) == expected)
    }

    @Test func aNotificationIsMatchedWithoutID() {
        #expect(match(#"{"jsonrpc":"2.0","method":"signatures.count"}"#) == .notification)
    }

    @Test(arguments: [
        #"{"jsonrpc":"2.0","method":"signatures.list","id":1}"#,
        #"{"jsonrpc":"2.0","method":"signatures.count","id":1,"x":1}"#,
        #"{"jsonrpc":"2.0","method":"signatures.count","params":{"a":1},"id":1}"#,
        #"{"jsonrpc":"2.0","method":"signatures.count","params":null,"id":1}"#,
        #"{"jsonrpc":"2.0","method":"signatures.count","params":[],"id":1}"#,
        #"{"jsonrpc":"2.0","method":"signatures.count","id":1,"id":2}"#,
        #"{"jsonrpc":"2.0","method":"signatures.count","id":01}"#,
        #"{"jsonrpc":"2.0","method":"signatures.count","id":true}"#,
        #"{"jsonrpc":"2.0","method":"signatures.count","id":{}}"#,
        #"{"jsonrpc":"2.0","method":"signatures.count","id":"a\"b"}"#,
        #"{"jsonrpc":"2.0","method":"signatures.count","id":"é"}"#,
        #"{"jsonrpc":"1.0","method":"signatures.count","id":1}"#,
        #"{"method":"signatures.count","id":1}"#,
        #"{"jsonrpc":"2.0","method":"signatures\u002ecount","id":1}"#,
        #"[{"jsonrpc":"2.0","method":"signatures.count","id":1}]"#,
        #"{"jsonrpc":"2.0","method":"signatures.count","id":1} x"#,
        #"{"jsonrpc":"2.0","method":"signatures.count","id":1"#,
        "{}",
        "",
    ])
    func anythingElseTakesTheFullPath(text: String) {
        #expect(match(text) == nil)
    }
}
