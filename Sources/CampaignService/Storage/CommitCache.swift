import CampaignProtocol
import GRDB
import NIOConcurrencyHelpers

/// Values read from the database, kept until it changes: `PRAGMA data_version` of the cache's own
/// connection moves with every commit by any other connection (this process's writer or another
/// process's) and is read in the same transaction as the value it guards, so a hit is exact. A value
/// may also say when it changes by the clock alone (an open fundraiser's `closesAt`).
final class CommitCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry: Sendable {
        var version: Int
        var validUntil: Timestamp?
        var value: Value
    }

    private let connection: DatabaseQueue
    private let entries = NIOLockedValueBox<[Key: Entry]>([:])

    init(connection: DatabaseQueue) { self.connection = connection }

    func value(
        for key: Key, at now: Timestamp, compute: (Database) throws -> (value: Value, validUntil: Timestamp?)
    ) throws -> Value {
        try connection.read { db in
            let version = try Int.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? -1
            if let hit = entries.withLockedValue({ $0[key] }), hit.version == version, hit.validUntil.map({ now < $0 }) ?? true {
                return hit.value
            }
            let (value, validUntil) = try compute(db)
            entries.withLockedValue { $0[key] = Entry(version: version, validUntil: validUntil, value: value) }
            return value
        }
    }
}
