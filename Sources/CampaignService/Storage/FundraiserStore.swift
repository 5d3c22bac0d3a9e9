import CampaignProtocol
import Foundation
import GRDB

/// The fundraiser row: what organisers set, and the totals the service keeps exact.
struct StoredFundraiser: Sendable {
    var title: String
    var description: String
    var currency: String
    var goalMinor: Int
    var minimumMinor: Int
    var maximumMinor: Int
    var closesAt: Timestamp?
    var status: FundraiserStatus
    var confirmationRequired: Bool
    var closedAt: Timestamp?
    var pledgedMinor = 0
    var paidMinor = 0
    var pledgeCount = 0

    static func fetch(_ db: Database) throws -> StoredFundraiser? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM fundraiser WHERE id = 1") else { return nil }
        let closesAt: Int64? = row["closesAt"]
        let closedAt: Int64? = row["closedAt"]
        return StoredFundraiser(
            title: row["title"], description: row["description"], currency: row["currency"], goalMinor: row["goalMinor"],
            minimumMinor: row["minimumMinor"], maximumMinor: row["maximumMinor"],
            closesAt: Timestamp.stored(closesAt),
            status: FundraiserStatus(rawValue: row["status"]) ?? .closed, confirmationRequired: row["confirmationRequired"],
            closedAt: Timestamp.stored(closedAt), pledgedMinor: row["pledgedMinor"],
            paidMinor: row["paidMinor"], pledgeCount: row["pledgeCount"])
    }

    static func require(_ db: Database) throws -> StoredFundraiser {
        guard let fundraiser = try fetch(db) else { throw ResponseError.notFound("this campaign has no fundraiser") }
        return fundraiser
    }

    /// Saves what organisers set; the totals are changed only by `adjustTotals`.
    func save(_ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO fundraiser (id, title, description, currency, goalMinor, minimumMinor, maximumMinor, closesAt, status,
                                        confirmationRequired, closedAt)
                VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET title = excluded.title, description = excluded.description,
                    currency = excluded.currency, goalMinor = excluded.goalMinor, minimumMinor = excluded.minimumMinor,
                    maximumMinor = excluded.maximumMinor, closesAt = excluded.closesAt, status = excluded.status,
                    confirmationRequired = excluded.confirmationRequired, closedAt = excluded.closedAt
                """,
            arguments: [
                title, description, currency, goalMinor, minimumMinor, maximumMinor, closesAt?.millisecondsSince1970,
                status.rawValue, confirmationRequired, closedAt?.millisecondsSince1970,
            ])
    }

    /// Open means set open and not past `closesAt`.
    func isOpen(at now: Timestamp) -> Bool { status == .open && (closesAt.map { now < $0 } ?? true) }

    /// When it closed, for the 24-hour confirmation grace.
    func closedSince(at now: Timestamp) -> Timestamp? {
        if status == .closed { return closedAt ?? closesAt ?? now }
        if let closesAt, now >= closesAt { return closesAt }
        return nil
    }

    func view(at now: Timestamp) -> Fundraiser {
        Fundraiser(
            title: title, description: description, goal: Money(amountMinor: goalMinor, currency: currency),
            pledged: Money(amountMinor: pledgedMinor, currency: currency), paid: Money(amountMinor: paidMinor, currency: currency),
            pledgeCount: pledgeCount, minimum: Money(amountMinor: minimumMinor, currency: currency),
            maximum: Money(amountMinor: maximumMinor, currency: currency), closesAt: closesAt,
            status: isOpen(at: now) ? .open : .closed, confirmationRequired: confirmationRequired)
    }

    /// Moves a pledge's contribution to the totals from one status to another, in the caller's transaction.
    static func adjustTotals(_ db: Database, amountMinor: Int, from old: PledgeStatus?, to new: PledgeStatus?) throws {
        guard old != new else { return }
        func contribution(_ status: PledgeStatus?) -> (pledged: Int, paid: Int, count: Int) {
            switch status {
            case .confirmed?: (amountMinor, 0, 1)
            case .paid?: (amountMinor, amountMinor, 1)
            default: (0, 0, 0)
            }
        }
        let (a, b) = (contribution(old), contribution(new))
        try db.execute(
            sql:
                "UPDATE fundraiser SET pledgedMinor = pledgedMinor + ?, paidMinor = paidMinor + ?, pledgeCount = pledgeCount + ? WHERE id = 1",
            arguments: [b.pledged - a.pledged, b.paid - a.paid, b.count - a.count])
        if let old { try Counters.add(db, "pledges." + old.rawValue, -1) }
        if let new { try Counters.add(db, "pledges." + new.rawValue, 1) }
    }
}

/// A row of the `pledge` table.
struct PledgeRow: Codable, FetchableRecord, MutablePersistableRecord, Sequenced, Sendable {
    static let databaseTableName = "pledge"

    var seq: Int64?
    var id: String
    var emailCanonical: String
    var email: String
    var name: String
    var amountMinor: Int
    var currency: String
    var showName: Bool
    var message: String?
    var contactOptIn: Bool
    var idempotencyKey: String?
    var source: String?
    var ip: String?
    var userAgent: String?
    var status: String
    var messagesSent: Int
    var createdAt: Int64
    var confirmedAt: Int64?
    var paidAt: Int64?
    var refundedAt: Int64?
    var cancelledAt: Int64?

    mutating func didInsert(_ inserted: InsertionSuccess) { seq = inserted.rowID }

    var pledgeStatus: PledgeStatus { PledgeStatus(rawValue: status) ?? .cancelled }
    var amount: Money { Money(amountMinor: amountMinor, currency: currency) }

    var record: PledgeRecord {
        PledgeRecord(
            id: id, status: pledgeStatus, name: name, email: email, amount: amount, showName: showName, message: message,
            contactOptIn: contactOptIn, idempotencyKey: idempotencyKey, source: source,
            client: ClientInfo.stored(ip: ip, userAgent: userAgent), messagesSent: messagesSent,
            pledgedAt: Timestamp(millisecondsSince1970: createdAt), confirmedAt: Timestamp.stored(confirmedAt),
            paidAt: Timestamp.stored(paidAt), refundedAt: Timestamp.stored(refundedAt),
            cancelledAt: Timestamp.stored(cancelledAt))
    }

    var tokenRecord: TokenRecord {
        TokenRecord(
            kind: .pledge, id: id, status: status, name: name, organization: nil, showName: showName,
            createdAt: Timestamp(millisecondsSince1970: createdAt), confirmedAt: Timestamp.stored(confirmedAt),
            amount: amount)
    }

    /// The state machine of SPEC §6; organisers move pledges along it, tokens confirm and cancel.
    static func allows(_ from: PledgeStatus, _ to: PledgeStatus) -> Bool {
        switch (from, to) {
        case (.pending, .confirmed), (.confirmed, .paid), (.paid, .refunded), (.pending, .cancelled), (.confirmed, .cancelled): true
        default: false
        }
    }

    /// Moves the pledge, its timestamps and the fundraiser's totals together.
    mutating func move(to new: PledgeStatus, at now: Timestamp, _ db: Database) throws {
        let old = pledgeStatus
        guard old != new else { return }
        guard Self.allows(old, new) else { throw ResponseError.conflict("a \(old.rawValue) pledge cannot become \(new.rawValue)") }
        status = new.rawValue
        let ms = now.millisecondsSince1970
        switch new {
        case .confirmed: confirmedAt = ms
        case .paid: paidAt = ms
        case .refunded: refundedAt = ms
        case .cancelled: cancelledAt = ms
        case .pending: break
        }
        try update(db)
        try StoredFundraiser.adjustTotals(db, amountMinor: amountMinor, from: old, to: new)
    }
}

/// A validated `pledges.create`; the amount is checked against the fundraiser inside the transaction.
struct NewPledge: Sendable {
    var name: String
    var email: String
    var emailCanonical: String
    var amount: Money
    var showName: Bool
    var message: String?
    var contactOptIn: Bool
    var idempotencyKey: String?
    var source: String?
    var ip: String?
    var userAgent: String?
}

/// Money rules (SPEC §3): integer minor units (the decoder refuses fractions) of an upper-case ISO 4217 code.
enum MoneyRules {
    static func currency(_ code: String, field: String) throws(ResponseError) -> String {
        guard code.utf8.count == 3, code.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
            throw .invalidParams(field: field, reason: "must be an upper-case ISO 4217 code such as \"USD\"")
        }
        return code
    }

    static func amount(_ money: Money, field: String, positive: Bool = true) throws(ResponseError) -> Money {
        _ = try currency(money.currency, field: field + ".currency")
        guard money.amountMinor >= (positive ? 1 : 0) else {
            throw .invalidParams(field: field + ".amountMinor", reason: positive ? "must be positive" : "must not be negative")
        }
        return money
    }
}

extension CampaignStore {
    func fundraiser() async throws -> Fundraiser {
        let now = clock()
        return try reading { db in try StoredFundraiser.require(db).view(at: now) }
    }

    func updateFundraiser(_ p: UpdateFundraiser) async throws -> Fundraiser {
        let now = clock()
        return try await writes.write { db in
            var f = try StoredFundraiser.require(db)
            if let v = p.title { f.title = try TextRules.required(v, field: "title", max: TextRules.title) }
            if let v = p.description {
                f.description = try TextRules.required(v, field: "description", max: TextRules.description, multiline: true)
            }
            for (field, money) in [("goal", p.goal), ("minimum", p.minimum), ("maximum", p.maximum)] {
                guard let money else { continue }
                _ = try MoneyRules.amount(money, field: field)
                guard money.currency == f.currency else {
                    throw ResponseError.invalidParams(
                        field: field + ".currency", reason: "must be \(f.currency), the fundraiser's currency")
                }
            }
            if let v = p.goal { f.goalMinor = v.amountMinor }
            if let v = p.minimum { f.minimumMinor = v.amountMinor }
            if let v = p.maximum { f.maximumMinor = v.amountMinor }
            guard f.minimumMinor <= f.maximumMinor else {
                throw ResponseError.invalidParams(field: "minimum", reason: "must not exceed the maximum")
            }
            if let v = p.closesAt { f.closesAt = v }
            if let v = p.confirmationRequired { f.confirmationRequired = v }
            if let v = p.status, v != f.status {
                f.status = v
                f.closedAt = v == .closed ? now : nil
            }
            try f.save(db)
            return f.view(at: now)
        }
    }

    /// Creates a pledge, or returns the same reply for a repeated `idempotencyKey` from the same email.
    func createPledge(_ p: NewPledge) async throws -> CreatePledge.Result {
        let now = clock()
        let limits = self.limits.pledging
        let lists = abuse.lists
        return try await writes.write { db in
            let f = try StoredFundraiser.require(db)
            guard f.isOpen(at: now) else { throw ResponseError.closed("the fundraiser is closed") }
            guard p.amount.currency == f.currency else {
                throw ResponseError.invalidParams(field: "amount.currency", reason: "must be \(f.currency), the fundraiser's currency")
            }
            guard (f.minimumMinor...f.maximumMinor).contains(p.amount.amountMinor) else {
                throw ResponseError.invalidParams(
                    field: "amount.amountMinor", reason: "must be between \(f.minimumMinor) and \(f.maximumMinor) \(f.currency) minor units"
                )
            }
            if let key = p.idempotencyKey,
                try PledgeRow.fetchOne(
                    db, sql: "SELECT * FROM pledge WHERE emailCanonical = ? AND idempotencyKey = ?", arguments: [p.emailCanonical, key])
                    != nil
            {
                return CreatePledge.Result(accepted: true, confirmationRequired: f.confirmationRequired, fundraiser: f.view(at: now))
            }
            if let retry = try AddressRate.check(
                db, scope: .pledge, ip: p.ip, email: p.emailCanonical, lists: lists, limits: limits, at: now)
            {
                throw ResponseError.rateLimited(retryAfterMs: retry)
            }
            let status: PledgeStatus = f.confirmationRequired ? .pending : .confirmed
            var row = PledgeRow(
                seq: nil, id: Random.id(prefix: "pl"), emailCanonical: p.emailCanonical, email: p.email, name: p.name,
                amountMinor: p.amount.amountMinor, currency: p.amount.currency, showName: p.showName, message: p.message,
                contactOptIn: p.contactOptIn, idempotencyKey: p.idempotencyKey, source: p.source, ip: p.ip, userAgent: p.userAgent,
                status: status.rawValue, messagesSent: 1, createdAt: now.millisecondsSince1970,
                confirmedAt: status == .confirmed ? now.millisecondsSince1970 : nil, paidAt: nil, refundedAt: nil, cancelledAt: nil)
            try row.insert(db)
            try StoredFundraiser.adjustTotals(db, amountMinor: row.amountMinor, from: nil, to: status)
            try Outbox.enqueue(
                db, kind: status == .pending ? .pledgeConfirm : .pledgeReceipt, subject: .pledge, seq: row.seq, name: row.name,
                email: row.email, at: now)
            return CreatePledge.Result(
                accepted: true, confirmationRequired: f.confirmationRequired, fundraiser: try StoredFundraiser.require(db).view(at: now))
        }
    }

    func recentPledges(limit: Int) async throws -> [PublicPledge] {
        try reading { db in
            try PledgeRow.fetchAll(
                db,
                sql: "SELECT * FROM pledge WHERE status IN ('confirmed', 'paid') AND showName = 1 ORDER BY seq DESC LIMIT ?",
                arguments: [limit]
            ).map {
                PublicPledge(
                    name: $0.name, amount: $0.amount, message: $0.message, pledgedAt: Timestamp(millisecondsSince1970: $0.createdAt))
            }
        }
    }

    func exportPledges(limit: Int, after: Int64?, status: PledgeStatus?) async throws -> Page<PledgeRecord> {
        try reading { db in
            try Export.page(db, table: "pledge", after: after, status: status?.rawValue, limit: limit) { (row: PledgeRow) in row.record }
        }
    }

    func setPledgeStatus(pledgeID: String, status: PledgeStatus) async throws -> PledgeRecord {
        let now = clock()
        return try await writes.write { db in
            guard var row = try PledgeRow.fetchOne(db, sql: "SELECT * FROM pledge WHERE id = ?", arguments: [pledgeID]) else {
                throw ResponseError.notFound("pledge \(pledgeID)")
            }
            try row.move(to: status, at: now, db)
            return row.record
        }
    }
}
