/// `events.list`: every event, soonest first.
public struct ListEvents: ParameterlessMethod {
    public static let name = "events.list"
    public static let role = Role.public
    public init() {}

    public struct Result: Codable, Sendable, Hashable {
        public var items: [Event]
        public init(items: [Event]) { self.items = items }
    }
}

/// `events.get`.
public struct GetEvent: RPCMethod {
    public static let name = "events.get"
    public static let role = Role.public
    public typealias Result = Event

    public var eventId: String
    public init(eventId: String) { self.eventId = eventId }
}

/// `events.create`: `id` is generated when absent.
public struct CreateEvent: RPCMethod {
    public static let name = "events.create"
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
    public static let name = "events.update"
    public static let role = Role.admin
    public typealias Result = Event

    public var eventId: String
    public var title: String?
    public var description: String?
    public var startsAt: Timestamp?
    public var endsAt: Timestamp?
    public var timeZone: String?
    public var location: Location?
    public var capacity: Int?
    public var maxGuests: Int?

    public init(
        eventId: String, title: String? = nil, description: String? = nil, startsAt: Timestamp? = nil, endsAt: Timestamp? = nil,
        timeZone: String? = nil, location: Location? = nil, capacity: Int? = nil, maxGuests: Int? = nil
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
}

/// `events.cancel`: every RSVP holder gets `event.cancelled`; idempotent.
public struct CancelEvent: RPCMethod {
    public static let name = "events.cancel"
    public static let role = Role.admin
    public typealias Result = Event

    public var eventId: String
    public init(eventId: String) { self.eventId = eventId }
}

/// `rsvps.create`: one RSVP per canonical email per event; `going` if the party fits, else `waitlisted`.
/// The reply is the same for a repeat; the `rsvp.confirm` message says which.
public struct CreateRSVP: RPCMethod {
    public static let name = "rsvps.create"
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

    public struct Result: Codable, Sendable, Hashable {
        public var accepted: Bool
        public var event: Event
        public init(accepted: Bool, event: Event) {
            self.accepted = accepted
            self.event = event
        }
    }
}

/// `rsvps.export`: an event's RSVPs, oldest first, for organisers.
public struct ExportRSVPs: RPCMethod {
    public static let name = "rsvps.export"
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
    public static let name = "rsvps.checkIn"
    public static let role = Role.admin
    public typealias Result = RSVPRecord

    public var rsvpId: String
    public init(rsvpId: String) { self.rsvpId = rsvpId }
}
