import ArgumentParser
import CampaignClient
import CampaignProtocol

struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "The campaign's events; cancelling one needs the admin socket.",
        subcommands: [ListCommand.self, Show.self, Cancel.self],
        defaultSubcommand: ListCommand.self)

    // Suffixed: `List` is the signers command and `ListEvents` the contract's method.
    struct ListCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the events, soonest first, with local start times and seats.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let events = try await connection.withClient { try await $0.call(ListEvents()) }.items
            if events.isEmpty {
                print("no events")
                return
            }
            let header = ["ID", "TITLE", "STARTS", "GOING", "WAITLISTED", "STATUS"]
            let rows = events.map { event in
                [
                    event.id, oneLine(event.title), localTime(event.startsAt, timeZone: event.timeZone), seats(event),
                    String(event.waitlisted), event.status.rawValue,
                ]
            }
            print(table([header] + rows))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one event in full.")
        @OptionGroup var connection: ConnectionOptions

        @Argument(help: ArgumentHelp("The event's id.", valueName: "event-id")) var eventId: String

        func run() async throws {
            let event = try await connection.withClient { try await $0.call(GetEvent(eventId: eventId)) }
            printEvent(event)
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel an event; everyone who RSVPed is told by email (admin socket).")
        @OptionGroup var connection: ConnectionOptions

        @Argument(help: ArgumentHelp("The event's id.", valueName: "event-id")) var eventId: String

        func run() async throws {
            let event = try await connection.withClient { try await $0.call(CancelEvent(eventId: eventId)) }
            print("\(event.id): \(event.status.rawValue) (\(oneLine(event.title)))")
        }
    }
}

/// `12/300`, or `12` when the event has no capacity.
func seats(_ event: Event) -> String {
    event.capacity.map { "\(event.going)/\($0)" } ?? String(event.going)
}

func printEvent(_ event: Event) {
    let location = event.location
    let place = [location.venue, location.address, location.city, location.region, location.postalCode, location.country]
        .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
    var pairs = [
        ("id", event.id),
        ("title", event.title),
        ("status", event.status.rawValue),
        ("starts", "\(localTime(event.startsAt, timeZone: event.timeZone)) (\(event.startsAt))"),
    ]
    if let endsAt = event.endsAt {
        pairs.append(("ends", "\(localTime(endsAt, timeZone: event.timeZone)) (\(endsAt))"))
    }
    pairs += [
        ("time zone", event.timeZone),
        ("location", place),
        ("capacity", event.capacity.map(String.init) ?? "no limit"),
        ("max guests", String(event.maxGuests)),
        ("going", String(event.going)),
        ("waitlisted", String(event.waitlisted)),
    ]
    print(fieldList(pairs))
    print()
    print(event.description)
}

// Suffixed: `CreateRSVP` is the contract's method; plain `RSVP` would read as a model.
struct RSVPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rsvp",
        abstract: "RSVP to an event.",
        discussion: """
            The reply is the same whether the party got seats or joined the waiting list, and for a repeat: \
            the confirmation email says which.
            """)
    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("The event's id.", valueName: "event-id")) var event: String
    @Option var name: String
    @Option var email: String
    @Option(help: "People coming along (0 to the event's max guests).") var guests: Int?
    @Option var phone: String?
    @Flag(help: "The person agrees to be contacted about the campaign.") var contactOptIn = false
    @Option(help: "Where the person came from (a campaign tag).") var source: String?

    func validate() throws {
        if let guests, guests < 0 { throw ValidationError("--guests must not be negative") }
    }

    func run() async throws {
        let request = CreateRSVP(
            eventId: event, name: name, email: email, guests: guests, phone: phone,
            contactOptIn: contactOptIn ? true : nil, source: source)
        let receipt = try await connection.withClient { try await $0.call(request) }
        print(receipt.summary + "; the confirmation email says whether there are seats")
    }
}

struct RSVPs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rsvps", abstract: "An event's RSVPs, for organisers (admin socket).",
        subcommands: [Export.self, CheckIn.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export an event's RSVPs with every field: JSON lines, or CSV with --csv.")
        @OptionGroup var connection: ConnectionOptions

        @Option(help: ArgumentHelp("The event's id.", valueName: "event-id")) var event: String
        @Option(help: ArgumentHelp("going, waitlisted or cancelled.", valueName: "status"), transform: parseWireEnum)
        var status: RSVPStatus?
        @Flag(help: "RFC 4180 CSV with a header row, for spreadsheets.") var csv = false
        @Option(help: "RSVPs per request (1-1000, default 100).") var limit: Int?

        func run() async throws {
            try await connection.withClient { client in
                try await printExport(csv: csv, header: CSV.rsvpHeader, fields: CSV.fields(of:)) { after in
                    try await client.call(ExportRSVPs(eventId: event, limit: limit, after: after, status: status))
                }
            }
        }
    }

    struct CheckIn: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-in", abstract: "Mark an RSVP as arrived at the event.")
        @OptionGroup var connection: ConnectionOptions

        @Argument(help: ArgumentHelp("The RSVP's id.", valueName: "rsvp-id")) var rsvpId: String

        func run() async throws {
            let record = try await connection.withClient { try await $0.call(CheckInRSVP(rsvpId: rsvpId)) }
            var line = "\(record.id): \(record.status.rawValue)"
            if let name = record.name { line += ", \(oneLine(name))" }
            if record.guests > 0 { line += " + \(record.guests)" }
            if let at = record.checkedInAt { line += ", checked in \(at)" }
            print(line)
        }
    }
}
