import CampaignProtocol
import Foundation
import GRDB
import Testing

@testable import CampaignService

/// `service.backup`: copies go into `<state directory>/backups/` only, are never overwritten, and
/// `keep` prunes only the automatically named ones.
@Suite struct BackupTests {
    func mode(_ path: String) -> Int {
        var status = stat()
        return stat(path, &status) == 0 ? Int(status.st_mode & 0o777) : -1
    }

    func backupsDirectory(_ h: Harness) -> String { h.directory + "/backups" }

    @Test func backupWritesAConsistentCopyIntoTheBackupsDirectory() async throws {
        let h = try await Harness.make()
        try await h.signAndConfirm("A", "a@example.org", organization: "Org")
        _ = try await h.call(SignLetter(name: "B", email: "b@example.org"), role: .public)
        let result = try await h.call(BackupService())
        // The test clock stands at 2026-11-30T12:00:00Z.
        #expect(result.path == backupsDirectory(h) + "/campaign-20261130T120000Z.sqlite")
        #expect(result.signatures == 2)
        #expect(result.removed.isEmpty)
        #expect(result.takenAt == h.clock.current)
        let size = try FileManager.default.attributesOfItem(atPath: result.path)[.size] as? Int
        #expect(result.bytes > 0 && result.bytes == size)
        #expect(mode(backupsDirectory(h)) == 0o700)
        #expect(mode(result.path) == 0o600)
        // Only the copy: no temporary file, no -wal or -journal beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: backupsDirectory(h)) == ["campaign-20261130T120000Z.sqlite"])
        let copy = try DatabaseQueue(path: result.path)
        let (integrity, rows, journal) = try await copy.read { db in
            (
                try String.fetchOne(db, sql: "PRAGMA integrity_check"), try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM signature"),
                try String.fetchOne(db, sql: "PRAGMA journal_mode")
            )
        }
        #expect(integrity == "ok" && rows == 2 && journal == "delete")
        try copy.close()
        // The copy is a working campaign database.
        let restored = try CampaignStore(path: result.path)
        #expect(try await restored.check().ok)
    }

    @Test(arguments: ["../escape.sqlite", "a/b.sqlite", "/tmp/x.sqlite", ".hidden", "..", "", "two..dots", "tab\there"])
    func backupNamesThatLeaveTheBackupsDirectoryAreRefused(name: String) async throws {
        let h = try await Harness.make()
        let reply = await h.raw(method: "service.backup", params: .object(["path": .string(name)]))
        #expect(reply["error"]?["code"]?.intValue == -32602)
        #expect(reply["error"]?["data"]?["field"] == .string("path"))
        #expect(!FileManager.default.fileExists(atPath: backupsDirectory(h)))
    }

    @Test(arguments: [0, 1001, -1])
    func backupKeepOutsideItsRangeIsRefused(keep: Int) async throws {
        let h = try await Harness.make()
        let reply = await h.raw(method: "service.backup", params: .object(["keep": JSONValue(keep)]))
        #expect(reply["error"]?["data"]?["field"] == .string("keep"))
        #expect(!FileManager.default.fileExists(atPath: backupsDirectory(h)))
    }

    @Test func anExistingBackupIsNeverOverwritten() async throws {
        let h = try await Harness.make()
        let first = try await h.call(BackupService(path: "before-close.sqlite"))
        let before = try Data(contentsOf: URL(fileURLWithPath: first.path))
        _ = try await h.call(SignLetter(name: "B", email: "b@example.org"), role: .public)
        let again = await h.raw(method: "service.backup", params: .parse(#"{"path":"before-close.sqlite"}"#))
        #expect(again["error"]?["code"]?.intValue == -32602)
        #expect(again["error"]?["data"]?["field"] == .string("path"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: first.path)) == before)
        // Two automatic copies in the same second: the second is refused, the first stays.
        _ = try await h.call(BackupService())
        #expect(await h.errorCode("service.backup") == -32602)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: backupsDirectory(h)).sorted() == [
                "before-close.sqlite", "campaign-20261130T120000Z.sqlite",
            ])
    }

    @Test func keepDeletesOnlyTheOldestAutomaticCopies() async throws {
        let h = try await Harness.make()
        let dir = backupsDirectory(h)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let others = ["mine.sqlite", "campaign-old.sqlite", "campaign-20250101T000000Z.sqlite.gpg"]
        let automatic = ["campaign-20260101T000000Z.sqlite", "campaign-20260102T000000Z.sqlite", "campaign-20260103T000000Z.sqlite"]
        for name in others + automatic { #expect(FileManager.default.createFile(atPath: dir + "/" + name, contents: Data("x".utf8))) }
        let result = try await h.call(BackupService(keep: 2))
        #expect(result.removed == ["campaign-20260101T000000Z.sqlite", "campaign-20260102T000000Z.sqlite"])
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(left == (others + ["campaign-20260103T000000Z.sqlite", "campaign-20261130T120000Z.sqlite"]).sorted())
        // A named copy with keep prunes the automatic ones all the same.
        let named = try await h.call(BackupService(path: "named.sqlite", keep: 1))
        #expect(named.removed == ["campaign-20260103T000000Z.sqlite"])
    }

    @Test func backupIsOnlyForOrganisers() async throws {
        let h = try await Harness.make()
        #expect(await h.errorCode("service.backup", .object([:]), role: .public) == -32601)
    }

    @Test func automaticBackupNamesAreRecognisedAndNothingElse() {
        let name = BackupFiles.automaticName(at: Timestamp(rfc3339: "2027-03-04T05:06:07Z")!)
        #expect(name == "campaign-20270304T050607Z.sqlite")
        #expect(BackupFiles.isAutomatic(name))
        for other in ["campaign-2027030T050607Z.sqlite", "campaign-20270304X050607Z.sqlite", "campaign-2027030aT05060Z.sqlite", "x.sqlite"]
        {
            #expect(!BackupFiles.isAutomatic(other))
        }
    }
}
