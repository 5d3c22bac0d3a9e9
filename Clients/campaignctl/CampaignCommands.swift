import ArgumentParser
import CampaignClient
import CampaignProtocol
import Foundation

// Suffixed: `Page` is the contract's paging type.
struct PageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "page", abstract: "Summarise the campaign page from one campaign.get, as a frontend renders it.")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let page = try await connection.withClient { try await $0.call(GetCampaign()) }
        // A public listener sends no letter while it is a draft; an admin one sends it with its status.
        let letter = page.letter.map { "\(oneLine($0.title)) (\($0.status.rawValue), version \($0.version))" } ?? "(draft)"
        let counts = page.signatures
        var signatures = "confirmed \(counts.confirmed), " + (counts.pending.map { "pending \($0), " } ?? "")
        signatures += "organizations \(counts.organizations), "
        signatures += "customers \(counts.customers)"
        if let goal = counts.goal { signatures += ", goal \(goal)" }
        var fundraiser = "none"
        if let f = page.fundraiser {
            fundraiser = "\(oneLine(f.title)) (\(f.status.rawValue)): pledged \(MoneyText.format(f.pledged))"
            fundraiser += " of \(MoneyText.format(f.goal))\(progress(f.pledged, of: f.goal)), paid \(MoneyText.format(f.paid)), "
            fundraiser += "\(f.pledgeCount) pledges"
        }
        print(
            fieldList([
                ("letter", letter), ("signatures", signatures), ("fundraiser", fundraiser),
                ("events", String(page.events.count)), ("tweets", String(page.tweets.count)),
            ]))
        if !page.events.isEmpty {
            let rows = page.events.map { event in
                [
                    "", event.id, localTime(event.startsAt, timeZone: event.timeZone), "going \(seats(event))",
                    "waitlisted \(event.waitlisted)", event.status.rawValue, oneLine(event.title),
                ]
            }
            print(table(rows))
        }
    }
}

struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the campaign's figures as they change, one line each, until Ctrl-C or the connection closes.")
    @OptionGroup var connection: ConnectionOptions

    @Option(
        name: .customLong("topic"), parsing: .upToNextOption,
        help: ArgumentHelp("signatures, fundraiser or events; may repeat (default: all three).", valueName: "topic"),
        transform: parseWireEnum)
    var topics: [Topic] = []

    func run() async throws {
        let wanted = topics.isEmpty ? Topic.allCases : topics
        try await connection.withClient { client in
            // Opened before subscribing, so that the first change is not missed.
            let changes = client.notifications(of: CampaignChanged.self) { error in
                let reason = if case .invalidResponse(let reason) = error { reason } else { "\(error)" }
                printError("campaignctl: skipping a campaign.changed this build cannot read: \(reason)\n")
            }
            let subscribed = try await client.call(Subscribe(topics: wanted))
            printError("watching \(subscribed.topics.map(\.rawValue).joined(separator: ", ")); Ctrl-C to stop\n")
            let clock = DateFormatter()
            clock.locale = Locale(identifier: "en_US_POSIX")
            clock.dateFormat = "HH:mm:ss"
            for await changed in changes {
                let time = clock.string(from: Date())
                for line in Self.lines(changed) {
                    // Unbuffered, so that a pipe (`| tee`) sees each change as it happens.
                    FileHandle.standardOutput.write(Data("\(time) \(line)\n".utf8))
                }
            }
        }
        printError("campaignctl: campaignd closed the connection\n")
        throw ExitCode(1)
    }

    /// One line per topic, and per event for events.
    static func lines(_ changed: CampaignChanged) -> [String] {
        var lines: [String] = []
        if let counts = changed.signatures {
            var line = "signatures confirmed=\(counts.confirmed)" + (counts.pending.map { " pending=\($0)" } ?? "")
            if let goal = counts.goal { line += " goal=\(goal)" }
            lines.append(line)
        }
        if let f = changed.fundraiser {
            lines.append(
                "fundraiser pledged=\(MoneyText.format(f.pledged)) paid=\(MoneyText.format(f.paid)) count=\(f.pledgeCount)"
                    + (f.status == .open ? "" : " \(f.status.rawValue)"))
        }
        for event in changed.events ?? [] {
            lines.append(
                "events \(event.id) going=\(seats(event)) waitlisted=\(event.waitlisted)"
                    + (event.status == .scheduled ? "" : " \(event.status.rawValue)"))
        }
        return lines
    }
}
