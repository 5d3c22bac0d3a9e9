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
        return StoredFundraiser(
            title: try row.decode(forColumn: "title"), description: try row.decode(forColumn: "description"),
            currency: try row.decode(forColumn: "currency"), goalMinor: try row.decode(forColumn: "goalMinor"),
            minimumMinor: try row.decode(forColumn: "minimumMinor"), maximumMinor: try row.decode(forColumn: "maximumMinor"),
            closesAt: try row.decode(forColumn: "closesAt"), status: try row.decode(forColumn: "status"),
            confirmationRequired: try row.decode(forColumn: "confirmationRequired"), closedAt: try row.decode(forColumn: "closedAt"),
            pledgedMinor: try row.decode(forColumn: "pledgedMinor"), paidMinor: try row.decode(forColumn: "paidMinor"),
            pledgeCount: try row.decode(forColumn: "pledgeCount"))
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
                title, description, currency, goalMinor, minimumMinor, maximumMinor, closesAt, status, confirmationRequired, closedAt,
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

    /// Moves a pledge's contribution to the totals from one status to another, in the caller's
    /// transaction. Totals are added in Swift with overflow checks: SQLite would turn an overflowing
    /// integer into a REAL, and the fundraiser would then no longer read back.
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
        let f = try require(db)
        func total(_ current: Int, _ delta: Int) throws -> Int {
            let (sum, overflow) = current.addingReportingOverflow(delta)
            guard !overflow else { throw ResponseError.conflict("the fundraiser's totals cannot grow any further") }
            return sum
        }
        try db.execute(
            sql: "UPDATE fundraiser SET pledgedMinor = ?, paidMinor = ?, pledgeCount = ? WHERE id = 1",
            arguments: [
                try total(f.pledgedMinor, b.pledged - a.pledged), try total(f.paidMinor, b.paid - a.paid),
                try total(f.pledgeCount, b.count - a.count),
            ])
        if let old { try Counters.add(db, .pledges(old), -1) }
        if let new { try Counters.add(db, .pledges(new), 1) }
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
    var status: PledgeStatus
    var messagesSent: Int
    /// Times the same `idempotencyKey` came again: each is a write, as a new pledge is.
    var repeats: Int
    var createdAt: Timestamp
    var confirmedAt: Timestamp?
    var paidAt: Timestamp?
    var refundedAt: Timestamp?
    var cancelledAt: Timestamp?
    var deliveryState: DeliveryState?
    var deliveryReason: String?
    var deliveryAt: Timestamp?

    mutating func didInsert(_ inserted: InsertionSuccess) { seq = inserted.rowID }

    var amount: Money { Money(amountMinor: amountMinor, currency: currency) }

    var record: PledgeRecord {
        PledgeRecord(
            id: id, status: status, name: name, email: email, amount: amount, showName: showName, message: message,
            contactOptIn: contactOptIn, idempotencyKey: idempotencyKey, source: source,
            client: ClientInfo.stored(ip: ip, userAgent: userAgent), messagesSent: messagesSent, pledgedAt: createdAt,
            confirmedAt: confirmedAt, paidAt: paidAt, refundedAt: refundedAt, cancelledAt: cancelledAt,
            delivery: Delivery.stored(deliveryState, deliveryReason, deliveryAt))
    }

    var tokenRecord: TokenRecord {
        TokenRecord(
            kind: .pledge, id: id, status: status.rawValue, name: name, organization: nil, showName: showName,
            createdAt: createdAt, confirmedAt: confirmedAt, amount: amount)
    }

    /// Whether a repeat of its `idempotencyKey` asks for the same pledge (the visitor's address may differ).
    func isSame(as p: NewPledge) -> Bool {
        name == p.name && amount == p.amount && showName == p.showName && message == p.message
            && contactOptIn == p.contactOptIn && source == p.source
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
        let old = status
        guard old != new else { return }
        guard Self.allows(old, new) else { throw ResponseError.conflict("a \(old.rawValue) pledge cannot become \(new.rawValue)") }
        status = new
        switch new {
        case .confirmed: confirmedAt = now
        case .paid: paidAt = now
        case .refunded: refundedAt = now
        case .cancelled: cancelledAt = now
        case .pending: break
        }
        try update(db)
        try StoredFundraiser.adjustTotals(db, amountMinor: amountMinor, from: old, to: new)
    }
}

/// A validated `pledges.create`; the amount is checked against the fundraiser inside the transaction.
struct NewPledge: CarriesContact, Sendable {
    var contact: ValidatedContact
    var amount: Money
    var showName: Bool
    var message: String?
    var idempotencyKey: String?
}

extension CampaignStore {
    func fundraiser() async throws -> Fundraiser {
        let now = clock()
        return try reading { db in try StoredFundraiser.require(db).view(at: now) }
    }

    func updateFundraiser(_ changes: FundraiserChanges) async throws -> Fundraiser {
        let now = clock()
        return try await writes.write { db in
            var f = try StoredFundraiser.require(db)
            for (field, money) in changes.amounts where money.currency != f.currency {
                throw ResponseError.invalidParams(field: field + ".currency", reason: "must be \(f.currency), the fundraiser's currency")
            }
            if let v = changes.title { f.title = v }
            if let v = changes.description { f.description = v }
            if let v = changes.goal { f.goalMinor = v.amountMinor }
            if let v = changes.minimum { f.minimumMinor = v.amountMinor }
            if let v = changes.maximum { f.maximumMinor = v.amountMinor }
            guard f.minimumMinor <= f.maximumMinor else {
                throw ResponseError.invalidParams(field: "minimum", reason: "must not exceed the maximum")
            }
            if let v = changes.closesAt { f.closesAt = v }
            if let v = changes.confirmationRequired { f.confirmationRequired = v }
            if let v = changes.status, v != f.status {
                f.status = v
                f.closedAt = v == .closed ? now : nil
            }
            try f.save(db)
            return f.view(at: now)
        }
    }

    /// Creates a pledge. A repeated `idempotencyKey` from the same email with the same details creates
    /// nothing new and gets the same reply; with other details it is a conflict. Either way the call
    /// writes and waits for its commit, as a new pledge does.
    func createPledge(_ p: NewPledge, whileWaiting: GroupCommit.Waiting? = nil) async throws -> Acceptance {
        let now = clock()
        let limits = self.limits.pledging
        let lists = abuse.lists
        return try await writes.write(whileWaiting: whileWaiting) { db in
            let f = try StoredFundraiser.require(db)
            guard f.isOpen(at: now) else { throw ResponseError.closed("the fundraiser is closed") }
            guard p.amount.currency == f.currency else {
                throw ResponseError.invalidParams(field: "amount.currency", reason: "must be \(f.currency), the fundraiser's currency")
            }
            guard p.amount.amountMinor >= f.minimumMinor && p.amount.amountMinor <= f.maximumMinor else {
                throw ResponseError.invalidParams(
                    field: "amount.amountMinor", reason: "must be between \(f.minimumMinor) and \(f.maximumMinor) \(f.currency) minor units"
                )
            }
            // Before looking for a repeat: a limit that only new pledges used up would tell a stranger
            // which email had pledged with that key.
            if let retry = try AddressRate.check(
                db, scope: .pledge, ip: p.address, email: p.emailCanonical, lists: lists, limits: limits, at: now)
            {
                throw ResponseError.rateLimited(retryAfterMs: retry)
            }
            let reply = Acceptance(confirmationRequired: f.confirmationRequired)
            if let key = p.idempotencyKey,
                var existing = try PledgeRow.fetchOne(
                    db, sql: "SELECT * FROM pledge WHERE emailCanonical = ? AND idempotencyKey = ?", arguments: [p.emailCanonical, key])
            {
                guard existing.isSame(as: p) else {
                    throw ResponseError.conflict("this idempotencyKey was used for a pledge with other details")
                }
                existing.repeats += 1
                try existing.update(db)
                return reply
            }
            let status: PledgeStatus = f.confirmationRequired ? .pending : .confirmed
            var row = PledgeRow(
                seq: nil, id: Random.id(prefix: "pl"), emailCanonical: p.emailCanonical, email: p.email, name: p.name,
                amountMinor: p.amount.amountMinor, currency: p.amount.currency, showName: p.showName, message: p.message,
                contactOptIn: p.contactOptIn, idempotencyKey: p.idempotencyKey, source: p.source, ip: p.ip, userAgent: p.userAgent,
                status: status, messagesSent: 1, repeats: 0, createdAt: now, confirmedAt: status == .confirmed ? now : nil, paidAt: nil,
                refundedAt: nil, cancelledAt: nil, deliveryState: nil, deliveryReason: nil, deliveryAt: nil)
            try row.insert(db)
            try StoredFundraiser.adjustTotals(db, amountMinor: row.amountMinor, from: nil, to: status)
            try Outbox.enqueue(
                db, kind: status == .pending ? .pledgeConfirm : .pledgeReceipt, subject: .pledge, seq: row.seq, name: row.name,
                email: row.email, at: now)
            return reply
        }
    }

    func recentPledges(limit: Int) async throws -> [PublicPledge] {
        try reading { db in
            try PledgeRow.fetchAll(
                db,
                sql: "SELECT * FROM pledge WHERE status IN ('confirmed', 'paid') AND showName = 1 ORDER BY seq DESC LIMIT ?",
                arguments: [limit]
            ).map {
                PublicPledge(name: $0.name, amount: $0.amount, message: $0.message, pledgedAt: $0.createdAt)
            }
        }
    }

    func exportPledges(limit: Int, after: Int64?, status: PledgeStatus?) async throws -> Page<PledgeRecord> {
        try reading { db in
            try ExportPage.read(db, table: "pledge", after: after, status: status, limit: limit) { (row: PledgeRow) in row.record }
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
