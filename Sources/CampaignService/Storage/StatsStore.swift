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
                    (try row.decode(forColumn: "id"), try row.decode(forColumn: "clicks"))
                })
            return (
                ServiceStats.SignatureTotals(
                    pending: c[.signatures(.pending)], confirmed: c[.signatures(.confirmed)],
                    withdrawn: c[.signatures(.withdrawn)], invalidated: c[.signatures(.invalidated)],
                    suspect: c[.signatures(.suspect)]),
                ServiceStats.OutboxTotals(queued: queued),
                ServiceStats.PledgeTotals(
                    pending: c[.pledges(.pending)], confirmed: c[.pledges(.confirmed)], paid: c[.pledges(.paid)],
                    refunded: c[.pledges(.refunded)], cancelled: c[.pledges(.cancelled)]),
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
