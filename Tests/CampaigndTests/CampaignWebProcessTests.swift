import Foundation
import Testing

/// The `campaign-web` binary as systemd runs it: on the socket `campaign-web.socket` passes, in front of a
/// real campaignd, and stopped by SIGTERM.
@Suite(.serialized) struct CampaignWebProcessTests {
    /// An HTTP/1.1 request over a Unix socket: the status line and the body.
    func get(_ path: String, on socket: String) throws -> (status: String, body: String) {
        let client = try LineClient(path: socket)
        defer { client.close() }
        client.send("GET \(path) HTTP/1.1\r\nHost: letter.example.org\r\nConnection: close\r\n\r\n")
        let status = client.readLine()?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        var body = ""
        while let line = client.readLine(timeout: 5) { body += line + "\n" }
        return (status, body)
    }

    @Test func campaignWebServesTheSocketSystemdPassesAndStopsOnSIGTERM() throws {
        let dir = try Paths.temporaryDirectory()
        let campaignd = try ServerProcess.listening(dir)
        defer { campaignd.stop() }
        let web = try ServerProcess(
            executable: "/usr/bin/systemd-socket-activate",
            arguments: [
                "-l", dir + "/web.sock", "--fdname=http", "--", Paths.buildDirectory + "/campaign-web", "--socket", dir + "/public.sock",
                // Never bound: the passed socket wins.
                "--listen", "unix:" + dir + "/unused.sock",
            ],
            directory: dir, stderrPath: dir + "/web.log")
        try web.waitForSocket(dir + "/web.sock")
        let health = try get("/healthz", on: dir + "/web.sock")
        #expect(health.status == "HTTP/1.1 200 OK", "\(health) \((try? String(contentsOfFile: dir + "/web.log", encoding: .utf8)) ?? "")")
        let page = try get("/", on: dir + "/web.sock")
        #expect(page.status == "HTTP/1.1 200 OK")
        #expect(page.body.contains("data-live=\"signatures.confirmed\""))
        #expect(!FileManager.default.fileExists(atPath: dir + "/unused.sock"))
        kill(web.process.processIdentifier, SIGTERM)
        web.process.waitUntilExit()
        #expect(web.process.terminationStatus == 0)
    }
}
