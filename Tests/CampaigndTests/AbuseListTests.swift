import Foundation
import Testing

/// `--abuse-list FILE` through the binary: read at start, read again on SIGHUP, a bad file refused.
@Suite(.serialized) struct AbuseListTests {
    func sign(_ client: LineClient, _ email: String, id: Int) throws {
        let reply = try client.call("letter.sign", #"{"name":"N","email":"\#(email)"}"#, id: id)
        #expect(JSON.result(reply)?["accepted"] as? Bool == true)
    }

    func suspects(_ dir: String) throws -> Set<String> {
        let admin = try LineClient(path: dir + "/admin.sock")
        let reply = try admin.call("signatures.export", #"{"status":"suspect"}"#)
        let items = JSON.result(reply)?["items"] as? [[String: Any]] ?? []
        return Set(items.compactMap { $0["email"] as? String })
    }

    func waitForLog(_ server: ServerProcess, _ text: String, count: Int) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if server.stderr.components(separatedBy: text).count - 1 >= count { return true }
            usleep(20_000)
        }
        return false
    }

    @Test func abuseListIsReadAtStartAndAgainOnSIGHUP() throws {
        let dir = try Paths.temporaryDirectory()
        let list = dir + "/abuse.list"
        try "block @spam.example   # disposable\n".write(toFile: list, atomically: true, encoding: .utf8)
        let server = try ServerProcess.listening(dir, extra: ["--abuse-list", list])
        defer { server.stop() }
        let client = try LineClient(path: dir + "/public.sock")
        try sign(client, "one@spam.example", id: 1)
        try sign(client, "one@other.example", id: 2)
        #expect(try suspects(dir) == ["one@spam.example"])

        // Organisers change the list; `systemctl reload` sends SIGHUP.
        try "block @other.example\n".write(toFile: list, atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        #expect(waitForLog(server, "reloaded abuse list", count: 1))
        try sign(client, "two@spam.example", id: 3)
        try sign(client, "two@other.example", id: 4)
        #expect(try suspects(dir) == ["one@spam.example", "two@other.example"])

        // A list that does not parse is reported and the lists in force stay.
        try "block @other.example\nblock nonsense\n".write(toFile: list, atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        #expect(waitForLog(server, "abuse list not reloaded", count: 1))
        #expect(server.stderr.contains("line 2"))
        try sign(client, "three@other.example", id: 5)
        #expect(try suspects(dir).contains("three@other.example"))

        // Organisers accept a suspect with campaignctl.
        let admin = try LineClient(path: dir + "/admin.sock")
        let export = try admin.call("signatures.export", #"{"status":"suspect"}"#)
        let items = JSON.result(export)?["items"] as? [[String: Any]] ?? []
        let id = try #require(items.first { $0["email"] as? String == "one@spam.example" }?["id"] as? String)
        let moderate = Process()
        moderate.executableURL = URL(fileURLWithPath: Paths.buildDirectory + "/campaignctl")
        moderate.arguments = ["--socket", dir + "/admin.sock", "moderate", id, "accept"]
        moderate.standardOutput = FileHandle.nullDevice
        try moderate.run()
        moderate.waitUntilExit()
        #expect(moderate.terminationStatus == 0)
        #expect(!(try suspects(dir).contains("one@spam.example")))
    }

    @Test func sighupWithoutAnAbuseListDoesNotStopTheService() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        defer { server.stop() }
        server.signal(SIGHUP)
        #expect(waitForLog(server, "no --abuse-list", count: 1))
        #expect(JSON.result(try LineClient(path: dir + "/public.sock").call("service.health")) != nil)
    }

    @Test func badAbuseListIsRefusedAtStartWithItsLine() throws {
        let dir = try Paths.temporaryDirectory()
        try "allow 192.0.2.0/24\nallow @example.org\n".write(toFile: dir + "/abuse.list", atomically: true, encoding: .utf8)
        let server = try ServerProcess(
            arguments: ["--listen", dir + "/public.sock", "--state-dir", dir + "/state", "--abuse-list", dir + "/abuse.list"],
            directory: dir)
        #expect(server.waitForExit() == 64)
        #expect(server.stderr.contains("line 2"))
    }
}
