import CampaignProtocol
import Foundation
import GRDB

/// The files of `service.backup`: copies go only into `<state directory>/backups/`, under a plain file
/// name, and are written under a hidden temporary name first, so that a copy cut short never carries a
/// name an operator would restore from.
enum BackupFiles {
    static let directoryName = "backups"
    static let automaticPrefix = "campaign-"
    static let automaticSuffix = "Z.sqlite"

    /// `campaign-20261130T203000Z.sqlite`: sorts by time, so the oldest copies sort first.
    static func automaticName(at time: Timestamp) -> String {
        var seconds = time_t(time.millisecondsSince1970 / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let date = "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))"
        let clock = "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))"
        return automaticPrefix + date + "T" + clock + automaticSuffix
    }

    /// Whether `name` is one `automaticName` makes: only those are pruned by `keep`.
    static func isAutomatic(_ name: String) -> Bool {
        guard name.hasPrefix(automaticPrefix), name.hasSuffix(automaticSuffix) else { return false }
        let stamp = Array(name.utf8.dropFirst(automaticPrefix.utf8.count).dropLast(automaticSuffix.utf8.count))
        guard stamp.count == 15, stamp[8] == UInt8(ascii: "T") else { return false }
        return stamp.enumerated().allSatisfy { i, byte in i == 8 || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    }

    /// A plain file name inside the backups directory: nothing that leaves it, hides, or names a
    /// temporary copy.
    static func validate(name: String) throws(ResponseError) {
        func refuse(_ reason: String) -> ResponseError { .invalidParams(field: "path", reason: reason) }
        guard !name.isEmpty else { throw refuse("must not be empty") }
        guard name.utf8.count <= 200 else { throw refuse("must be at most 200 bytes") }
        guard !name.contains("/") else { throw refuse("must be a file name in the backups directory, without '/'") }
        guard !name.hasPrefix(".") else { throw refuse("must not start with '.'") }
        guard !name.contains("..") else { throw refuse("must not contain '..'") }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw refuse("must not contain control characters")
        }
    }

    /// Creates the directory 0700 if need be; an existing one open to others is made 0700. Returns an
    /// open descriptor of it, for fsync after a rename.
    static func openDirectory(_ path: String) throws -> Int32 {
        if mkdir(path, 0o700) != 0 && errno != EEXIST { throw BackupError.system("cannot create \(path)", errno) }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw BackupError.system("cannot open \(path)", errno) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let e = errno
            close(fd)
            throw BackupError.system("cannot read \(path)", e)
        }
        if status.st_mode & 0o077 != 0 { fchmod(fd, 0o700) }
        return fd
    }

    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    static func size(_ path: String) -> Int {
        var status = stat()
        return stat(path, &status) == 0 ? Int(status.st_size) : 0
    }

    /// Removes a temporary copy and what SQLite may have left beside it.
    static func removeTemporary(_ path: String) {
        for suffix in ["", "-journal", "-wal", "-shm"] { unlink(path + suffix) }
    }
}

enum BackupError: Error, CustomStringConvertible {
    case system(String, Int32)

    var description: String {
        switch self {
        case .system(let what, let e): "\(what): \(String(cString: strerror(e)))"
        }
    }
}

extension CampaignStore {
    /// `<state directory>/backups`, beside the database.
    var backupDirectory: String {
        URL(fileURLWithPath: pool.path).deletingLastPathComponent().appendingPathComponent(BackupFiles.directoryName).path
    }

    /// Copies the live database with SQLite's online backup API. GRDB runs it inside a read transaction
    /// of one of the pool's reader connections: the copy is the snapshot that transaction sees (every
    /// commit before it, none after), and the writer, with its group commit, never waits for it. (The
    /// WAL cannot be checkpointed past that snapshot until the copy ends, so it grows meanwhile.)
    func backup(name requested: String?, keep: Int?) async throws -> BackupService.Result {
        do {
            return try await writeBackup(name: requested, keep: keep)
        } catch let error as BackupError {
            logger.error("backup failed", metadata: ["error": "\(error)"])
            throw ResponseError.unavailable("the backup could not be written: \(error)")
        }
    }

    private func writeBackup(name requested: String?, keep: Int?) async throws -> BackupService.Result {
        let started = ContinuousClock.now
        let takenAt = clock()
        let name = requested ?? BackupFiles.automaticName(at: takenAt)
        try BackupFiles.validate(name: name)
        let directory = backupDirectory
        let directoryFD = try BackupFiles.openDirectory(directory)
        defer { close(directoryFD) }
        let final = directory + "/" + name
        func alreadyThere() -> ResponseError {
            .invalidParams(field: "path", reason: "\(name) already exists in \(directory); backups are never overwritten")
        }
        guard !BackupFiles.exists(final) else { throw alreadyThere() }

        let temporary = directory + "/." + name + ".tmp-" + Random.token(bytes: 8)
        let fd = open(temporary, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BackupError.system("cannot create \(temporary)", errno) }
        var fdOpen = true
        defer { if fdOpen { close(fd) } }
        var linked = false
        defer { if !linked { BackupFiles.removeTemporary(temporary) } }

        let signatures: Int
        do {
            let copy = try DatabaseQueue(path: temporary)
            signatures = try await copy.writeWithoutTransaction { [pool] copyDB in
                try pool.read { liveDB in try liveDB.backup(to: copyDB) }
                // One self-contained file (no -wal beside it) to ship and restore; the service
                // switches it back to WAL when it opens it.
                try copyDB.execute(sql: "PRAGMA journal_mode = DELETE")
                // Read back from the copy: it opens, and says what it holds.
                let counters = try Counters.all(copyDB)
                return counters[.signatures(.confirmed)] + counters[.signatures(.pending)]
            }
            try copy.close()
        } catch {
            throw StorageFailure.contractError(error, logger: logger)
        }
        guard fsync(fd) == 0 else { throw BackupError.system("cannot sync \(temporary)", errno) }
        close(fd)
        fdOpen = false
        // link() never replaces an existing file, unlike rename(): a copy of the same name taken
        // meanwhile stays as it was.
        guard link(temporary, final) == 0 else {
            if errno == EEXIST { throw alreadyThere() }
            throw BackupError.system("cannot name the copy \(final)", errno)
        }
        linked = true
        unlink(temporary)
        var removed: [String] = []
        if let keep { removed = try prune(directory: directory, keep: keep) }
        fsync(directoryFD)
        let elapsed = ContinuousClock.now - started
        let durationMs = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        logger.notice(
            "backup written",
            metadata: ["file": "\(final)", "bytes": "\(BackupFiles.size(final))", "ms": "\(durationMs)", "removed": "\(removed.count)"])
        return BackupService.Result(
            path: final, bytes: BackupFiles.size(final), takenAt: takenAt, durationMs: durationMs, signatures: signatures,
            removed: removed)
    }

    /// Deletes the oldest automatically named copies beyond `keep`; copies named by hand stay.
    private func prune(directory: String, keep: Int) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter(BackupFiles.isAutomatic).sorted()
        let doomed = names.dropLast(keep)
        for name in doomed { unlink(directory + "/" + name) }
        return Array(doomed)
    }
}
