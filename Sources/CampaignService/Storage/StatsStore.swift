import CampaignProtocol
import GRDB

extension CampaignStore {
    /// The stored totals for `service.stats`, read in one transaction.
    func statsTotals() async throws -> (
        ServiceStats.SignatureTotals, ServiceStats.OutboxTotals, ServiceStats.PledgeTotals, ServiceStats.TweetTotals
    ) {
        try reading { db in
            let c = try Counters.all(db)
            let queued = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox") ?? 0
            let clicks = Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, clicks FROM tweet").map { row -> (String, Int) in
                    (row["id"], row["clicks"])
                })
            return (
                ServiceStats.SignatureTotals(
                    pending: c["signatures.pending"] ?? 0, confirmed: c["signatures.confirmed"] ?? 0,
                    withdrawn: c["signatures.withdrawn"] ?? 0, invalidated: c["signatures.invalidated"] ?? 0,
                    suspect: c["signatures.suspect"] ?? 0),
                ServiceStats.OutboxTotals(queued: queued),
                ServiceStats.PledgeTotals(
                    pending: c["pledges.pending"] ?? 0, confirmed: c["pledges.confirmed"] ?? 0, paid: c["pledges.paid"] ?? 0,
                    refunded: c["pledges.refunded"] ?? 0, cancelled: c["pledges.cancelled"] ?? 0),
                ServiceStats.TweetTotals(clicks: clicks.values.reduce(0, +), byTweet: clicks)
            )
        }
    }

    var writeTotals: ServiceStats.WriteTotals {
        let (transactions, count) = writes.totals
        return .init(
            transactions: transactions, writes: count,
            averageBatch: transactions == 0 ? 0 : (Double(count) / Double(transactions) * 100).rounded() / 100)
    }
}
