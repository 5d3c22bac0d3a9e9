import Foundation
import GRDB
import NIOConcurrencyHelpers
import Testing

/// Issue 12 part 1: a backup taken under a signing load restores into a fresh state directory, passes
/// `campaignctl check`, and holds every signature acknowledged before it was asked for.
@Suite(.serialized) struct BackupRestoreTests {
    @Test func aBackupTakenUnderASigningLoadRestoresWithEverySignatureAcknowledgedBeforeIt() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        let acknowledged = NIOLockedValueBox<[String]>([])
        let stop = NIOLockedValueBox(false)
        let threads = (0..<6).map { worker in
            Thread {
                guard let client = try? LineClient(path: dir + "/public.sock") else { return }
                for i in 0..<1_000_000 where !stop.withLockedValue({ $0 }) {
                    let email = "w\(worker).n\(i)@example.org"
                    client.send(#"{"jsonrpc":"2.0","id":\#(i),"method":"letter.sign","params":{"name":"W","email":"\#(email)"}}"# + "\n")
                    guard let line = client.readLine(timeout: 20), line.contains(#""accepted":true"#) else { return }
                    acknowledged.withLockedValue { $0.append(email) }
                }
            }
        }
        for thread in threads { thread.start() }
        func waitFor(_ count: Int) {
            let deadline = Date().addingTimeInterval(60)
            while acknowledged.withLockedValue({ $0.count }) < count && Date() < deadline { usleep(10_000) }
        }
        waitFor(2000)
        // Every signature acknowledged before the request is sent must be in the copy.
        let before = acknowledged.withLockedValue { $0 }
        let started = Date()
        let (status, output) = try Campaignctl.run(["--socket", dir + "/admin.sock", "backup", "--json"])
        let requestSeconds = Date().timeIntervalSince(started)
        let during = acknowledged.withLockedValue { $0.count } - before.count
        waitFor(acknowledged.withLockedValue { $0.count } + 200)  // the load goes on after the copy
        stop.withLockedValue { $0 = true }
        while threads.contains(where: { !$0.isFinished }) { usleep(10_000) }
        #expect(status == 0, "\(output)")
        let backup = try JSON.object(output)
        let path = try #require(backup["path"] as? String)
        let bytes = try #require(backup["bytes"] as? Int)
        let signatures = try #require(backup["signatures"] as? Int)
        #expect(path.hasPrefix(dir + "/state/backups/campaign-") && path.hasSuffix("Z.sqlite"))
        #expect(signatures >= before.count)
        #expect(bytes == (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int))
        #expect(backup["removed"] as? [Any] != nil && backup["takenAt"] is String)
        // The live service lost nothing either.
        let live = try Campaignctl.check(adminSocket: dir + "/admin.sock")
        #expect(live.passed, "campaignctl check (live):\n\(live.report)")
        server.stop()

        // Restore into a fresh state directory, as the docs say: the copy becomes campaign.sqlite.
        let restoreDir = try Paths.temporaryDirectory()
        try FileManager.default.createDirectory(
            atPath: restoreDir + "/state", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let restoreStarted = Date()
        try FileManager.default.copyItem(atPath: path, toPath: restoreDir + "/state/campaign.sqlite")
        let restored = try ServerProcess.listening(restoreDir)
        let check = try Campaignctl.check(adminSocket: restoreDir + "/admin.sock")
        let restoreSeconds = Date().timeIntervalSince(restoreStarted)
        #expect(check.passed, "campaignctl check (restored):\n\(check.report)")
        let count = try LineClient(path: restoreDir + "/admin.sock").call("signatures.count")
        #expect(JSON.result(count)?["pending"] as? Int == signatures)
        restored.stop()

        let stored = try DatabaseQueue(path: restoreDir + "/state/campaign.sqlite").read { db in
            Set(try String.fetchAll(db, sql: "SELECT emailCanonical FROM signature"))
        }
        let missing = before.filter { !stored.contains($0) }
        #expect(missing.isEmpty, "acknowledged before the backup but not in it: \(missing.prefix(5))")
        print(
            "restore drill: \(before.count) acknowledged before the request, \(signatures) rows in the copy, "
                + "\(during) acknowledged while campaignctl backup ran; file \(bytes) bytes; service.backup "
                + "\(backup["durationMs"] ?? "?") ms, campaignctl backup \(Int(requestSeconds * 1000)) ms; "
                + "restore (copy, start, campaignctl check) \(Int(restoreSeconds * 1000)) ms")
    }

    @Test func campaignctlBackupPrintsThePathSizeAndDurationAndNeverOverwrites() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        defer { server.stop() }
        let (status, output) = try Campaignctl.run(["--socket", dir + "/admin.sock", "backup", "before-close.sqlite"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("backup:") && output.contains(dir + "/state/backups/before-close.sqlite"))
        #expect(output.contains("size:") && output.contains(" bytes"))
        #expect(output.contains("duration:") && output.contains(" ms"))
        let again = try Campaignctl.run(["--socket", dir + "/admin.sock", "backup", "before-close.sqlite"])
        #expect(again.status == 2)
        #expect(again.output.contains("field: path"))
        let escape = try Campaignctl.run(["--socket", dir + "/admin.sock", "backup", "../campaign.sqlite"])
        #expect(escape.status == 2 && escape.output.contains("field: path"))
    }
}
