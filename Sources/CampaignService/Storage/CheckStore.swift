import CampaignProtocol
import GRDB

extension CampaignStore {
    /// Every counter against a recount from the rows, in one read transaction, and the integrity check.
    func check() async throws -> CheckService.Result {
        try reading { db in
            let stored = try Counters.all(db)
            var checks: [CheckService.CounterCheck] = []
            func compare(_ name: String, stored value: Int, _ sql: String, _ arguments: StatementArguments = []) throws {
                let recounted = try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0
                checks.append(.init(name: name, stored: value, recounted: recounted))
            }
            for counter in Counter.allCases {
                let (sql, arguments): (String, StatementArguments) =
                    switch counter {
                    case .signatures(let status): ("SELECT COUNT(*) FROM signature WHERE status = ?", [status])
                    case .signatureOrganizations:
                        ("SELECT COUNT(*) FROM signature WHERE status = 'confirmed' AND organization IS NOT NULL", [])
                    case .signatureCustomers: ("SELECT COUNT(*) FROM signature WHERE status = 'confirmed' AND isCustomer = 1", [])
                    case .pledges(let status): ("SELECT COUNT(*) FROM pledge WHERE status = ?", [status])
                    }
                try compare(counter.name, stored: stored[counter], sql, arguments)
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
            let people = "SELECT COALESCE(SUM(1 + guests), 0) FROM rsvp WHERE eventSeq = ? AND status = ?"
            for event in try EventRow.fetchAll(db, sql: "SELECT * FROM event ORDER BY seq") {
                for (status, held, confirmed) in [
                    (RSVPStatus.going, event.going, event.goingConfirmed), (.waitlisted, event.waitlisted, event.waitlistedConfirmed),
                ] {
                    try compare("events.\(event.id).\(status.rawValue)", stored: held, people, [event.seq, status])
                    try compare(
                        "events.\(event.id).\(status.rawValue).confirmed", stored: confirmed, people + " AND confirmedAt IS NOT NULL",
                        [event.seq, status])
                }
            }
            let integrity = try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer"
            let drift = checks.filter { $0.stored != $0.recounted }.count
            return CheckService.Result(ok: drift == 0 && integrity == "ok", integrity: integrity, counters: checks, drift: drift)
        }
    }
}
