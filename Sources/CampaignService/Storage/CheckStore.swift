import CampaignProtocol
import GRDB

extension CampaignStore {
    /// Every counter against a recount from the rows, in one read transaction, and the integrity check.
    func check() async throws -> CheckService.Result {
        try reading { db in
            let stored = try Counters.all(db)
            var checks: [CheckService.CounterCheck] = []
            func compare(_ name: String, stored value: Int?, _ sql: String, _ arguments: StatementArguments = []) throws {
                let recounted = try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0
                checks.append(.init(name: name, stored: value ?? 0, recounted: recounted))
            }
            for status in SignatureStatus.allCases {
                try compare(
                    "signatures.\(status.rawValue)", stored: stored["signatures.\(status.rawValue)"],
                    "SELECT COUNT(*) FROM signature WHERE status = ?", [status.rawValue])
            }
            try compare(
                "signatures.organizations", stored: stored["signatures.organizations"],
                "SELECT COUNT(*) FROM signature WHERE status = 'confirmed' AND organization IS NOT NULL")
            try compare(
                "signatures.customers", stored: stored["signatures.customers"],
                "SELECT COUNT(*) FROM signature WHERE status = 'confirmed' AND isCustomer = 1")
            for status in PledgeStatus.allCases {
                try compare(
                    "pledges.\(status.rawValue)", stored: stored["pledges.\(status.rawValue)"],
                    "SELECT COUNT(*) FROM pledge WHERE status = ?", [status.rawValue])
            }
            if let f = try StoredFundraiser.fetch(db) {
                try compare(
                    "fundraiser.pledged", stored: f.pledgedMinor,
                    "SELECT COALESCE(SUM(amountMinor), 0) FROM pledge WHERE status IN ('confirmed', 'paid')")
                try compare(
                    "fundraiser.paid", stored: f.paidMinor, "SELECT COALESCE(SUM(amountMinor), 0) FROM pledge WHERE status = 'paid'")
                try compare(
                    "fundraiser.pledgeCount", stored: f.pledgeCount, "SELECT COUNT(*) FROM pledge WHERE status IN ('confirmed', 'paid')")
            }
            for event in try EventRow.fetchAll(db, sql: "SELECT * FROM event ORDER BY seq") {
                for (field, value) in [("going", event.going), ("waitlisted", event.waitlisted)] {
                    try compare(
                        "events.\(event.id).\(field)", stored: value,
                        "SELECT COALESCE(SUM(1 + guests), 0) FROM rsvp WHERE eventSeq = ? AND status = ?", [event.seq, field])
                }
            }
            let integrity = try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer"
            let drift = checks.filter { $0.stored != $0.recounted }.count
            return CheckService.Result(ok: drift == 0 && integrity == "ok", integrity: integrity, counters: checks, drift: drift)
        }
    }
}
