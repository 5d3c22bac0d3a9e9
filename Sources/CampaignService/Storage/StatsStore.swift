import CampaignProtocol
import GRDB

extension CampaignStore {
    /// The stored totals for `service.stats`, read in one transaction.
    func statsTotals() async throws -> (
        ServiceStats.SignatureTotals, ServiceStats.OutboxTotals, ServiceStats.PledgeTotals, ServiceStats.TweetTotals
    ) {
        let now = clock()
        return try reading { db in
            let c = try Counters.all(db)
            // A COUNT over the outbox: `service.stats` is for organisers, not on a visitor's path.
            guard
                let outbox = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FILTER (WHERE deadAt IS NULL), MIN(createdAt) FILTER (WHERE deadAt IS NULL),
                               COUNT(*) FILTER (WHERE deadAt IS NULL AND attempts > 0), COUNT(*) FILTER (WHERE deadAt IS NOT NULL)
                        FROM outbox
                        """)
            else { throw ResponseError.internalError("the outbox could not be counted") }
            let oldest: Timestamp? = try outbox.decode(atIndex: 1)
            let clicks = Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, clicks FROM tweet").map { row -> (String, Int) in
                    (try row.decode(forColumn: "id"), try row.decode(forColumn: "clicks"))
                })
            return (
                ServiceStats.SignatureTotals(
                    pending: c[.signatures(.pending)], confirmed: c[.signatures(.confirmed)],
                    withdrawn: c[.signatures(.withdrawn)], invalidated: c[.signatures(.invalidated)],
                    suspect: c[.signatures(.suspect)]),
                ServiceStats.OutboxTotals(
                    queued: try outbox.decode(atIndex: 0),
                    oldestAgeSeconds: oldest.map { Int(max(0, now.millisecondsSince1970 - $0.millisecondsSince1970) / 1000) },
                    retrying: try outbox.decode(atIndex: 2), dead: try outbox.decode(atIndex: 3)),
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
