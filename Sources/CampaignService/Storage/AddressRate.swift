import CampaignProtocol
import Crypto
import Foundation
import GRDB

/// Per-address limits (SPEC §5): a burst and a sustained window.
public struct RateLimit: Sendable {
    public var burst: Int
    public var burstWindowSeconds: Int
    public var sustained: Int
    public var sustainedWindowSeconds: Int

    public init(burst: Int, burstWindowSeconds: Int = 60, sustained: Int, sustainedWindowSeconds: Int = 600) {
        self.burst = burst
        self.burstWindowSeconds = burstWindowSeconds
        self.sustained = sustained
        self.sustainedWindowSeconds = sustainedWindowSeconds
    }
}

/// The limits of each kind of write.
public struct AbuseLimits: Sendable {
    /// Over it a signature is kept as `suspect` (defaults as the UK Parliament petitions site).
    public var signing = RateLimit(burst: 3, sustained: 10)
    /// Over these, `-32004`.
    public var pledging = RateLimit(burst: 3, sustained: 10, sustainedWindowSeconds: 3600)
    public var rsvping = RateLimit(burst: 5, sustained: 20)

    public init() {}
}

/// Counts new writes per address in the database, so that a limit holds across processes sharing it
/// and across restarts. Addresses are kept as salted hashes, and only for the longer window.
enum AddressRate {
    enum Scope: String {
        case signature, pledge, rsvp
    }

    /// Records one new write from `ip`; returns how long until it would have been within the limit, or
    /// nil when it is. Every new write counts, over the limit or not.
    static func record(_ db: Database, scope: Scope, ip: String, limits: RateLimit, at now: Timestamp) throws -> Int? {
        let salt = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE key = 'salt'")) ?? ""
        let key = Data(SHA256.hash(data: Data((salt + "|" + ip).utf8)).prefix(16))
        let nowMs = now.millisecondsSince1970
        let horizon = Int64(max(limits.burstWindowSeconds, limits.sustainedWindowSeconds)) * 1000
        try db.cachedStatement(sql: "DELETE FROM signAttempt WHERE scope = ? AND addressKey = ? AND at <= ?")
            .execute(arguments: [scope.rawValue, key, nowMs - horizon])
        var retryAfterMs: Int64? = nil
        for (limit, window) in [(limits.burst, limits.burstWindowSeconds), (limits.sustained, limits.sustainedWindowSeconds)] {
            let since = nowMs - Int64(window) * 1000
            let times = try Int64.fetchAll(
                db.cachedStatement(sql: "SELECT at FROM signAttempt WHERE scope = ? AND addressKey = ? AND at > ? ORDER BY at"),
                arguments: [scope.rawValue, key, since])
            if times.count >= limit, let oldest = times.dropLast(limit - 1).last {
                // When the oldest write that keeps the window full leaves it.
                retryAfterMs = max(retryAfterMs ?? 0, oldest + Int64(window) * 1000 - nowMs)
            }
        }
        try db.cachedStatement(sql: "INSERT INTO signAttempt (scope, addressKey, at) VALUES (?, ?, ?)")
            .execute(arguments: [scope.rawValue, key, nowMs])
        return retryAfterMs.map { Int(max($0, 1)) }
    }
}
