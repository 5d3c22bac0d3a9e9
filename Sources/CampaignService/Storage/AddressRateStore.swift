import CampaignProtocol
import Crypto
import Foundation
import GRDB
import NIOConcurrencyHelpers

/// Counts new writes per address in the database, so that a limit holds across processes sharing it
/// and across restarts. Addresses are keyed by `IPAddress.rateKey` (an IPv4 address or an IPv6 /64, however
/// spelled), kept as salted hashes, only for the longer window, and at most as many per address as a limit
/// needs: the table stays as small as the traffic of the last window.
enum AddressRate {
    enum Scope: String {
        case signature, pledge, rsvp
    }

    /// Decides a new write from `ip` and (canonical) `email` under the organisers' lists and `limits`;
    /// returns how long until it would be admitted, or nil when it is. Every new write from a limited
    /// address counts, over the limit or not.
    static func check(
        _ db: Database, scope: Scope, ip: IPAddress?, email: String, lists: AbuseLists, limits: RateLimit, at now: Timestamp
    ) throws -> Int? {
        switch lists.verdict(ip: ip, email: email) {
        case .blocked: return limits.sustainedWindowSeconds * 1000
        case .exempt: return nil
        case .limited: break
        }
        guard let ip else { return nil }
        return try record(db, scope: scope, ip: ip, limits: limits, at: now)
    }

    static func record(_ db: Database, scope: Scope, ip: IPAddress, limits: RateLimit, at now: Timestamp) throws -> Int? {
        let key = try Self.key(db, ip: ip)
        let nowMs = now.millisecondsSince1970
        let horizon = Int64(max(limits.burstWindowSeconds, limits.sustainedWindowSeconds)) * 1000
        try sweepIfDue(db, scope: scope, before: nowMs - horizon, at: nowMs)
        var retryAfterMs: Int64? = nil
        var seen = 0
        for (limit, window) in [(limits.burst, limits.burstWindowSeconds), (limits.sustained, limits.sustainedWindowSeconds)] {
            let since = nowMs - Int64(window) * 1000
            let times = try Int64.fetchAll(
                db.cachedStatement(sql: "SELECT at FROM signAttempt WHERE scope = ? AND addressKey = ? AND at > ? ORDER BY at"),
                arguments: [scope.rawValue, key, since])
            seen = max(seen, times.count)
            if times.count >= limit, let oldest = times.dropLast(limit - 1).last {
                // When the oldest write that keeps the window full leaves it.
                retryAfterMs = max(retryAfterMs ?? 0, oldest + Int64(window) * 1000 - nowMs)
            }
        }
        try db.cachedStatement(sql: "INSERT INTO signAttempt (scope, addressKey, at) VALUES (?, ?, ?)")
            .execute(arguments: [scope.rawValue, key, nowMs])
        // Only the newest `limit` writes of an address can decide anything: a flood from one address
        // keeps a few rows, not one per request.
        let keep = max(limits.burst, limits.sustained)
        if seen + 1 > keep {
            try db.cachedStatement(
                sql: """
                    DELETE FROM signAttempt WHERE rowid IN (
                        SELECT rowid FROM signAttempt WHERE scope = ? AND addressKey = ? ORDER BY at DESC LIMIT -1 OFFSET ?)
                    """
            ).execute(arguments: [scope.rawValue, key, keep])
        }
        return retryAfterMs.map { Int(max($0, 1)) }
    }

    /// The stored key of an address: a salted hash, so that the table alone names no address.
    static func key(_ db: Database, ip: IPAddress) throws -> Data {
        let salt = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE key = 'salt'")) ?? ""
        return Data(SHA256.hash(data: Data((salt + "|").utf8) + ip.rateKey).prefix(16))
    }

    /// Addresses not seen again leave their rows behind; once a minute a write clears what has aged out.
    private static let lastSweep = NIOLockedValueBox<[Scope: Int64]>([:])

    static func sweepIfDue(_ db: Database, scope: Scope, before horizon: Int64, at nowMs: Int64) throws {
        let due = lastSweep.withLockedValue { last in
            guard nowMs - (last[scope] ?? 0) >= 60_000 || nowMs < (last[scope] ?? 0) else { return false }
            last[scope] = nowMs
            return true
        }
        if due {
            try db.cachedStatement(sql: "DELETE FROM signAttempt WHERE scope = ? AND at <= ?").execute(arguments: [scope.rawValue, horizon])
        }
    }
}
