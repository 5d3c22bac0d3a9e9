import CampaignProtocol
import GRDB

/// One row of the `counter` table.
enum Counter: Hashable, CaseIterable {
    case signatures(SignatureStatus)
    /// Confirmed signatures that name an organisation.
    case signatureOrganizations
    /// Confirmed signatures that say `isCustomer`.
    case signatureCustomers
    case pledges(PledgeStatus)

    static var allCases: [Counter] {
        SignatureStatus.allCases.map(Counter.signatures) + [.signatureOrganizations, .signatureCustomers]
            + PledgeStatus.allCases.map(Counter.pledges)
    }

    /// The row's name, as stored and as `service.check` reports it.
    var name: String {
        switch self {
        case .signatures(let status): "signatures." + status.rawValue
        case .signatureOrganizations: "signatures.organizations"
        case .signatureCustomers: "signatures.customers"
        case .pledges(let status): "pledges." + status.rawValue
        }
    }
}

/// Exact counters, changed in the same transaction as the rows they count, so a count is one read of
/// a handful of rows at any size (never a `COUNT(*)` per request). A counter nothing has moved yet has
/// no row: it is 0.
enum Counters {
    static func add(_ db: Database, _ counter: Counter, _ delta: Int) throws {
        guard delta != 0 else { return }
        try db.cachedStatement(
            sql: "INSERT INTO counter (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value"
        ).execute(arguments: [counter.name, delta])
    }

    /// Every counter as stored.
    struct Values {
        fileprivate var stored: [String: Int]
        subscript(_ counter: Counter) -> Int { stored[counter.name] ?? 0 }
    }

    static func all(_ db: Database) throws -> Values {
        var stored: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT name, value FROM counter") {
            stored[try row.decode(forColumn: "name")] = try row.decode(forColumn: "value")
        }
        return Values(stored: stored)
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
        var deltas: [Counter: Int] = [:]
        func apply(_ state: SignatureState, _ sign: Int) {
            deltas[.signatures(state.status), default: 0] += sign
            if state.status == .confirmed {
                if state.hasOrganization { deltas[.signatureOrganizations, default: 0] += sign }
                if state.isCustomer { deltas[.signatureCustomers, default: 0] += sign }
            }
        }
        if let old { apply(old, -1) }
        if let new { apply(new, +1) }
        for (counter, delta) in deltas { try add(db, counter, delta) }
    }

    /// One cached statement: this is the hottest read of a campaign (every page view). Organisers also
    /// see `pending`; a public listener only what confirmed signatures moved.
    static func signatureCounts(_ db: Database, role: Role) throws -> SignatureCounts {
        var confirmed = 0
        var pending = 0
        var organizations = 0
        var customers = 0
        var goal: Int? = nil
        let statement = try db.cachedStatement(
            sql: """
                SELECT name, value FROM counter WHERE name IN (?, ?, ?, ?)
                UNION ALL SELECT 'goal', signatureGoal FROM letter WHERE id = 1
                """)
        let names = [Counter.signatures(.confirmed), .signatures(.pending), .signatureOrganizations, .signatureCustomers]
        for row in try Row.fetchAll(statement, arguments: StatementArguments(names.map(\.name))) {
            let name: String = try row.decode(atIndex: 0)
            switch name {
            case "goal": goal = try row.decode(atIndex: 1)
            case Counter.signatures(.confirmed).name: confirmed = try row.decode(atIndex: 1)
            case Counter.signatures(.pending).name: pending = try row.decode(atIndex: 1)
            case Counter.signatureOrganizations.name: organizations = try row.decode(atIndex: 1)
            default: customers = try row.decode(atIndex: 1)
            }
        }
        return SignatureCounts(
            confirmed: confirmed, pending: role == .admin ? pending : nil, organizations: organizations, customers: customers,
            goal: goal)
    }
}
