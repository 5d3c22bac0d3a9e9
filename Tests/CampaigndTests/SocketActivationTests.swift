import Foundation
import GRDB
import Testing

/// SPEC §2: sockets passed by systemd, named by `FileDescriptorName=`, and one-connection activation.
@Suite(.serialized) struct SocketActivationTests {
    @Test func socketActivationServesNamedPublicAndAdminSockets() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess(
            executable: "/usr/bin/systemd-socket-activate",
            arguments: [
                "-l", dir + "/public.sock", "-l", dir + "/admin.sock", "--fdname=public:admin", "--", Paths.campaignd,
                "--state-dir", dir + "/state", "--campaign", Paths.exampleCampaign,
            ],
            directory: dir)
        defer { server.stop() }
        try server.waitForSocket(dir + "/admin.sock")

        let publicClient = try LineClient(path: dir + "/public.sock")
        let letter = try publicClient.call("letter.get")
        #expect((JSON.result(letter)?["status"] as? String) == "open")
        #expect(JSON.errorCode(try publicClient.call("outbox.claim")) == -32601)
        let discover = try publicClient.call("rpc.discover")
        let names = (JSON.result(discover)?["methods"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        #expect(names.contains("letter.sign") && !names.contains("outbox.claim"))

        let adminClient = try LineClient(path: dir + "/admin.sock")
        #expect(JSON.result(try adminClient.call("outbox.claim")) != nil)
        #expect(JSON.result(try adminClient.call("service.stats")) != nil)
    }

    @Test func acceptedConnectionsAreServedOnePerProcessSharingOneDatabase() throws {
        let dir = try Paths.temporaryDirectory()
        let state = dir + "/state"
        // First start imports the campaign (a per-connection process would too, only when the database is new).
        let server = try ServerProcess(
            executable: "/usr/bin/systemd-socket-activate",
            arguments: [
                "-a", "--inetd", "-l", dir + "/conn.sock", "--", Paths.campaignd, "--inetd", "--state-dir", state,
                "--campaign", Paths.exampleCampaign,
            ],
            directory: dir)
        defer { server.stop() }
        try server.waitForSocket(dir + "/conn.sock")

        let first = try LineClient(path: dir + "/conn.sock")
        let signed = try first.call("letter.sign", #"{"name":"Ada","email":"ada@example.org"}"#)
        #expect((JSON.result(signed)?["accepted"] as? Bool) == true)
        #expect(JSON.errorCode(try first.call("outbox.claim")) == -32601)
        first.close()

        // A second process on the same database: the pending signature is there (a public connection
        // does not show pending ones, so the file is asked), and its public count did not move.
        let second = try LineClient(path: dir + "/conn.sock")
        #expect((JSON.result(try second.call("signatures.count"))?["confirmed"] as? Int) == 0)
        let stored = try DatabaseQueue(path: state + "/campaign.sqlite").read { db in
            try String.fetchAll(db, sql: "SELECT status FROM signature")
        }
        #expect(stored == ["pending"])
    }

    @Test func passedConnectedSocketWithoutNameIsServedAsOneConnection() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess(
            executable: "/usr/bin/systemd-socket-activate",
            arguments: [
                "-a", "-l", dir + "/conn.sock", "--", Paths.campaignd, "--state-dir", dir + "/state", "--campaign",
                Paths.exampleCampaign,
            ],
            directory: dir)
        defer { server.stop() }
        try server.waitForSocket(dir + "/conn.sock")
        let client = try LineClient(path: dir + "/conn.sock")
        #expect((JSON.result(try client.call("service.health"))?["status"] as? String) == "ok")
        #expect(JSON.errorCode(try client.call("signatures.export")) == -32601)
    }
}
