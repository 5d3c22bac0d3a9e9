import CampaignProtocol
import Foundation
import GRDB

/// A row of the `event` table. `going` and `waitlisted` count people, guests included, and change in
/// the same transaction as the RSVPs they count; a CHECK keeps `going <= capacity`.
struct EventRow: Codable, FetchableRecord, MutablePersistableRecord, Sendable {
    static let databaseTableName = "event"

    var seq: Int64?
    var id: String
    var title: String
    var description: String
    var startsAt: Int64
    var endsAt: Int64?
    var timeZone: String
    var location: String
    var capacity: Int?
    var maxGuests: Int
    var going: Int
    var waitlisted: Int
    var status: String
    var updatedAt: Int64

    mutating func didInsert(_ inserted: InsertionSuccess) { seq = inserted.rowID }

    var view: Event {
        let place = (try? JSONDecoder().decode(Location.self, from: Data(location.utf8))) ?? Location(city: "", country: "")
        return Event(
            id: id, title: title, description: description, startsAt: Timestamp(millisecondsSince1970: startsAt),
            endsAt: Timestamp.stored(endsAt), timeZone: timeZone, location: place, capacity: capacity,
            maxGuests: maxGuests, going: going, waitlisted: waitlisted, status: EventStatus(rawValue: status) ?? .cancelled)
    }

    /// RSVPs are taken until the event is over (its end, or its start when it has no end).
    func isOver(at now: Timestamp) -> Bool { now.millisecondsSince1970 >= (endsAt ?? startsAt) }

    static func require(_ db: Database, id: String) throws -> EventRow {
        guard let row = try EventRow.fetchOne(db, sql: "SELECT * FROM event WHERE id = ?", arguments: [id]) else {
            throw ResponseError.notFound("event \(id)")
        }
        return row
    }

    func fits(_ people: Int) -> Bool { capacity.map { going + people <= $0 } ?? true }

    /// Seats freed: the waitlist is served in arrival order, each RSVP that fits (first fit), in the
    /// caller's transaction; each promoted person gets `rsvp.promoted`.
    mutating func promoteWaitlist(_ db: Database, at now: Timestamp) throws {
        guard let seq, status == EventStatus.scheduled.rawValue else { return }
        let waiting = try RSVPRow.fetchAll(
            db, sql: "SELECT * FROM rsvp WHERE eventSeq = ? AND status = 'waitlisted' ORDER BY seq", arguments: [seq])
        for var rsvp in waiting where fits(rsvp.people) {
            rsvp.status = RSVPStatus.going.rawValue
            rsvp.promotedAt = now.millisecondsSince1970
            try rsvp.update(db)
            going += rsvp.people
            waitlisted -= rsvp.people
            try Outbox.enqueue(db, kind: .rsvpPromoted, subject: .rsvp, seq: rsvp.seq, name: rsvp.name, email: rsvp.email, at: now)
        }
        try update(db)
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
    var status: String
    var messagesSent: Int
    var createdAt: Int64
    var promotedAt: Int64?
    var checkedInAt: Int64?
    var cancelledAt: Int64?

    mutating func didInsert(_ inserted: InsertionSuccess) { seq = inserted.rowID }

    var rsvpStatus: RSVPStatus { RSVPStatus(rawValue: status) ?? .cancelled }
    /// The person and their guests.
    var people: Int { 1 + guests }

    func record(eventID: String) -> RSVPRecord {
        RSVPRecord(
            id: id, eventId: eventID, status: rsvpStatus, name: name, email: email, guests: guests, phone: phone,
            contactOptIn: contactOptIn, source: source,
            client: ClientInfo.stored(ip: ip, userAgent: userAgent), messagesSent: messagesSent,
            createdAt: Timestamp(millisecondsSince1970: createdAt), promotedAt: Timestamp.stored(promotedAt),
            checkedInAt: Timestamp.stored(checkedInAt),
            cancelledAt: Timestamp.stored(cancelledAt))
    }

    func tokenRecord(_ db: Database) throws -> TokenRecord {
        let eventID = try String.fetchOne(db, sql: "SELECT id FROM event WHERE seq = ?", arguments: [eventSeq])
        var position: Int? = nil
        if rsvpStatus == .waitlisted, let seq {
            position = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM rsvp WHERE eventSeq = ? AND status = 'waitlisted' AND seq <= ?", arguments: [eventSeq, seq])
        }
        return TokenRecord(
            kind: .rsvp, id: id, status: status, name: name, organization: nil, showName: nil,
            createdAt: Timestamp(millisecondsSince1970: createdAt), confirmedAt: nil, eventId: eventID, guests: guests,
            waitlistPosition: position)
    }

    /// Cancels, frees the seats (promoting the waitlist) and erases the person's contact details.
    mutating func cancel(_ db: Database, at now: Timestamp) throws {
        guard rsvpStatus != .cancelled, let seq else { return }
        guard var event = try EventRow.fetchOne(db, sql: "SELECT * FROM event WHERE seq = ?", arguments: [eventSeq]) else { return }
        if rsvpStatus == .going { event.going -= people } else { event.waitlisted -= people }
        status = RSVPStatus.cancelled.rawValue
        cancelledAt = now.millisecondsSince1970
        emailCanonical = nil
        email = nil
        phone = nil
        ip = nil
        userAgent = nil
        contactOptIn = false
        try update(db)
        try Outbox.forget(db, subject: .rsvp, seq: seq)
        try event.update(db)
        try event.promoteWaitlist(db, at: now)
    }
}

/// A validated event, from `events.create`, `events.update` or a definition.
struct EventFields: Sendable {
    var title: String
    var description: String
    var startsAt: Timestamp
    var endsAt: Timestamp?
    var timeZone: String
    var location: Location
    var capacity: Int?
    var maxGuests: Int

    init(
        title: String, description: String, startsAt: Timestamp, endsAt: Timestamp?, timeZone: String, location: Location,
        capacity: Int?, maxGuests: Int?, fieldPrefix p: String = ""
    ) throws(ResponseError) {
        self.title = try TextRules.required(title, field: p + "title", max: TextRules.title)
        self.description = try TextRules.required(description, field: p + "description", max: TextRules.description, multiline: true)
        self.startsAt = startsAt
        if let endsAt, endsAt < startsAt { throw .invalidParams(field: p + "endsAt", reason: "must not be before startsAt") }
        self.endsAt = endsAt
        self.timeZone = try Self.zone(timeZone, field: p + "timeZone")
        let l = p + "location."
        self.location = Location(
            venue: try TextRules.optional(location.venue, field: l + "venue", max: TextRules.locationField),
            address: try TextRules.optional(location.address, field: l + "address", max: TextRules.locationField),
            city: try TextRules.required(location.city, field: l + "city", max: TextRules.name),
            region: try TextRules.optional(location.region, field: l + "region", max: TextRules.name),
            country: try TextRules.country(location.country, field: l + "country") ?? location.country,
            postalCode: try TextRules.optional(location.postalCode, field: l + "postalCode", max: TextRules.postalCode))
        if let capacity, capacity < 1 { throw .invalidParams(field: p + "capacity", reason: "must be at least 1") }
        self.capacity = capacity
        let guests = maxGuests ?? 0
        guard (0...20).contains(guests) else { throw .invalidParams(field: p + "maxGuests", reason: "must be between 0 and 20") }
        self.maxGuests = guests
    }

    /// IANA names only (`America/Los_Angeles`), as tzdata knows them; not abbreviations like `PST`.
    static func zone(_ name: String, field: String) throws(ResponseError) -> String {
        guard name.contains("/") || name == "UTC", name.utf8.count <= 64, TimeZone(identifier: name) != nil else {
            throw .invalidParams(field: field, reason: "must be an IANA time zone such as \"America/Los_Angeles\"")
        }
        return name
    }

    static func id(_ value: String, field: String) throws(ResponseError) -> String {
        let ok =
            (1...64).contains(value.utf8.count)
            && value.utf8.allSatisfy { b in
                (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 45 || b == 95
            }
        guard ok else { throw .invalidParams(field: field, reason: "must be 1 to 64 letters, digits, '-' or '_'") }
        return value
    }

    /// Writes the fields into a row (new or existing), keeping `going <= capacity`.
    func apply(to row: inout EventRow, at now: Timestamp) throws {
        if let capacity, row.going > capacity {
            throw ResponseError.conflict("\(row.going) people are going; capacity cannot drop to \(capacity)")
        }
        row.title = title
        row.description = description
        row.startsAt = startsAt.millisecondsSince1970
        row.endsAt = endsAt?.millisecondsSince1970
        row.timeZone = timeZone
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        row.location = String(decoding: try encoder.encode(location), as: UTF8.self)
        row.capacity = capacity
        row.maxGuests = maxGuests
        row.updatedAt = now.millisecondsSince1970
    }

    static func newRow(id: String, at now: Timestamp) -> EventRow {
        EventRow(
            seq: nil, id: id, title: "", description: "", startsAt: 0, endsAt: nil, timeZone: "UTC", location: "{}", capacity: nil,
            maxGuests: 0, going: 0, waitlisted: 0, status: EventStatus.scheduled.rawValue, updatedAt: now.millisecondsSince1970)
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
struct NewRSVP: Sendable {
    var eventId: String
    var name: String
    var email: String
    var emailCanonical: String
    var guests: Int
    var phone: String?
    var contactOptIn: Bool
    var source: String?
    var ip: String?
    var userAgent: String?
}

extension CampaignStore {
    func events() async throws -> [Event] {
        try reading { db in try Self.events(db) }
    }

    static func events(_ db: Database) throws -> [Event] {
        try EventRow.fetchAll(db, sql: "SELECT * FROM event ORDER BY startsAt, seq").map(\.view)
    }

    func event(id: String) async throws -> Event {
        try reading { db in try EventRow.require(db, id: id).view }
    }

    func createEvent(id: String, fields: EventFields) async throws -> Event {
        let now = clock()
        return try await writes.write { db in try fields.upsert(db, id: id, createOnly: true, at: now).view }
    }

    func updateEvent(_ p: UpdateEvent) async throws -> Event {
        let now = clock()
        return try await writes.write { db in
            let row = try EventRow.require(db, id: p.eventId)
            let current = row.view
            let fields = try EventFields(
                title: p.title ?? current.title, description: p.description ?? current.description,
                startsAt: p.startsAt ?? current.startsAt,
                endsAt: p.endsAt ?? current.endsAt, timeZone: p.timeZone ?? current.timeZone, location: p.location ?? current.location,
                capacity: p.capacity ?? current.capacity, maxGuests: p.maxGuests ?? current.maxGuests)
            return try fields.upsert(db, id: p.eventId, at: now).view
        }
    }

    /// Cancels the event and writes to every holder of an RSVP; idempotent.
    func cancelEvent(id: String) async throws -> Event {
        let now = clock()
        return try await writes.write { db in
            var row = try EventRow.require(db, id: id)
            guard row.status != EventStatus.cancelled.rawValue, let seq = row.seq else { return row.view }
            row.status = EventStatus.cancelled.rawValue
            row.updatedAt = now.millisecondsSince1970
            try row.update(db)
            let holders = try RSVPRow.fetchAll(
                db, sql: "SELECT * FROM rsvp WHERE eventSeq = ? AND status IN ('going', 'waitlisted') ORDER BY seq", arguments: [seq])
            for holder in holders {
                try Outbox.enqueue(
                    db, kind: .eventCancelled, subject: .rsvp, seq: holder.seq, name: holder.name, email: holder.email, at: now)
            }
            return row.view
        }
    }

    /// Decides `going` or `waitlisted` inside one write transaction, so capacity is never exceeded
    /// whatever the concurrency. A repeat by the same canonical email gets the same reply.
    func createRSVP(_ r: NewRSVP) async throws -> CreateRSVP.Result {
        let now = clock()
        let limits = self.limits.rsvping
        let lists = abuse.lists
        return try await writes.write { db in
            var event = try EventRow.require(db, id: r.eventId)
            guard event.status == EventStatus.scheduled.rawValue else { throw ResponseError.closed("the event is cancelled") }
            guard !event.isOver(at: now) else { throw ResponseError.closed("the event is over") }
            guard r.guests <= event.maxGuests else {
                throw ResponseError.invalidParams(field: "guests", reason: "must be at most \(event.maxGuests) for this event")
            }
            guard let eventSeq = event.seq else { throw ResponseError.internalError() }
            if var existing = try RSVPRow.fetchOne(
                db, sql: "SELECT * FROM rsvp WHERE eventSeq = ? AND emailCanonical = ?", arguments: [eventSeq, r.emailCanonical])
            {
                if existing.messagesSent < maxMessagesPerSignature {
                    existing.messagesSent += 1
                    try existing.update(db)
                    try Outbox.enqueue(
                        db, kind: .rsvpConfirm, subject: .rsvp, seq: existing.seq, name: existing.name, email: existing.email, at: now)
                }
                return CreateRSVP.Result(accepted: true, event: event.view)
            }
            if let retry = try AddressRate.check(db, scope: .rsvp, ip: r.ip, email: r.emailCanonical, lists: lists, limits: limits, at: now)
            {
                throw ResponseError.rateLimited(retryAfterMs: retry)
            }
            var rsvp = RSVPRow(
                seq: nil, id: Random.id(prefix: "rsvp"), eventSeq: eventSeq, emailCanonical: r.emailCanonical, email: r.email, name: r.name,
                guests: r.guests, phone: r.phone, contactOptIn: r.contactOptIn, source: r.source, ip: r.ip, userAgent: r.userAgent,
                status: RSVPStatus.going.rawValue, messagesSent: 1, createdAt: now.millisecondsSince1970, promotedAt: nil, checkedInAt: nil,
                cancelledAt: nil)
            // First fit, as for promotions: a party that fits goes, even past a larger one still waiting.
            if event.fits(rsvp.people) {
                event.going += rsvp.people
            } else {
                rsvp.status = RSVPStatus.waitlisted.rawValue
                event.waitlisted += rsvp.people
            }
            try rsvp.insert(db)
            try event.update(db)
            try Outbox.enqueue(db, kind: .rsvpConfirm, subject: .rsvp, seq: rsvp.seq, name: rsvp.name, email: rsvp.email, at: now)
            return CreateRSVP.Result(accepted: true, event: event.view)
        }
    }

    func exportRSVPs(eventID: String, limit: Int, after: Int64?, status: RSVPStatus?) async throws -> Page<RSVPRecord> {
        try reading { db in
            let event = try EventRow.require(db, id: eventID)
            return try Export.page(
                db, table: "rsvp", scope: ("eventSeq", event.seq ?? -1), after: after, status: status?.rawValue, limit: limit
            ) { (row: RSVPRow) in row.record(eventID: eventID) }
        }
    }

    /// Marks a `going` RSVP as arrived; idempotent.
    func checkIn(rsvpID: String) async throws -> RSVPRecord {
        let now = clock()
        return try await writes.write { db in
            guard var rsvp = try RSVPRow.fetchOne(db, sql: "SELECT * FROM rsvp WHERE id = ?", arguments: [rsvpID]) else {
                throw ResponseError.notFound("RSVP \(rsvpID)")
            }
            guard rsvp.rsvpStatus == .going else { throw ResponseError.conflict("the RSVP is \(rsvp.status), not going") }
            if rsvp.checkedInAt == nil {
                rsvp.checkedInAt = now.millisecondsSince1970
                try rsvp.update(db)
            }
            let eventID = try String.fetchOne(db, sql: "SELECT id FROM event WHERE seq = ?", arguments: [rsvp.eventSeq]) ?? ""
            return rsvp.record(eventID: eventID)
        }
    }
}
