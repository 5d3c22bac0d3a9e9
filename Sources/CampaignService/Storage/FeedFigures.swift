import CampaignProtocol
import GRDB

/// What `ChangeFeed` watches and sends, read from the database.
extension CampaignStore {
    /// `PRAGMA data_version` on the store's watcher connection: it changes with every commit by any
    /// other connection, in this process or another.
    func dataVersion() async throws -> Int {
        // A short read on the calling thread, as every read here.
        try failingAsTheContractSays { try watcher.read { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 } }
    }

    /// The figures each topic's subscribers get, per role, read in one transaction.
    func topicFigures() async throws -> [Role: [Topic: JSONValue]] {
        let now = clock()
        let encoder = JSONValueEncoder()
        return try reading { db in
            let fundraiser = try StoredFundraiser.fetch(db)?.view(at: now)
            var figures: [Role: [Topic: JSONValue]] = [:]
            for role in [Role.public, .admin] {
                figures[role] = [
                    .signatures: try encoder.encode(Counters.signatureCounts(db, role: role)),
                    .events: try encoder.encode(Self.events(db, role: role)), .fundraiser: try fundraiser.map(encoder.encode) ?? .null,
                ]
            }
            return figures
        }
    }
}
