/// `events.list`: every event, soonest first.
public struct ListEvents: ParameterlessMethod {
    public static let method = "events.list"
    public static let role = Role.public
    public init() {}

    public struct Result: Codable, Sendable, Hashable {
        public var items: [Event]
        public init(items: [Event]) { self.items = items }
    }
}

/// `events.get`.
public struct GetEvent: RPCMethod {
    public static let method = "events.get"
    public static let role = Role.public
    public typealias Result = Event

    public var eventId: String
    public init(eventId: String) { self.eventId = eventId }
}

/// `events.create`: `id` is generated when absent.
public struct CreateEvent: RPCMethod {
    public static let method = "events.create"
    public static let role = Role.admin
    public typealias Result = Event

    public var id: String?
    public var title: String
    public var description: String
    public var startsAt: Timestamp
    public var endsAt: Timestamp?
    public var timeZone: String
    public var location: Location
    public var capacity: Int?
    public var maxGuests: Int?

    public init(
        id: String? = nil, title: String, description: String, startsAt: Timestamp, endsAt: Timestamp? = nil, timeZone: String,
        location: Location, capacity: Int? = nil, maxGuests: Int? = nil
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
    }
}

/// `events.update`: a larger capacity promotes waiting RSVPs; a capacity below the people going is `-32002`.
public struct UpdateEvent: RPCMethod {
    public static let method = "events.update"
    public static let role = Role.admin
    public typealias Result = Event

    public var eventId: String
    public var title: String?
    public var description: String?
    public var startsAt: Timestamp?
    public var endsAt: Timestamp?
    public var timeZone: String?
    public var location: Location?
    /// Absent: unchanged; a number: the new limit; `null`: no limit any more.
    public var capacity: CapacityChange?
    public var maxGuests: Int?

    /// `capacity` on the wire: a number, or null for no limit.
    public enum CapacityChange: Sendable, Hashable {
        case limit(Int)
        case unlimited
    }

    public init(
        eventId: String, title: String? = nil, description: String? = nil, startsAt: Timestamp? = nil, endsAt: Timestamp? = nil,
        timeZone: String? = nil, location: Location? = nil, capacity: CapacityChange? = nil, maxGuests: Int? = nil
    ) {
        self.eventId = eventId
        self.title = title
        self.description = description
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.timeZone = timeZone
        self.location = location
        self.capacity = capacity
        self.maxGuests = maxGuests
    }

    enum CodingKeys: String, CodingKey {
        case eventId, title, description, startsAt, endsAt, timeZone, location, capacity, maxGuests
    }

    // By hand for `capacity`, where an explicit null differs from an absent member.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        eventId = try c.decode(String.self, forKey: .eventId)
        title = try c.decodeIfPresent(String.self, forKey: .title)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        startsAt = try c.decodeIfPresent(Timestamp.self, forKey: .startsAt)
        endsAt = try c.decodeIfPresent(Timestamp.self, forKey: .endsAt)
        timeZone = try c.decodeIfPresent(String.self, forKey: .timeZone)
        location = try c.decodeIfPresent(Location.self, forKey: .location)
        if c.contains(.capacity) {
            capacity = try c.decodeNil(forKey: .capacity) ? .unlimited : .limit(try c.decode(Int.self, forKey: .capacity))
        }
        maxGuests = try c.decodeIfPresent(Int.self, forKey: .maxGuests)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(eventId, forKey: .eventId)
        try c.encodeIfPresent(title, forKey: .title)
        try c.encodeIfPresent(description, forKey: .description)
        try c.encodeIfPresent(startsAt, forKey: .startsAt)
        try c.encodeIfPresent(endsAt, forKey: .endsAt)
        try c.encodeIfPresent(timeZone, forKey: .timeZone)
        try c.encodeIfPresent(location, forKey: .location)
        switch capacity {
        case .limit(let n)?: try c.encode(n, forKey: .capacity)
        case .unlimited?: try c.encodeNil(forKey: .capacity)
        case nil: break
        }
        try c.encodeIfPresent(maxGuests, forKey: .maxGuests)
    }
}

/// `events.cancel`: every RSVP holder gets `event.cancelled`; idempotent.
public struct CancelEvent: RPCMethod {
    public static let method = "events.cancel"
    public static let role = Role.admin
    public typealias Result = Event

    public var eventId: String
    public init(eventId: String) { self.eventId = eventId }
}

/// `rsvps.create`: one RSVP per canonical email per event; its seats are held (`going` if the party
/// fits, else `waitlisted`) until the person confirms by token or the hold runs out. The reply is the
/// same for a repeat; the `rsvp.confirm` message says which.
public struct CreateRSVP: RPCMethod {
    public static let method = "rsvps.create"
    public static let role = Role.public

    public var eventId: String
    public var name: String
    public var email: String
    /// 0...the event's `maxGuests`.
    public var guests: Int?
    public var phone: String?
    public var contactOptIn: Bool?
    public var source: String?
    public var client: ClientInfo?

    public init(
        eventId: String, name: String, email: String, guests: Int? = nil, phone: String? = nil, contactOptIn: Bool? = nil,
        source: String? = nil, client: ClientInfo? = nil
    ) {
        self.eventId = eventId
        self.name = name
        self.email = email
        self.guests = guests
        self.phone = phone
        self.contactOptIn = contactOptIn
        self.source = source
        self.client = client
    }

    public typealias Result = Acceptance
}

/// `rsvps.export`: an event's RSVPs, oldest first, for organisers.
public struct ExportRSVPs: RPCMethod {
    public static let method = "rsvps.export"
    public static let role = Role.admin
    public typealias Result = Page<RSVPRecord>

    public var eventId: String
    /// 1...1000, default 100.
    public var limit: Int?
    public var after: String?
    public var status: RSVPStatus?

    public init(eventId: String, limit: Int? = nil, after: String? = nil, status: RSVPStatus? = nil) {
        self.eventId = eventId
        self.limit = limit
        self.after = after
        self.status = status
    }
}

/// `rsvps.checkIn`: marks a `going` RSVP as arrived; idempotent.
public struct CheckInRSVP: RPCMethod {
    public static let method = "rsvps.checkIn"
    public static let role = Role.admin
    public typealias Result = RSVPRecord

    public var rsvpId: String
    public init(rsvpId: String) { self.rsvpId = rsvpId }
}
