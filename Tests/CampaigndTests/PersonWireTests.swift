import Foundation
import GRDB
import Testing

/// `person.export`, `person.erase` and `--anonymise-after` against a real campaignd, through its sockets and
/// `campaignctl`, and the bytes of its state directory while it runs.
@Suite(.serialized) struct PersonWireTests {
    static let email = "Rowan.Quill+petition@Example.org"
    static let stored = "Rowan.Quill+petition@example.org"
    static let ip = "198.51.100.203"
    static let ipBytes: [UInt8] = [198, 51, 100, 203]
    static let phone = "+1 (415) 555-0199"
    static let agent = "PersonWireBrowser/2.1"
    static let postalCode = "94110-3321"
    static let secrets = [stored, "rowan.quill", "Rowan Quill", ip, phone, agent, postalCode]

    /// A signature (confirmed; its message delivered), a pledge whose message was given up and an RSVP
    /// whose message is retried, all from one address.
    static func seed(public web: LineClient, admin: LineClient) throws {
        let client = #""client":{"ip":"\#(ip)","userAgent":"\#(agent)"}"#
        let sign = try web.call(
            "letter.sign",
            #"{"name":"Rowan Quill","email":"\#(email)","postalCode":"\#(postalCode)","organization":"Quill & Sons","showName":true,\#(client)}"#
        )
        #expect(JSON.result(sign)?["accepted"] as? Bool == true)
        let confirm = try #require(try claim(admin).first)
        let token = try #require(confirm["token"] as? String)
        #expect(JSON.result(try web.call("tokens.confirm", #"{"token":"\#(token)"}"#)) != nil)
        #expect(JSON.result(try admin.call("outbox.ack", #"{"ids":["\#(confirm["id"] as? String ?? "")"]}"#)) != nil)
        _ = try web.call(
            "pledges.create", #"{"name":"Rowan Quill","email":"\#(email)","amount":{"amountMinor":1500,"currency":"USD"},\#(client)}"#)
        _ = try web.call(
            "rsvps.create", #"{"eventId":"connect-2027-protest","name":"Rowan Quill","email":"\#(email)","phone":"\#(phone)",\#(client)}"#)
        let messages = try claim(admin)
        #expect(messages.count == 2)
        for message in messages {
            let id = message["id"] as? String ?? ""
            let kind = message["kind"] as? String
            let failure =
                kind == "pledge.confirm"
                ? #"{"ids":["\#(id)"],"permanent":true,"reason":"550 no such user \#(stored)"}"#
                : #"{"ids":["\#(id)"],"permanent":false,"reason":"451 greylisted"}"#
            #expect(JSON.result(try admin.call("outbox.fail", failure)) != nil)
        }
    }

    /// A reply's result as JSON with sorted keys, to compare two of them.
    static func canonical(_ result: [String: Any]?) throws -> Data {
        try JSONSerialization.data(withJSONObject: result ?? [:], options: .sortedKeys)
    }

    static func claim(_ admin: LineClient) throws -> [[String: Any]] {
        JSON.result(try admin.call("outbox.claim", #"{"limit":100}"#))?["messages"] as? [[String: Any]] ?? []
    }

    /// The person's values found in the state directory's database files.
    static func scan(_ state: String) -> [String] {
        var found: [String] = []
        for file in ["campaign.sqlite", "campaign.sqlite-wal", "campaign.sqlite-shm"] {
            guard let data = FileManager.default.contents(atPath: state + "/" + file) else { continue }
            let bytes = [UInt8](data)
            let lowered = bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
            for secret in secrets where lowered.firstRange(of: Array(secret.lowercased().utf8)) != nil {
                found.append("\(secret) in \(file)")
            }
            if bytes.firstRange(of: ipBytes) != nil { found.append("the address's bytes in \(file)") }
        }
        return found
    }

    @Test func eraseThroughCampaignctlLeavesNoTraceInTheRunningServicesFiles() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        let web = try LineClient(path: dir + "/public.sock")
        let admin = try LineClient(path: dir + "/admin.sock")
        try Self.seed(public: web, admin: admin)
        let state = dir + "/state"
        #expect(!Self.scan(state).isEmpty, "the positive control found nothing to erase")

        let (exportStatus, exported) = try Campaignctl.run(["--socket", dir + "/admin.sock", "person", "export", "rowan.quill@example.org"])
        #expect(exportStatus == 0)
        #expect(exported.contains("signatures: 1") && exported.contains("pledges: 1") && exported.contains("rsvps: 1"))
        #expect(exported.contains(Self.phone) && exported.contains(Self.ip) && exported.contains("messages held: 2"))
        let countsBefore = JSON.result(try admin.call("signatures.count"))
        let fundraiserBefore = JSON.result(try admin.call("fundraiser.get"))

        // Without a terminal (stdin from /dev/null, whatever the test runner's) and without --yes, nothing is erased.
        let (refusedStatus, _) = try runToEnd(
            "/bin/sh",
            [
                "-c", #"exec "$0" "$@" </dev/null"#, Paths.buildDirectory + "/campaignctl", "--socket", dir + "/admin.sock", "person",
                "erase", Self.email,
            ])
        #expect(refusedStatus != 0)
        let (status, output) = try Campaignctl.run(["--socket", dir + "/admin.sock", "person", "erase", Self.email, "--yes", "--json"])
        #expect(status == 0, "\(output)")
        let erased = try JSON.object(output)
        #expect(erased["signatures"] as? Int == 1 && erased["pledges"] as? Int == 1 && erased["rsvps"] as? Int == 1)
        #expect(erased["messages"] as? Int == 2 && erased["tokens"] as? Int == 3 && erased["addressLimitRows"] as? Int == 3)
        #expect(erased["walCheckpointed"] as? Bool == true)

        let (_, after) = try Campaignctl.run(["--socket", dir + "/admin.sock", "person", "export", Self.email, "--json"])
        let records = try JSON.object(after)
        for kind in ["signatures", "pledges", "rsvps", "messages", "tokens"] {
            #expect((records[kind] as? [Any])?.isEmpty == true, "\(kind)")
        }
        #expect(try Self.canonical(JSON.result(try admin.call("signatures.count"))) == Self.canonical(countsBefore))
        #expect(try Self.canonical(JSON.result(try admin.call("fundraiser.get"))) == Self.canonical(fundraiserBefore))
        let check = try Campaignctl.check(adminSocket: dir + "/admin.sock")
        #expect(check.passed, "\(check.report)")

        let found = Self.scan(state)
        #expect(found.isEmpty, "erased values in the running service's files: \(found)")
        server.signal(SIGTERM)
        _ = server.waitForExit()
        #expect(Self.scan(state).isEmpty)
    }

    @Test func anonymiseAfterErasesContactDetailsAtStartOnceTheLetterClosedLongEnoughAgo() throws {
        let dir = try Paths.temporaryDirectory()
        let state = dir + "/state"
        // The first server is kept to the end: its deinit removes the directory.
        let first = try ServerProcess.listening(dir)
        let web = try LineClient(path: dir + "/public.sock")
        let firstAdmin = try LineClient(path: dir + "/admin.sock")
        try Self.seed(public: web, admin: firstAdmin)
        #expect(JSON.result(try firstAdmin.call("letter.setStatus", #"{"status":"closed"}"#)) != nil)
        first.signal(SIGTERM)
        _ = first.waitForExit()
        // The letter closed 31 days ago.
        let db = try DatabaseQueue(path: state + "/campaign.sqlite")
        try db.write { try $0.execute(sql: "UPDATE letter SET closedAt = closedAt - 31 * 86400000") }
        try db.close()

        let server = try ServerProcess.listening(dir, extra: ["--anonymise-after", "30"])
        let admin = try LineClient(path: dir + "/admin.sock")
        // Housekeeping runs at start, beside the listeners: wait for its first run.
        var retention: [String: Any] = [:]
        for _ in 0..<200 where retention["lastRunAt"] == nil {
            retention = JSON.result(try admin.call("service.stats"))?["retention"] as? [String: Any] ?? [:]
            if retention["lastRunAt"] == nil { usleep(50_000) }
        }
        #expect(retention["anonymiseAfterDays"] as? Int == 30)
        #expect(retention["lastAnonymised"] as? Int == 3)
        let signatures = JSON.result(try admin.call("signatures.export"))?["items"] as? [[String: Any]] ?? []
        #expect(signatures.count == 1 && signatures[0]["email"] == nil && signatures[0]["client"] == nil)
        #expect(signatures.first?["name"] as? String == "Rowan Quill", "a public signer's name stays with the letter")
        #expect(try Campaignctl.check(adminSocket: dir + "/admin.sock").passed)
        let found = Self.scan(state).filter { !$0.hasPrefix("Rowan Quill") }
        #expect(found.isEmpty, "\(found)")
        server.stop()
        withExtendedLifetime(first) {}
    }
}
