public enum EventStatus: String, WireEnum {
    case scheduled, cancelled
}

/// An event such as the protest outside the conference. Instants are UTC; `timeZone` is where it happens.
public struct Event: Codable, Sendable, Hashable {
    public var id: String
    public var title: String
    public var description: String
    public var startsAt: Timestamp
    public var endsAt: Timestamp?
    /// IANA name, e.g. `America/Los_Angeles`.
    public var timeZone: String
    public var location: Location
    /// People, guests included; null means no limit.
    public var capacity: Int?
    public var maxGuests: Int
    /// People going, guests included: on a public listener those who confirmed; for organisers the
    /// seats held, confirmed or not, which decide capacity.
    public var going: Int
    /// People waiting, guests included; confirmed ones on a public listener, as `going`.
    public var waitlisted: Int
    public var status: EventStatus

    public init(
        id: String, title: String, description: String, startsAt: Timestamp, endsAt: Timestamp?, timeZone: String,
        location: Location, capacity: Int?, maxGuests: Int, going: Int, waitlisted: Int, status: EventStatus
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.timeZone = timeZone
        self.location = location
        self.capacity = capacity
        self.maxGuests = maxGuests
        self.going = going
        self.waitlisted = waitlisted
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case id, title, description, startsAt, endsAt, timeZone, location, capacity, maxGuests, going, waitlisted, status
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(title, forKey: .title)
        try c.encode(description, forKey: .description)
        try c.encode(startsAt, forKey: .startsAt)
        try c.encodeIfPresent(endsAt, forKey: .endsAt)
        try c.encode(timeZone, forKey: .timeZone)
        try c.encode(location, forKey: .location)
        try c.encode(capacity, forKey: .capacity)  // explicit null: no limit
        try c.encode(maxGuests, forKey: .maxGuests)
        try c.encode(going, forKey: .going)
        try c.encode(waitlisted, forKey: .waitlisted)
        try c.encode(status, forKey: .status)
    }
}

/// `going` and `waitlisted` hold seats; an RSVP not confirmed within the hold becomes `expired`.
public enum RSVPStatus: String, WireEnum {
    case going, waitlisted, cancelled, expired
}

/// An RSVP with every field, for organisers. A cancelled one keeps no contact details.
public struct RSVPRecord: Codable, Sendable, Hashable {
    public var id: String
    public var eventId: String
    public var status: RSVPStatus
    public var name: String?
    public var email: String?
    public var guests: Int
    public var phone: String?
    public var contactOptIn: Bool
    public var source: String?
    public var client: ClientInfo?
    public var messagesSent: Int
    /// How the last message to the person fared; nil until the mailer reported.
    public var delivery: Delivery?
    public var createdAt: Timestamp
    /// When the person confirmed by token; until then the seats are held until `holdExpiresAt`.
    public var confirmedAt: Timestamp?
    public var holdExpiresAt: Timestamp?
    public var promotedAt: Timestamp?
    public var checkedInAt: Timestamp?
    /// When it was cancelled, or expired unconfirmed.
    public var cancelledAt: Timestamp?

    public init(
        id: String, eventId: String, status: RSVPStatus, name: String?, email: String?, guests: Int, phone: String?,
        contactOptIn: Bool, source: String?, client: ClientInfo?, messagesSent: Int, createdAt: Timestamp,
        confirmedAt: Timestamp?, holdExpiresAt: Timestamp?, promotedAt: Timestamp?, checkedInAt: Timestamp?,
        cancelledAt: Timestamp?, delivery: Delivery? = nil
    ) {
        self.delivery = delivery
        self.confirmedAt = confirmedAt
        self.holdExpiresAt = holdExpiresAt
        self.id = id
        self.eventId = eventId
        self.status = status
        self.name = name
        self.email = email
        self.guests = guests
        self.phone = phone
        self.contactOptIn = contactOptIn
        self.source = source
        self.client = client
        self.messagesSent = messagesSent
        self.createdAt = createdAt
        self.promotedAt = promotedAt
        self.checkedInAt = checkedInAt
        self.cancelledAt = cancelledAt
    }
}
