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
        register(UpdateEvent.self) { params, _ in
            try await store.updateEvent(id: params.eventId, changes: try EventChanges(validating: params))
        }
        register(CancelEvent.self) { params, _ in try await store.cancelEvent(id: params.eventId) }
        register(CreateRSVP.self) { params, context in
            try await store.createRSVP(try NewRSVP(validating: params), whileWaiting: context.whileWaitingForCommit)
        }
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
        contact = try ValidatedContact(name: p.name, email: p.email, contactOptIn: p.contactOptIn, source: p.source, client: p.client)
        eventId = p.eventId
        guests = p.guests ?? 0
        guard guests >= 0 else { throw .invalidParams(field: "guests", reason: "must not be negative") }
        phone = try p.phone.flatMap { v throws(ResponseError) in try Phone.validate(v, field: "phone") }
    }
}
