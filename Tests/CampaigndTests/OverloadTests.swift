import Foundation
import Testing

/// Overload: more connections than allowed, and clients that send without ever reading.
@Suite(.serialized) struct OverloadTests {
    func residentKB(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return -1 }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? -1
    }

    @Test func connectionsBeyondTheMaximumGetUnavailableAndAreClosed() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir, extra: ["--max-connections", "5"])
        usleep(200_000)  // the readiness probe's connection has gone
        let held = try (0..<5).map { _ in try LineClient(path: dir + "/public.sock") }
        for client in held { #expect(JSON.result(try client.call("service.health")) != nil) }
        let refused = try LineClient(path: dir + "/public.sock")
        let reply = try JSON.object(try #require(refused.readLine()))
        #expect(JSON.errorCode(reply) == -32005)
        #expect(reply["id"] is NSNull)
        #expect(refused.reader.closes(within: 5))
        held[0].close()
        usleep(200_000)
        #expect(JSON.result(try LineClient(path: dir + "/public.sock").call("service.health")) != nil)
        server.stop()
    }

    // Open (issue 5): 1,000 clients that each pipeline 100 `campaign.get` and never read hold up to
    // max-inflight replies each (64 × 8 KB × 1,000, seen growing past 700 MB in a debug build), and a new
    // client waits behind their work. Needs a byte budget for pending replies and fair scheduling.
    @Test(.disabled("memory is bounded by connections × max-inflight × reply size, not by a ceiling yet (issue 5)"))
    func aThousandClientsThatNeverReadStayUnderAMemoryCeiling() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir, extra: ["--max-connections", "2000"])
        let idle = residentKB(server.pid)
        // Each reply to campaign.get is about 8 KB: a hundred of them overflow the socket's buffer.
        var burst = ""
        for i in 0..<100 {
            burst += #"{"jsonrpc":"2.0","id":\#(i),"method":"campaign.get"}"# + "\n"
        }
        let bytes = Array(burst.utf8)
        var clients: [LineClient] = []
        for _ in 0..<1000 {
            let client = try LineClient(path: dir + "/public.sock")
            // Non-blocking: the service stops reading a client that does not read, so the send fills up.
            _ = fcntl(client.fd, F_SETFL, fcntl(client.fd, F_GETFL) | O_NONBLOCK)
            _ = bytes.withUnsafeBytes { send(client.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            clients.append(client)
        }
        usleep(5_000_000)
        let loaded = residentKB(server.pid)
        print("resident memory: \(idle / 1024) MB idle, \(loaded / 1024) MB with 1,000 clients that never read")
        #expect(loaded > 0 && loaded < 512 * 1024)
        // Still serving others.
        #expect(JSON.result(try LineClient(path: dir + "/public.sock").call("service.health")) != nil)
        for client in clients { client.close() }
        server.stop()
    }
}
