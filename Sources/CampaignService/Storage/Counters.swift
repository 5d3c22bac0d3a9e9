import CampaignProtocol
import GRDB

/// Exact counters, changed in the same transaction as the rows they count, so a count is one read of
/// a handful of rows at any size (never a `COUNT(*)` per request).
enum Counters {
    static let names = [
        "signatures.pending", "signatures.confirmed", "signatures.withdrawn", "signatures.invalidated", "signatures.suspect",
        "signatures.organizations", "signatures.customers",
    ]

    static func add(_ db: Database, _ name: String, _ delta: Int) throws {
        guard delta != 0 else { return }
        try db.cachedStatement(
            sql: "INSERT INTO counter (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value"
        ).execute(arguments: [name, delta])
    }

    static func all(_ db: Database) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT name, value FROM counter") { out[row["name"]] = row["value"] }
        return out
    }

    /// What one signature contributes to the counters.
    struct SignatureState: Equatable {
        var status: SignatureStatus
        var hasOrganization: Bool
        var isCustomer: Bool
    }

    /// Moves a signature's contribution from `old` to `new` (nil: not there).
    static func transition(_ db: Database, from old: SignatureState?, to new: SignatureState?) throws {
        guard old != new else { return }
        var deltas: [String: Int] = [:]
        func apply(_ state: SignatureState, _ sign: Int) {
            deltas["signatures." + state.status.rawValue, default: 0] += sign
            if state.status == .confirmed {
                if state.hasOrganization { deltas["signatures.organizations", default: 0] += sign }
                if state.isCustomer { deltas["signatures.customers", default: 0] += sign }
            }
        }
        if let old { apply(old, -1) }
        if let new { apply(new, +1) }
        for (name, delta) in deltas { try add(db, name, delta) }
    }

    /// One cached statement: this is the hottest read of a campaign (every page view).
    static func signatureCounts(_ db: Database) throws -> SignatureCounts {
        var c: [String: Int] = [:]
        var goal: Int? = nil
        let statement = try db.cachedStatement(
            sql: """
                SELECT name, value FROM counter WHERE name LIKE 'signatures.%'
                UNION ALL SELECT 'goal', signatureGoal FROM letter WHERE id = 1
                """)
        for row in try Row.fetchAll(statement) {
            let name: String = row[0]
            if name == "goal" { goal = row[1] } else { c[name] = row[1] }
        }
        return SignatureCounts(
            confirmed: c["signatures.confirmed"] ?? 0, pending: c["signatures.pending"] ?? 0,
            organizations: c["signatures.organizations"] ?? 0, customers: c["signatures.customers"] ?? 0, goal: goal)
    }
}
