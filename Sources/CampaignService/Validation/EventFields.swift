import CampaignProtocol
import Foundation

/// A validated event, from `events.create`, `events.update` (merged with the event as it is) or a
/// definition. Each field is named on error.
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

    /// `events.create` and `events.update` take events that are still to come or under way; a
    /// definition may carry past ones (a campaign imported late keeps its history).
    func requireNotEnded(at now: Timestamp, fieldPrefix p: String = "") throws(ResponseError) {
        guard now < (endsAt ?? startsAt) else {
            throw .invalidParams(field: p + (endsAt == nil ? "startsAt" : "endsAt"), reason: "is in the past: the event has already ended")
        }
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
}

/// A validated `events.update`: each field given is checked on its own here, naming it; the store
/// merges the changes into the event and checks what depends on both (`endsAt` after `startsAt`,
/// capacity not below the seats held, not already ended).
struct EventChanges: Sendable {
    var title: String?
    var description: String?
    var startsAt: Timestamp?
    var endsAt: Timestamp?
    var timeZone: String?
    var location: Location?
    var capacity: UpdateEvent.CapacityChange?
    var maxGuests: Int?

    init(validating p: UpdateEvent) throws(ResponseError) {
        title = try TextRules.change(p.title, field: "title", max: TextRules.title)
        description = try TextRules.change(p.description, field: "description", max: TextRules.description, multiline: true)
        startsAt = p.startsAt
        endsAt = p.endsAt
        timeZone = try p.timeZone.map { v throws(ResponseError) in try EventFields.zone(v, field: "timeZone") }
        location = p.location
        if case .limit(let n)? = p.capacity, n < 1 { throw .invalidParams(field: "capacity", reason: "must be at least 1") }
        capacity = p.capacity
        if let guests = p.maxGuests, !(0...20).contains(guests) {
            throw .invalidParams(field: "maxGuests", reason: "must be between 0 and 20")
        }
        maxGuests = p.maxGuests
    }

    /// The event with these changes, checked as a whole.
    func applied(to current: Event) throws(ResponseError) -> EventFields {
        let capacity: Int? =
            switch self.capacity {
            case .limit(let n)?: n
            case .unlimited?: nil
            case nil: current.capacity
            }
        return try EventFields(
            title: title ?? current.title, description: description ?? current.description, startsAt: startsAt ?? current.startsAt,
            endsAt: endsAt ?? current.endsAt, timeZone: timeZone ?? current.timeZone, location: location ?? current.location,
            capacity: capacity, maxGuests: maxGuests ?? current.maxGuests)
    }
}
