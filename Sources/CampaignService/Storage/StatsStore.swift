import CampaignProtocol
import GRDB

extension CampaignStore {
    func statsTotals() async throws -> (ServiceStats.SignatureTotals, ServiceStats.OutboxTotals) {
        try await pool.read { db in
            let c = try Counters.all(db)
            let queued = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox") ?? 0
            return (
                ServiceStats.SignatureTotals(
                    pending: c["signatures.pending"] ?? 0, confirmed: c["signatures.confirmed"] ?? 0,
                    withdrawn: c["signatures.withdrawn"] ?? 0, invalidated: c["signatures.invalidated"] ?? 0,
                    suspect: c["signatures.suspect"] ?? 0),
                ServiceStats.OutboxTotals(queued: queued)
            )
        }
    }
}
