import Foundation
import NIOConcurrencyHelpers
import Testing

/// SPEC §2 systemd integration and shutdown: READY/STATUS/STOPPING, SIGTERM, exit when idle, restarts.
@Suite(.serialized) struct LifecycleTests {
    @Test func sigtermAnswersRequestsInFlightThenExitsZero() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        let client = try LineClient(path: dir + "/public.sock")
        var batch = ""
        for i in 0..<200 {
            batch += #"{"jsonrpc":"2.0","id":\#(i),"method":"letter.sign","params":{"name":"T\#(i)","email":"t\#(i)@example.org"}}"# + "\n"
        }
        client.send(batch)
        _ = try #require(client.readLine())  // the service is at work
        server.signal(SIGTERM)
        var answered = 1
        while let line = client.readLine(timeout: 20) {
            let reply = try JSON.object(line)
            #expect(JSON.result(reply)?["accepted"] as? Bool == true, "\(line)")
            answered += 1
        }
        #expect(server.waitForExit() == 0)
        #expect(answered >= 1)
        // Every answered signature is stored, and nothing unanswered was half-done.
        let stored = try Database.count(dir + "/state/campaign.sqlite", "SELECT COUNT(*) FROM signature")
        #expect(stored == answered)
        #expect(!FileManager.default.fileExists(atPath: dir + "/public.sock"))
        // Restarted on the same file, the service's own recount agrees.
        let restarted = try ServerProcess.listening(dir)
        let check = try Campaignctl.check(adminSocket: dir + "/admin.sock")
        #expect(check.passed, "campaignctl check:\n\(check.report)")
        restarted.stop()
    }

    @Test func sigtermDoesNotWaitForAClientThatNeverReads() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        let client = try LineClient(path: dir + "/public.sock")
        _ = fcntl(client.fd, F_SETFL, fcntl(client.fd, F_GETFL) | O_NONBLOCK)
        let burst = Array(repeating: #"{"jsonrpc":"2.0","id":1,"method":"campaign.get"}"# + "\n", count: 400).joined()
        client.send(burst)  // 3 MB of replies it will never read
        usleep(500_000)
        let start = Date()
        server.signal(SIGTERM)
        #expect(server.waitForExit(timeout: 30) == 0)
        // The connection had a few seconds' grace, not the idle timeout's five minutes.
        #expect(Date().timeIntervalSince(start) < 20)
        client.close()
    }

    @Test func connectionsArrivingDuringShutdownDoNotCrashIt() throws {
        for _ in 0..<5 {
            let dir = try Paths.temporaryDirectory()
            let server = try ServerProcess.listening(dir)
            let done = NIOLockedValueBox(false)
            let hammer = Thread {
                while !done.withLockedValue({ $0 }) {
                    if let client = try? LineClient(path: dir + "/public.sock") {
                        client.send(#"{"jsonrpc":"2.0","id":1,"method":"service.health"}"# + "\n")
                        client.close()
                    }
                }
            }
            hammer.start()
            usleep(100_000)
            server.signal(SIGTERM)
            let status = server.waitForExit()
            done.withLockedValue { $0 = true }
            #expect(status == 0, "\(server.stderr)")
        }
    }

    @Test func exitsWhenIdle() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir, extra: ["--exit-when-idle", "1"])
        let client = try LineClient(path: dir + "/public.sock")
        #expect(JSON.result(try client.call("service.health")) != nil)
        // While a connection is open it stays.
        usleep(1_500_000)
        #expect(server.process.isRunning)
        client.close()
        #expect(server.waitForExit(timeout: 10) == 0)
    }

    @Test func notifiesReadyStatusAndStopping() throws {
        let dir = try Paths.temporaryDirectory()
        let notify = try NotifySocket(path: dir + "/notify.sock")
        let server = try ServerProcess(
            arguments: ["--listen", dir + "/public.sock", "--state-dir", dir + "/state", "--campaign", Paths.exampleCampaign],
            directory: dir, environment: ["NOTIFY_SOCKET": dir + "/notify.sock"])
        let ready = try #require(notify.receive(timeout: 20))
        #expect(ready.contains("READY=1"))
        #expect(ready.contains("STATUS=Serving"))
        server.signal(SIGTERM)
        let stopping = try #require(notify.receive(timeout: 20))
        #expect(stopping.contains("STOPPING=1"))
        #expect(server.waitForExit() == 0)
    }

    @Test func logsCarrySyslogPrioritiesUnderJournal() throws {
        let dir = try Paths.temporaryDirectory()
        let logPath = dir + "/journal.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        var st = stat()
        stat(logPath, &st)
        let server = try ServerProcess(
            arguments: ["--listen", dir + "/public.sock", "--state-dir", dir + "/state", "--campaign", Paths.exampleCampaign],
            directory: dir, environment: ["JOURNAL_STREAM": "\(st.st_dev):\(st.st_ino)"], stderrPath: logPath)
        try server.waitForSocket(dir + "/public.sock")
        server.signal(SIGTERM)
        #expect(server.waitForExit() == 0, "\(server.stderr)")
        let lines = server.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.hasPrefix("<6>") || $0.hasPrefix("<5>") || $0.hasPrefix("<4>") })
    }

    @Test func staleSocketFileIsReplacedButLiveOneIsNot() throws {
        let dir = try Paths.temporaryDirectory()
        // A socket file left behind by a process that died.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #expect(UnixAddress.with(dir + "/public.sock") { bind(fd, $0, $1) } == 0)
        close(fd)
        let server = try ServerProcess.listening(dir)
        #expect(JSON.result(try LineClient(path: dir + "/public.sock").call("service.health")) != nil)
        // A second service on the same path refuses rather than stealing it.
        let second = try ServerProcess(
            arguments: ["--listen", dir + "/public.sock", "--state-dir", dir + "/state2"], directory: dir, stderrPath: dir + "/second.log")
        #expect(second.waitForExit() != 0)
        #expect(JSON.result(try LineClient(path: dir + "/public.sock").call("service.health")) != nil)
        server.stop()
    }

    @Test func campaignFileIsImportedOnFirstStartOnly() throws {
        let dir = try Paths.temporaryDirectory()
        let first = try ServerProcess.listening(dir)
        let admin = try LineClient(path: dir + "/admin.sock")
        let updated = try admin.call("letter.update", #"{"expectedVersion":1,"title":"Edited by organisers"}"#)
        #expect(JSON.result(updated)?["version"] as? Int == 2)
        first.signal(SIGTERM)
        #expect(first.waitForExit() == 0)
        let second = try ServerProcess.listening(dir)
        let letter = try LineClient(path: dir + "/public.sock").call("letter.get")
        #expect(JSON.result(letter)?["title"] as? String == "Edited by organisers")
        second.stop()
    }

    @Test func badCampaignFileIsRefusedWithTheField() throws {
        let dir = try Paths.temporaryDirectory()
        try #"{"letter":{"title":"T","body":"B","recipients":[{"name":"C"}],"satus":"open"}}"#.write(
            toFile: dir + "/bad.json", atomically: true, encoding: .utf8)
        let server = try ServerProcess(
            arguments: ["--listen", dir + "/public.sock", "--state-dir", dir + "/state", "--campaign", dir + "/bad.json"], directory: dir)
        #expect(server.waitForExit() != 0)
        #expect(server.stderr.contains("letter.satus"))
    }
}

/// A datagram socket standing in for systemd's notification socket.
final class NotifySocket {
    let fd: Int32
    init(path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        self.fd = fd
        guard UnixAddress.with(path, { bind(fd, $0, $1) }) == 0 else { throw TestFailure("cannot bind \(path)") }
    }

    func receive(timeout: Double) -> String? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
    }

    deinit { close(fd) }
}
