import Foundation
import Testing

/// What a stranger on the public socket can learn about whether an email signed, pledged or RSVPed:
/// nothing. The replies of the three actions are the same bytes for a new and a repeated person, and
/// no figure a public client can read moves until the person confirms.
@Suite(.serialized) struct DisclosureWireTests {
    /// Sends one request line and returns the reply line as it came.
    func rawReply(_ client: LineClient, _ method: String, _ params: String, id: Int = 1) throws -> String {
        client.send(#"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)}"# + "\n")
        guard let line = client.readLine() else { throw TestFailure("no reply to \(method)") }
        return line
    }

    static let sign = #"{"name":"Ada","email":"ada@example.org"}"#
    static let pledge = #"{"name":"Ada","email":"ada@example.org","amount":{"amountMinor":2500,"currency":"USD"},"idempotencyKey":"k1"}"#
    static let rsvp = #"{"eventId":"connect-2027-protest","name":"Ada","email":"ada@example.org","guests":1}"#

    @Test func theRepliesOfANewAndARepeatedPersonAreTheSameBytes() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        defer { server.stop() }
        let client = try LineClient(path: dir + "/public.sock")
        for (method, params) in [("letter.sign", Self.sign), ("pledges.create", Self.pledge), ("rsvps.create", Self.rsvp)] {
            let first = try rawReply(client, method, params)
            let again = try rawReply(client, method, params)
            #expect(first == again, "\(method)")
            #expect(first == #"{"jsonrpc":"2.0","id":1,"result":{"accepted":true,"confirmationRequired":true}}"#, "\(method)")
        }
    }

    @Test func nothingAPublicClientReadsMovesForAnUnconfirmedAction() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        defer { server.stop() }
        let client = try LineClient(path: dir + "/public.sock")
        let reads = [
            ("signatures.count", "{}"), ("campaign.get", "{}"), ("events.list", "{}"),
            ("events.get", #"{"eventId":"connect-2027-protest"}"#), ("fundraiser.get", "{}"), ("signatures.list", "{}"),
            ("pledges.recent", "{}"),
        ]
        func snapshot() throws -> [String] { try reads.map { try rawReply(client, $0.0, $0.1) } }
        let before = try snapshot()
        for (method, params) in [("letter.sign", Self.sign), ("pledges.create", Self.pledge), ("rsvps.create", Self.rsvp)] {
            _ = try rawReply(client, method, params)
        }
        #expect(try snapshot() == before)
        // The organisers see them.
        let admin = try LineClient(path: dir + "/admin.sock")
        #expect(JSON.result(try admin.call("signatures.count"))?["pending"] as? Int == 1)
        let event = JSON.result(try admin.call("events.get", #"{"eventId":"connect-2027-protest"}"#))
        #expect(event?["going"] as? Int == 2)
    }

    @Test func rpcDiscoverOnThePublicSocketShowsNoOrganiserShapes() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        defer { server.stop() }
        let client = try LineClient(path: dir + "/public.sock")
        let line = try rawReply(client, "rpc.discover", "{}")
        for shape in ["OutboxMessage", "SignatureRecord", "\"Stats\"", "RSVPRecord"] {
            #expect(!line.contains(shape), "\(shape)")
        }
        let admin = try LineClient(path: dir + "/admin.sock")
        #expect(try rawReply(admin, "rpc.discover", "{}").contains("OutboxMessage"))
    }
}
