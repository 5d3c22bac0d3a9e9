import CampaignProtocol

extension MethodRegistry {
    /// `events.list`, `events.get`, `events.create`, `events.update`, `events.cancel`, `rsvps.create`,
    /// `rsvps.export`, `rsvps.checkIn`.
    mutating func registerEventHandlers(store: CampaignStore) {
        register(ListEvents.self) { _, context in ListEvents.Result(items: try await store.events(role: context.role)) }
        register(GetEvent.self) { params, context in try await store.event(id: params.eventId, role: context.role) }
        register(CreateEvent.self) { params, _ in
            let fields = try EventFields(
                title: params.title, description: params.description, startsAt: params.startsAt, endsAt: params.endsAt,
                timeZone: params.timeZone, location: params.location, capacity: params.capacity, maxGuests: params.maxGuests)
            let id = try params.id.map { v throws(ResponseError) in try EventFields.id(v, field: "id") } ?? Random.id(prefix: "ev")
            return try await store.createEvent(id: id, fields: fields)
        }
        register(UpdateEvent.self) { params, _ in try await store.updateEvent(params) }
        register(CancelEvent.self) { params, _ in try await store.cancelEvent(id: params.eventId) }
        register(CreateRSVP.self) { params, _ in try await store.createRSVP(try NewRSVP(validating: params)) }
        register(ExportRSVPs.self) { params, _ in
            try await store.exportRSVPs(
                eventID: params.eventId, limit: try TextRules.limit(params.limit, default: 100, max: 1000),
                after: try Cursor.decode(params.after), status: params.status)
        }
        register(CheckInRSVP.self) { params, _ in try await store.checkIn(rsvpID: params.rsvpId) }
    }
}

extension NewRSVP {
    init(validating p: CreateRSVP) throws(ResponseError) {
        eventId = p.eventId
        name = try TextRules.required(p.name, field: "name", max: TextRules.name)
        email = try Email.validate(p.email)
        emailCanonical = Email.canonical(email)
        guests = p.guests ?? 0
        guard guests >= 0 else { throw .invalidParams(field: "guests", reason: "must not be negative") }
        phone = try p.phone.flatMap { v throws(ResponseError) in try Phone.validate(v, field: "phone") }
        contactOptIn = p.contactOptIn ?? false
        source = try TextRules.optional(p.source, field: "source", max: TextRules.source)
        ip = try p.client?.ip.map { v throws(ResponseError) in try IPAddress.validate(v, field: "client.ip") }
        userAgent = try TextRules.optional(p.client?.userAgent, field: "client.userAgent", max: TextRules.userAgent)
    }
}

/// Phone numbers as people type them: digits with `+`, spaces, dots, dashes and parentheses.
enum Phone {
    static func validate(_ value: String, field: String) throws(ResponseError) -> String? {
        guard let text = try TextRules.optional(value, field: field, max: TextRules.phone) else { return nil }
        let digits = text.unicodeScalars.filter { ("0"..."9").contains($0) }.count
        let allowed = text.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || "+ .-()".unicodeScalars.contains($0) }
        guard allowed, (5...20).contains(digits) else { throw .invalidParams(field: field, reason: "must be a phone number") }
        return text
    }
}
