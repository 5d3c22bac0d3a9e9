import CampaignProtocol
import Foundation
import GRDB

/// A row of the `event` table. `going` and `waitlisted` count the seats held, confirmed or not (they
/// decide capacity; a CHECK keeps `going <= capacity`); `goingConfirmed` and `waitlistedConfirmed` the
/// part of them that confirmed, which is all a public listener sees. All four count people, guests
/// included, and change in the same transaction as the RSVPs they count.
struct EventRow: Codable, FetchableRecord, MutablePersistableRecord, Sendable {
    static let databaseTableName = "event"

    var seq: Int64?
    var id: String
    var title: String
    var description: String
    var startsAt: Timestamp
    var endsAt: Timestamp?
    var timeZone: String
    /// The `Location` as JSON.
    var location: String
    var capacity: Int?
    var maxGuests: Int
    var going: Int
    var waitlisted: Int
    var goingConfirmed: Int
    var waitlistedConfirmed: Int
    var status: EventStatus
    var updatedAt: Timestamp

    mutating func didInsert(_ inserted: InsertionSuccess) { seq = inserted.rowID }

    /// The event as `role` may see it: organisers the seats held, a public listener confirmed people only.
    func view(for role: Role) throws -> Event {
        Event(
            id: id, title: title, description: description, startsAt: startsAt, endsAt: endsAt, timeZone: timeZone,
            location: try JSONDecoder().decode(Location.self, from: Data(location.utf8)), capacity: capacity, maxGuests: maxGuests,
            going: role == .admin ? going : goingConfirmed, waitlisted: role == .admin ? waitlisted : waitlistedConfirmed,
            status: status)
    }

    /// RSVPs are taken until the event is over (its end, or its start when it has no end).
    func isOver(at now: Timestamp) -> Bool { now >= (endsAt ?? startsAt) }

    static func require(_ db: Database, id: String) throws -> EventRow {
        guard let row = try EventRow.fetchOne(db, sql: "SELECT * FROM event WHERE id = ?", arguments: [id]) else {
            throw ResponseError.notFound("event \(id)")
        }
        return row
    }

    static func require(_ db: Database, seq: Int64) throws -> EventRow {
        guard let row = try EventRow.fetchOne(db, sql: "SELECT * FROM event WHERE seq = ?", arguments: [seq]) else {
            throw ResponseError.notFound("event \(seq)")
        }
        return row
    }

    func fits(_ people: Int) -> Bool { capacity.map { going + people <= $0 } ?? true }

    /// Adds (`sign` 1) or removes (-1) an RSVP's people from the figures of its status.
    mutating func count(_ rsvp: RSVPRow, _ sign: Int) {
        let people = rsvp.people * sign
        let confirmed = rsvp.confirmedAt != nil
        switch rsvp.status {
        case .going:
            going += people
            if confirmed { goingConfirmed += people }
        case .waitlisted:
            waitlisted += people
            if confirmed { waitlistedConfirmed += people }
        case .cancelled, .expired:
            break
        }
    }

    /// Seats freed: the waitlist is served in arrival order, each RSVP that fits (first fit), in the
    /// caller's transaction; each promoted person gets `rsvp.promoted`.
    mutating func promoteWaitlist(_ db: Database, at now: Timestamp) throws {
        guard let seq, status == .scheduled else { return }
        let waiting = try RSVPRow.fetchAll(
            db, sql: "SELECT * FROM rsvp WHERE eventSeq = ? AND status = 'waitlisted' ORDER BY seq", arguments: [seq])
        for var rsvp in waiting where fits(rsvp.people) {
            count(rsvp, -1)
            rsvp.status = .going
            rsvp.promotedAt = now
            count(rsvp, +1)
            try rsvp.update(db)
            try Outbox.enqueue(db, kind: .rsvpPromoted, subject: .rsvp, seq: rsvp.seq, name: rsvp.name, email: rsvp.email, at: now)
        }
        try update(db)
    }

    /// Ends the holds of RSVPs not confirmed in time, freeing their seats for the waitlist. Returns how many.
    mutating func expireHolds(_ db: Database, at now: Timestamp) throws -> Int {
        guard let seq else { return 0 }
        // Every RSVP asks first: one cached look at the holds index, nearly always finding nothing.
        let lapsing = """
            SELECT * FROM rsvp WHERE eventSeq = ? AND confirmedAt IS NULL AND status IN ('going', 'waitlisted') AND holdUntil <= ?
            """
        guard try Row.fetchOne(db.cachedStatement(sql: lapsing + " LIMIT 1"), arguments: [seq, now]) != nil else { return 0 }
        let lapsed = try RSVPRow.fetchAll(db, sql: lapsing + " ORDER BY seq", arguments: [seq, now])
        guard !lapsed.isEmpty else { return 0 }
        for var rsvp in lapsed { try rsvp.release(as: .expired, from: &self, db, at: now) }
        try update(db)
        try promoteWaitlist(db, at: now)
        return lapsed.count
    }
}

/// A row of the `rsvp` table.
struct RSVPRow: Codable, FetchableRecord, MutablePersistableRecord, Sequenced, Sendable {
    static let databaseTableName = "rsvp"

    var seq: Int64?
    var id: String
    var eventSeq: Int64
    var emailCanonical: String?
    var email: String?
    var name: String?
    var guests: Int
    var phone: String?
    var contactOptIn: Bool
    var source: String?
    var ip: String?
    var userAgent: String?
    var status: RSVPStatus
    var messagesSent: Int
    /// Times the same email RSVPed again: each is a write, as a first RSVP is.
    var repeats: Int
    var createdAt: Timestamp
    /// Set by the person's token; until then the seats are held until `holdUntil`.
    var confirmedAt: Timestamp?
    var holdUntil: Timestamp?
    var promotedAt: Timestamp?
    var checkedInAt: Timestamp?
    var cancelledAt: Timestamp?
    var deliveryState: DeliveryState?
    var deliveryReason: String?
    var deliveryAt: Timestamp?

    mutating func didInsert(_ inserted: InsertionSuccess) { seq = inserted.rowID }

    /// The person and their guests.
    var people: Int { 1 + guests }

    func record(eventID: String) -> RSVPRecord {
        RSVPRecord(
            id: id, eventId: eventID, status: status, name: name, email: email, guests: guests, phone: phone,
            contactOptIn: contactOptIn, source: source, client: ClientInfo.stored(ip: ip, userAgent: userAgent),
            messagesSent: messagesSent, createdAt: createdAt, confirmedAt: confirmedAt,
            holdExpiresAt: confirmedAt == nil && (status == .going || status == .waitlisted) ? holdUntil : nil, promotedAt: promotedAt,
            checkedInAt: checkedInAt, cancelledAt: cancelledAt, delivery: Delivery.stored(deliveryState, deliveryReason, deliveryAt))
    }

    func tokenRecord(_ db: Database) throws -> TokenRecord {
        let eventID = try String.fetchOne(db, sql: "SELECT id FROM event WHERE seq = ?", arguments: [eventSeq])
        var position: Int? = nil
        if status == .waitlisted, let seq {
            position = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM rsvp WHERE eventSeq = ? AND status = 'waitlisted' AND seq <= ?", arguments: [eventSeq, seq])
        }
        return TokenRecord(
            kind: .rsvp, id: id, status: status.rawValue, name: name, organization: nil, showName: nil, createdAt: createdAt,
            confirmedAt: confirmedAt, eventId: eventID, guests: guests, waitlistPosition: position)
    }

    /// Confirms by token; idempotent. A hold that ran out cannot be confirmed: its seats may be someone else's.
    mutating func confirm(_ db: Database, at now: Timestamp) throws {
        switch status {
        case .cancelled: throw ResponseError.conflict("the RSVP is cancelled")
        case .expired: throw ResponseError.conflict("the RSVP expired before it was confirmed; RSVP again")
        case .going, .waitlisted: break
        }
        guard confirmedAt == nil else { return }
        if let holdUntil, holdUntil <= now {
            throw ResponseError.conflict("the RSVP expired before it was confirmed; RSVP again")
        }
        var event = try EventRow.require(db, seq: eventSeq)
        guard event.status == .scheduled else { throw ResponseError.closed("the event is cancelled") }
        event.count(self, -1)
        confirmedAt = now
        event.count(self, +1)
        try update(db)
        try event.update(db)
    }

    /// Cancels (by token) and frees the seats, promoting the waitlist; idempotent.
    mutating func cancel(_ db: Database, at now: Timestamp) throws {
        guard status == .going || status == .waitlisted else { return }
        var event = try EventRow.require(db, seq: eventSeq)
        try release(as: .cancelled, from: &event, db, at: now)
        try event.update(db)
        try event.promoteWaitlist(db, at: now)
    }

    /// Gives up the seats (cancelled, or expired unconfirmed) and erases the person's contact details;
    /// the caller saves `event` and promotes its waitlist.
    mutating func release(as end: RSVPStatus, from event: inout EventRow, _ db: Database, at now: Timestamp) throws {
        guard let seq else { return }
        event.count(self, -1)
        status = end
        cancelledAt = now
        emailCanonical = nil
        email = nil
        phone = nil
        ip = nil
        userAgent = nil
        deliveryReason = nil
        contactOptIn = false
        try update(db)
        try Outbox.forget(db, subject: .rsvp, seq: seq)
    }
}

extension EventFields {
    /// Writes the fields into a row (new or existing), keeping `going <= capacity`.
    func apply(to row: inout EventRow, at now: Timestamp) throws {
        if let capacity, row.going > capacity {
            throw ResponseError.conflict("\(row.going) seats are held; capacity cannot drop to \(capacity)")
        }
        row.title = title
        row.description = description
        row.startsAt = startsAt
        row.endsAt = endsAt
        row.timeZone = timeZone
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        row.location = String(decoding: try encoder.encode(location), as: UTF8.self)
        row.capacity = capacity
        row.maxGuests = maxGuests
        row.updatedAt = now
    }

    static func newRow(id: String, at now: Timestamp) -> EventRow {
        EventRow(
            seq: nil, id: id, title: "", description: "", startsAt: now, endsAt: nil, timeZone: "UTC", location: "{}", capacity: nil,
            maxGuests: 0, going: 0, waitlisted: 0, goingConfirmed: 0, waitlistedConfirmed: 0, status: .scheduled, updatedAt: now)
    }

    /// Creates the event or updates the one with that id, in the caller's transaction.
    func upsert(_ db: Database, id: String, createOnly: Bool = false, at now: Timestamp) throws -> EventRow {
        if var row = try EventRow.fetchOne(db, sql: "SELECT * FROM event WHERE id = ?", arguments: [id]) {
            if createOnly { throw ResponseError.conflict("event \(id) exists") }
            try apply(to: &row, at: now)
            try row.update(db)
            try row.promoteWaitlist(db, at: now)
            return row
        }
        var row = Self.newRow(id: id, at: now)
        try apply(to: &row, at: now)
        try row.insert(db)
        return row
    }
}

/// A validated `rsvps.create`.
struct NewRSVP: CarriesContact, Sendable {
    var contact: ValidatedContact
    var eventId: String
    var guests: Int
    var phone: String?
}

extension CampaignStore {
    func events(role: Role) async throws -> [Event] {
        try reading { db in try Self.events(db, role: role) }
    }

    static func events(_ db: Database, role: Role) throws -> [Event] {
        try EventRow.fetchAll(db, sql: "SELECT * FROM event ORDER BY startsAt, seq").map { try $0.view(for: role) }
    }

    func event(id: String, role: Role) async throws -> Event {
        try reading { db in try EventRow.require(db, id: id).view(for: role) }
    }

    func createEvent(id: String, fields: EventFields) async throws -> Event {
        let now = clock()
        try fields.requireNotEnded(at: now)
        return try await writes.write { db in try fields.upsert(db, id: id, createOnly: true, at: now).view(for: .admin) }
    }

    func updateEvent(id: String, changes: EventChanges) async throws -> Event {
        let now = clock()
        return try await writes.write { db in
            let fields = try changes.applied(to: try EventRow.require(db, id: id).view(for: .admin))
            try fields.requireNotEnded(at: now)
            return try fields.upsert(db, id: id, at: now).view(for: .admin)
        }
    }

    /// Cancels the event and writes to every holder of an RSVP; idempotent.
    func cancelEvent(id: String) async throws -> Event {
        let now = clock()
        return try await writes.write { db in
            var row = try EventRow.require(db, id: id)
            guard row.status != .cancelled, let seq = row.seq else { return try row.view(for: .admin) }
            row.status = .cancelled
            row.updatedAt = now
            try row.update(db)
            let holders = try RSVPRow.fetchAll(
                db, sql: "SELECT * FROM rsvp WHERE eventSeq = ? AND status IN ('going', 'waitlisted') ORDER BY seq", arguments: [seq])
            for holder in holders {
                try Outbox.enqueue(
                    db, kind: .eventCancelled, subject: .rsvp, seq: holder.seq, name: holder.name, email: holder.email, at: now)
            }
            return try row.view(for: .admin)
        }
    }

    /// Holds seats (`going`, or `waitlisted` when the party does not fit) inside one write
    /// transaction, so capacity is never exceeded whatever the concurrency; the person confirms by
    /// token within the hold. A repeat by the same canonical email gets the same reply, writes and
    /// waits for its commit as a first RSVP does.
    func createRSVP(_ r: NewRSVP, whileWaiting: GroupCommit.Waiting? = nil) async throws -> Acceptance {
        let now = clock()
        let limits = self.limits.rsvping
        let lists = abuse.lists
        let hold = rsvpHoldSeconds
        return try await writes.write(whileWaiting: whileWaiting) { db in
            var event = try EventRow.require(db, id: r.eventId)
            guard event.status == .scheduled else { throw ResponseError.closed("the event is cancelled") }
            guard !event.isOver(at: now) else { throw ResponseError.closed("the event is over") }
            // A closed campaign takes no new RSVPs; those already made may still be confirmed.
            if try String.fetchOne(db.cachedStatement(sql: "SELECT status FROM letter WHERE id = 1")) == LetterStatus.closed.rawValue {
                throw ResponseError.closed("the letter is closed")
            }
            guard r.guests <= event.maxGuests else {
                throw ResponseError.invalidParams(field: "guests", reason: "must be at most \(event.maxGuests) for this event")
            }
            guard let eventSeq = event.seq else { throw ResponseError.internalError() }
            // Before looking for a repeat: a limit that only new RSVPs used up would tell a stranger
            // which email had RSVPed.
            if let retry = try AddressRate.check(
                db, scope: .rsvp, ip: r.address, email: r.emailCanonical, lists: lists, limits: limits, at: now)
            {
                throw ResponseError.rateLimited(retryAfterMs: retry)
            }
            let reply = Acceptance(confirmationRequired: true)
            // Seats of lapsed holds are free for this one.
            _ = try event.expireHolds(db, at: now)
            if var existing = try RSVPRow.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM rsvp WHERE eventSeq = ? AND emailCanonical = ?"),
                arguments: [eventSeq, r.emailCanonical])
            {
                existing.repeats += 1
                if existing.messagesSent < maxMessagesPerSignature {
                    existing.messagesSent += 1
                    try Outbox.enqueue(
                        db, kind: .rsvpConfirm, subject: .rsvp, seq: existing.seq, name: existing.name, email: existing.email, at: now)
                }
                try existing.update(db)
                return reply
            }
            var rsvp = RSVPRow(
                seq: nil, id: Random.id(prefix: "rsvp"), eventSeq: eventSeq, emailCanonical: r.emailCanonical, email: r.email, name: r.name,
                guests: r.guests, phone: r.phone, contactOptIn: r.contactOptIn, source: r.source, ip: r.ip, userAgent: r.userAgent,
                status: .going, messagesSent: 1, repeats: 0, createdAt: now, confirmedAt: nil, holdUntil: now.adding(seconds: hold),
                promotedAt: nil, checkedInAt: nil, cancelledAt: nil, deliveryState: nil, deliveryReason: nil, deliveryAt: nil)
            // First fit, as for promotions: a party that fits goes, even past a larger one still waiting.
            if !event.fits(rsvp.people) { rsvp.status = .waitlisted }
            event.count(rsvp, +1)
            try rsvp.insert(db)
            try event.update(db)
            try Outbox.enqueue(db, kind: .rsvpConfirm, subject: .rsvp, seq: rsvp.seq, name: rsvp.name, email: rsvp.email, at: now)
            return reply
        }
    }

    /// Ends every hold that ran out unconfirmed, across events (`Housekeeping` calls it every minute).
    /// Returns how many RSVPs expired.
    public func expireRSVPHolds() async throws -> Int {
        let now = clock()
        return try await writes.write { db in
            let events = try Int64.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT eventSeq FROM rsvp
                    WHERE confirmedAt IS NULL AND status IN ('going', 'waitlisted') AND holdUntil <= ?
                    """,
                arguments: [now])
            var expired = 0
            for seq in events {
                var event = try EventRow.require(db, seq: seq)
                expired += try event.expireHolds(db, at: now)
            }
            return expired
        }
    }

    func exportRSVPs(eventID: String, limit: Int, after: Int64?, status: RSVPStatus?) async throws -> Page<RSVPRecord> {
        try reading { db in
            let event = try EventRow.require(db, id: eventID)
            return try ExportPage.read(db, table: "rsvp", scope: ("eventSeq", event.seq ?? -1), after: after, status: status, limit: limit)
            {
                (row: RSVPRow) in row.record(eventID: eventID)
            }
        }
    }

    /// Marks a `going` RSVP as arrived; idempotent.
    func checkIn(rsvpID: String) async throws -> RSVPRecord {
        let now = clock()
        return try await writes.write { db in
            guard var rsvp = try RSVPRow.fetchOne(db, sql: "SELECT * FROM rsvp WHERE id = ?", arguments: [rsvpID]) else {
                throw ResponseError.notFound("RSVP \(rsvpID)")
            }
            guard rsvp.status == .going else { throw ResponseError.conflict("the RSVP is \(rsvp.status.rawValue), not going") }
            if rsvp.checkedInAt == nil {
                rsvp.checkedInAt = now
                try rsvp.update(db)
            }
            let event = try EventRow.require(db, seq: rsvp.eventSeq)
            return rsvp.record(eventID: event.id)
        }
    }
}
