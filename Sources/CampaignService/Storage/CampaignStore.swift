import CampaignProtocol
import Foundation
import GRDB
import Logging

/// The campaign's database: one `DatabasePool` for the life of the process. Every operation is one
/// write transaction that keeps every invariant (counters, one signature per canonical email), and
/// returns only after it has committed durably (WAL with `synchronous=FULL`).
public final class CampaignStore: Sendable {
    let pool: DatabasePool
    /// Every write of a request goes through it (see `GroupCommit`).
    let writes: GroupCommit
    /// A connection of its own for `PRAGMA data_version`, which is per connection (see `ChangeFeed`).
    let watcher: DatabaseQueue
    /// `signatures.count` and `campaign.get`, kept until a commit changes them.
    let caches: StoreCaches
    let clock: @Sendable () -> Timestamp
    let limits: AbuseLimits
    /// How long an unconfirmed RSVP holds its seats.
    let rsvpHoldSeconds: Int64
    /// How long after a signer's first message the one reminder goes (0: never).
    let remindAfterSeconds: Int64
    /// How long after it was queued a message that keeps failing is still tried.
    let outboxRetrySeconds: Int64
    /// The wait after a message's first temporary failure; it doubles with each further one, to an hour.
    let outboxFirstRetrySeconds: Int64
    /// Days after the letter closes that people's contact details are erased (`Retention`); nil: never.
    let anonymiseAfterDays: Int?
    /// The organisers' allow- and block-lists, replaced on reload.
    public let abuse: AbusePolicy
    let logger: Logger

    public static let fileName = "campaign.sqlite"
    /// How long a write waits for a database another process holds.
    public static let defaultBusyTimeout: TimeInterval = 10
    /// 48 hours: long enough for slow mail, short enough that fake addresses cannot keep the protest full.
    public static let defaultRSVPHoldSeconds: Int64 = 48 * 3600
    /// A day after the first message, a signer who has not confirmed gets one reminder.
    public static let defaultRemindAfterSeconds: Int64 = 24 * 3600
    /// Five days: RFC 5321 §4.5.4.1 asks a sender to keep trying for at least four or five.
    public static let defaultOutboxRetrySeconds: Int64 = 5 * 24 * 3600
    /// A minute: a greylisting server usually takes a message on the second try, a few minutes later.
    public static let defaultOutboxFirstRetrySeconds: Int64 = 60

    /// Opens (creating 0600 if new) and migrates the database at `path`.
    public init(
        path: String, limits: AbuseLimits = .init(), abuse: AbusePolicy = .init(),
        busyTimeout: TimeInterval = CampaignStore.defaultBusyTimeout,
        rsvpHoldSeconds: Int64 = CampaignStore.defaultRSVPHoldSeconds,
        remindAfterSeconds: Int64 = CampaignStore.defaultRemindAfterSeconds,
        outboxRetrySeconds: Int64 = CampaignStore.defaultOutboxRetrySeconds,
        outboxFirstRetrySeconds: Int64 = CampaignStore.defaultOutboxFirstRetrySeconds, anonymiseAfterDays: Int? = nil,
        logger: Logger = Logger(label: "campaignd"),
        clock: @escaping @Sendable () -> Timestamp = Timestamp.now
    ) throws {
        // Create the file ourselves so that it is never world-readable, whatever the umask.
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError.cannotOpen(path: path, errno: errno) }
        close(fd)

        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Savepoints (one per write of a group commit) keep their sub-journals in memory, not temporary files.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // Erased details (`person.erase`, withdrawals, retention) are overwritten with zeros in the file,
            // not merely unlinked from its pages.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        // Processes starting together on a new database (Accept=yes) take turns to migrate it:
        // GRDB reads which migrations are applied before it starts writing.
        let lock = open(path + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw StoreError.cannotOpen(path: path + ".lock", errno: errno) }
        defer { close(lock) }
        flock(lock, LOCK_EX)
        defer { flock(lock, LOCK_UN) }
        self.pool = try Self.retryingWhileBusy(for: busyTimeout) {
            let pool = try DatabasePool(path: path, configuration: config)
            try Schema.migrator.migrate(pool)
            return pool
        }
        var watcherConfig = config
        watcherConfig.readonly = true
        self.watcher = try DatabaseQueue(path: path, configuration: watcherConfig)
        self.caches = StoreCaches(
            counts: CommitCache(connection: try DatabaseQueue(path: path, configuration: watcherConfig)),
            page: CommitCache(connection: try DatabaseQueue(path: path, configuration: watcherConfig)))
        self.writes = GroupCommit(pool: pool, logger: logger)
        self.logger = logger
        self.clock = clock
        self.limits = limits
        self.rsvpHoldSeconds = rsvpHoldSeconds
        self.remindAfterSeconds = remindAfterSeconds
        self.outboxRetrySeconds = outboxRetrySeconds
        self.outboxFirstRetrySeconds = outboxFirstRetrySeconds
        self.anonymiseAfterDays = anonymiseAfterDays
        self.abuse = abuse
        try pool.write { db in
            if try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'salt'") == nil {
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('salt', ?)", arguments: [Random.token(bytes: 32)])
            }
        }
    }

    /// Opening a database that another process is creating can meet a lock that SQLite's busy
    /// handler does not wait for (switching to WAL): try again until the busy timeout.
    static func retryingWhileBusy<T>(for seconds: TimeInterval, _ body: () throws -> T) throws -> T {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            do {
                return try body()
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && Date() < deadline {
                usleep(UInt32.random(in: 5_000...25_000))
            }
        }
    }

    /// Reads run on the calling thread: WAL readers never wait for the writer, so a read is short,
    /// and skipping GRDB's asynchronous hop saves two thread switches per request.
    func reading<T>(_ body: (Database) throws -> T) throws -> T {
        try failingAsTheContractSays { try pool.read(body) }
    }

    /// Runs `body`, turning a busy or failing database into the contract's error (`StorageFailure`).
    func failingAsTheContractSays<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw StorageFailure.contractError(error, logger: logger)
        }
    }

    /// Runs `PRAGMA integrity_check`.
    public func integrityCheck() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer" }
    }
}

public enum StoreError: Error, CustomStringConvertible {
    case cannotOpen(path: String, errno: Int32)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let e): "cannot open \(path): \(String(cString: strerror(e)))"
        }
    }
}

extension Timestamp {
    @Sendable public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(millisecondsSince1970: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }
}

extension ClientInfo {
    /// The visitor's details as stored: nil when there were none.
    static func stored(ip: String?, userAgent: String?) -> ClientInfo? {
        ip == nil && userAgent == nil ? nil : ClientInfo(ip: ip, userAgent: userAgent)
    }
}
