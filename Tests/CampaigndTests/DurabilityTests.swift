import Foundation
import GRDB
import NIOConcurrencyHelpers
import Testing

/// SPEC §7: a reply to a write is sent only after its transaction is durably committed.
@Suite(.serialized) struct DurabilityTests {
    @Test func sigkillDuringConcurrentSigningLosesNothingAcknowledged() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        let acknowledged = NIOLockedValueBox<[String]>([])
        let threads = (0..<8).map { worker in
            Thread {
                guard let client = try? LineClient(path: dir + "/public.sock") else { return }
                for i in 0..<100_000 {
                    let email = "w\(worker).n\(i)@example.org"
                    client.send(#"{"jsonrpc":"2.0","id":\#(i),"method":"letter.sign","params":{"name":"W","email":"\#(email)"}}"# + "\n")
                    guard let line = client.readLine(timeout: 10), line.contains(#""accepted":true"#) else { return }
                    acknowledged.withLockedValue { $0.append(email) }
                }
            }
        }
        for thread in threads { thread.start() }
        let deadline = Date().addingTimeInterval(30)
        while acknowledged.withLockedValue({ $0.count }) < 200 && Date() < deadline { usleep(10_000) }
        server.signal(SIGKILL)
        #expect(server.waitForExit() != nil)
        usleep(200_000)
        let acked = acknowledged.withLockedValue { $0 }
        #expect(acked.count >= 200)

        let queue = try DatabaseQueue(path: dir + "/state/campaign.sqlite")
        try queue.read { db in
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            let stored = Set(try String.fetchAll(db, sql: "SELECT emailCanonical FROM signature"))
            let missing = acked.filter { !stored.contains($0) }
            #expect(missing.isEmpty, "acknowledged but lost: \(missing.prefix(5))")
            // Counters equal a recount from rows.
            let pending = try Int.fetchOne(db, sql: "SELECT value FROM counter WHERE name = 'signatures.pending'") ?? 0
            #expect(pending == (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM signature WHERE status = 'pending'")))
            #expect(pending == stored.count)
        }
        // And the service's own recount agrees, after a restart on the same file.
        let restarted = try ServerProcess.listening(dir)
        let check = try Campaignctl.check(adminSocket: dir + "/admin.sock")
        #expect(check.passed, "campaignctl check:\n\(check.report)")
        restarted.stop()
    }
}

enum Database {
    static func count(_ path: String, _ sql: String) throws -> Int {
        try DatabaseQueue(path: path).read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
    }
}

/// SPEC §7: several campaignd processes (`Accept=yes`) share one database.
@Suite(.serialized) struct SharedDatabaseTests {
    @Test func processesStartingTogetherOnANewDatabaseAllServe() throws {
        let dir = try Paths.temporaryDirectory()
        let servers = try (0..<6).map { i in
            try ServerProcess(
                arguments: ["--stdio", "--state-dir", dir + "/state", "--campaign", Paths.exampleCampaign], directory: dir,
                stderrPath: dir + "/stderr\(i).log")
        }
        for (i, server) in servers.enumerated() {
            server.write(#"{"jsonrpc":"2.0","id":1,"method":"letter.sign","params":{"name":"P","email":"p\#(i)@example.org"}}"# + "\n")
        }
        for server in servers {
            let reply = try JSON.object(try #require(server.output.readLine(), "\(server.stderr)"))
            #expect(JSON.result(reply)?["accepted"] as? Bool == true)
            server.closeInput()
            #expect(server.waitForExit() == 0)
        }
        #expect(try Database.count(dir + "/state/campaign.sqlite", "SELECT COUNT(*) FROM signature") == 6)
        #expect(try Database.count(dir + "/state/campaign.sqlite", "SELECT version FROM letter") == 1)
    }
}

/// The database locked by another process: writes wait, then fail cleanly; reads go on.
@Suite(.serialized) struct LockedDatabaseTests {
    @Test func writesWaitForALockThenFailCleanlyWhileReadsGoOn() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir, extra: ["--busy-timeout", "1"])
        let client = try LineClient(path: dir + "/public.sock")
        _ = try client.call("letter.sign", #"{"name":"A","email":"a@example.org"}"#)

        // Another process holds the write lock for three seconds.
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        locker.arguments = [dir + "/state/campaign.sqlite"]
        let input = Pipe()
        locker.standardInput = input
        locker.standardOutput = Pipe()
        try locker.run()
        input.fileHandleForWriting.write(Data("BEGIN IMMEDIATE;\nINSERT INTO meta (key, value) VALUES ('lock', 'held');\n".utf8))
        usleep(300_000)

        let started = Date()
        let refused = try client.call("letter.sign", #"{"name":"B","email":"b@example.org"}"#, id: 2)
        #expect(JSON.errorCode(refused) == -32005)
        #expect(Date().timeIntervalSince(started) >= 0.9)
        // Reads are served while the lock is held.
        let admin = try LineClient(path: dir + "/admin.sock")
        #expect((JSON.result(try admin.call("signatures.count", id: 3))?["pending"] as? Int) == 1)
        #expect(JSON.result(try client.call("signatures.list", id: 4)) != nil)

        input.fileHandleForWriting.write(Data("ROLLBACK;\n.quit\n".utf8))
        try? input.fileHandleForWriting.close()
        locker.waitUntilExit()
        // Once the lock is gone, writes work again and nothing was half-done.
        let accepted = try client.call("letter.sign", #"{"name":"B","email":"b@example.org"}"#, id: 5)
        #expect(JSON.result(accepted)?["accepted"] as? Bool == true)
        #expect((JSON.result(try admin.call("signatures.count", id: 6))?["pending"] as? Int) == 2)
        let check = try Campaignctl.check(adminSocket: dir + "/admin.sock")
        #expect(check.passed, "campaignctl check:\n\(check.report)")
        server.stop()
    }
}
