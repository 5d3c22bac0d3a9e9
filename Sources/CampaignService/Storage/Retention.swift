import CampaignProtocol
import Foundation
import GRDB

/// `--anonymise-after DAYS`: that many days after the letter closed, every record loses the person's
/// email, IP address, user agent, postal code and phone number; names go too, except those of the signers
/// (and pledgers) the letter shows publicly. Queued mail goes: it carries addresses. Counters, totals and
/// tombstones stay as `Erasure` keeps them. The last run is kept in `meta`, shared by every process.
enum Retention {
    static let lastRunAtKey = "retention.lastRunAt"
    static let lastAnonymisedKey = "retention.lastAnonymised"
    /// How often it runs after the first run of a process.
    static let intervalSeconds: Int64 = 24 * 3600

    static func lastRun(_ db: Database) throws -> (at: Timestamp?, anonymised: Int?) {
        var stored: [String: String] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT key, value FROM meta WHERE key IN (?, ?)", arguments: [lastRunAtKey, lastAnonymisedKey])
        {
            stored[try row.decode(forColumn: "key")] = try row.decode(forColumn: "value")
        }
        return (
            stored[lastRunAtKey].flatMap { Int64($0) }.map { Timestamp(millisecondsSince1970: $0) },
            stored[lastAnonymisedKey].flatMap { Int($0) }
        )
    }

    /// Anonymises every record when the letter closed at least `days` days before `now`; returns how many
    /// records changed (0 when the letter is open or the window has not passed).
    static func anonymise(_ db: Database, days: Int, at now: Timestamp) throws -> Int {
        guard let letter = try StoredLetter.fetch(db), letter.letter.status == .closed, let closedAt = letter.closedAt,
            now >= closedAt.adding(seconds: Int64(days) * 86400)
        else { return 0 }
        var changed = 0
        // Only rows still holding something, so that a second run changes nothing and says 0.
        try db.execute(
            sql: """
                UPDATE signature SET \(Erasure.signatureChanges(keepPublicName: true))
                WHERE email IS NOT NULL OR emailCanonical IS NOT NULL OR ip IS NOT NULL OR userAgent IS NOT NULL
                    OR postalCode IS NOT NULL OR deliveryReason IS NOT NULL
                    OR (NOT \(Erasure.listedSignature) AND (name IS NOT NULL OR jobTitle IS NOT NULL OR country IS NOT NULL
                        OR comment IS NOT NULL OR organization != ''))
                """)
        changed += db.changesCount
        try db.execute(
            sql: """
                UPDATE pledge SET \(Erasure.pledgeChanges(keepPublicName: true))
                WHERE email != '' OR emailCanonical != '' OR ip IS NOT NULL OR userAgent IS NOT NULL OR deliveryReason IS NOT NULL
                    OR idempotencyKey IS NOT NULL OR (NOT \(Erasure.listedPledge) AND (name != '' OR message IS NOT NULL))
                """)
        changed += db.changesCount
        try db.execute(
            sql: """
                UPDATE rsvp SET \(Erasure.rsvpChanges)
                WHERE email IS NOT NULL OR emailCanonical IS NOT NULL OR name IS NOT NULL OR phone IS NOT NULL OR ip IS NOT NULL
                    OR userAgent IS NOT NULL OR deliveryReason IS NOT NULL
                """)
        changed += db.changesCount
        try db.execute(sql: "DELETE FROM outbox")
        return changed
    }
}

extension CampaignStore {
    /// Runs retention if `--anonymise-after` is set and it is due: when `force` (a process's start), or a
    /// day after the last run of any process sharing the database. Returns the records changed, or nil
    /// when it did not run.
    public func applyRetentionIfDue(force: Bool) async throws -> Int? {
        guard let days = anonymiseAfterDays else { return nil }
        let now = clock()
        let changed = try await writes.write { db -> Int? in
            let last = try Retention.lastRun(db).at
            // A clock set back (last run in the future) runs it too rather than waiting for the old date.
            let due = force || last.map { now >= $0.adding(seconds: Retention.intervalSeconds) || now < $0 } ?? true
            guard due else { return nil }
            let changed = try Retention.anonymise(db, days: days, at: now)
            try db.execute(
                sql: "INSERT INTO meta (key, value) VALUES (?, ?), (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                arguments: [Retention.lastRunAtKey, String(now.millisecondsSince1970), Retention.lastAnonymisedKey, String(changed)])
            return changed
        }
        if let changed, changed > 0 { _ = await emptyWriteAheadLog() }
        return changed
    }

    /// What `service.stats` says of retention.
    func retentionStats() throws -> RetentionStatus {
        let days = anonymiseAfterDays
        return try reading { db in
            let (at, anonymised) = try Retention.lastRun(db)
            return RetentionStatus(anonymiseAfterDays: days, lastRunAt: at, lastAnonymised: anonymised)
        }
    }
}
