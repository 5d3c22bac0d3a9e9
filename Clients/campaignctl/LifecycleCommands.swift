import ArgumentParser
import CampaignClient
import CampaignProtocol
import Foundation

/// `campaignctl backup`: a consistent copy of the live database in the state directory's `backups/`.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the live database into the state directory's backups/ while signing goes on (admin socket).",
        discussion: """
            Without NAME the copy is named campaign-YYYYMMDDTHHMMSSZ.sqlite (UTC). An existing file is never \
            overwritten. --keep N then deletes the oldest automatically named copies beyond N.
            """)
    @OptionGroup var connection: ConnectionOptions

    @Argument(help: ArgumentHelp("A file name in the backups directory (no '/').", valueName: "name")) var name: String?
    @Option(help: ArgumentHelp("Keep this many automatic copies (1-1000), deleting older ones.", valueName: "n")) var keep: Int?
    @Flag(help: "Print the result as one JSON object.") var json = false

    func run() async throws {
        let result = try await connection.withClient { try await $0.call(BackupService(path: name, keep: keep)) }
        if json {
            print(prettyJSON(try JSONValueEncoder().encode(result)))
            return
        }
        print(
            fieldList([
                ("backup", result.path), ("size", "\(result.bytes) bytes"), ("duration", "\(result.durationMs) ms"),
                ("signatures", String(result.signatures)), ("taken at", result.takenAt.description),
                ("removed", result.removed.isEmpty ? "none" : result.removed.joined(separator: ", ")),
            ]))
    }
}

/// `campaignctl close`: ends the campaign and prints its final figures.
struct Close: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Close the letter and the fundraiser, then print the final report (admin socket).",
        discussion: """
            Closing the letter refuses new signatures and RSVPs (-32003) and closing the fundraiser new pledges; \
            people who signed, pledged or RSVPed before may still confirm for 24 hours. Closing again changes \
            nothing and prints the report again.
            """)
    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Print the report as one JSON object.") var json = false

    func run() async throws {
        let report = try await connection.withClient { client in
            _ = try await client.call(SetLetterStatus(status: .closed))
            if let fundraiser = try await client.call(GetCampaign()).fundraiser, fundraiser.status != .closed {
                _ = try await client.call(UpdateFundraiser(status: .closed))
            }
            return try await FinalReport.gather(client)
        }
        print(json ? prettyJSON(report.json) : report.text)
    }
}

/// The campaign's figures at its end, from the organisers' methods: `campaign.get` (letter, goal,
/// fundraiser, events), `service.stats` (signatures and pledges by status, tweet clicks) and the
/// exports (signers by organisation, pledged amounts by status).
struct FinalReport {
    var page: GetCampaign.Result
    var stats: ServiceStats.Result
    /// Confirmed signers by organisation, most first.
    var organizations: [(name: String, signers: Int)]
    /// Pledges by status: how many and how much (minor units of the fundraiser's currency).
    var pledges: [(status: PledgeStatus, count: Int, amountMinor: Int)]

    static func gather(_ client: CampaignClient) async throws -> FinalReport {
        let page = try await client.call(GetCampaign())
        let stats = try await client.call(ServiceStats())
        var byOrganization: [String: Int] = [:]
        var after: String?
        repeat {
            let batch = try await client.call(ExportSignatures(limit: 1000, after: after, status: .confirmed))
            for record in batch.items {
                if let organization = record.organization { byOrganization[organization, default: 0] += 1 }
            }
            after = batch.next
        } while after != nil
        var pledges = PledgeStatus.allCases.map { (status: $0, count: 0, amountMinor: 0) }
        if page.fundraiser != nil {
            after = nil
            repeat {
                let batch = try await client.call(ExportPledges(limit: 1000, after: after))
                for record in batch.items {
                    guard let i = pledges.firstIndex(where: { $0.status == record.status }) else { continue }
                    pledges[i].count += 1
                    pledges[i].amountMinor += record.amount.amountMinor
                }
                after = batch.next
            } while after != nil
        }
        let organizations = byOrganization.map { (name: $0.key, signers: $0.value) }
            .sorted { $0.signers != $1.signers ? $0.signers > $1.signers : $0.name < $1.name }
        return FinalReport(page: page, stats: stats, organizations: organizations, pledges: pledges)
    }

    var json: JSONValue {
        let s = stats.signatures
        var signatures: [String: JSONValue] = [
            "confirmed": JSONValue(s.confirmed), "pending": JSONValue(s.pending), "withdrawn": JSONValue(s.withdrawn),
            "invalidated": JSONValue(s.invalidated), "suspect": JSONValue(s.suspect),
            "organizations": JSONValue(page.signatures.organizations), "customers": JSONValue(page.signatures.customers),
        ]
        signatures["goal"] = page.signatures.goal.map(JSONValue.init) ?? .null
        var letter: JSONValue = .null
        if let l = page.letter {
            letter = .object(["title": .string(l.title), "status": .string(l.status.rawValue), "version": JSONValue(l.version)])
        }
        var fundraiser: JSONValue = .null
        if let f = page.fundraiser {
            func money(_ minor: Int) -> JSONValue {
                .object(["amountMinor": JSONValue(minor), "currency": .string(f.goal.currency)])
            }
            var byStatus: [String: JSONValue] = [:]
            for p in pledges {
                byStatus[p.status.rawValue] = .object(["count": JSONValue(p.count), "amount": money(p.amountMinor)])
            }
            fundraiser = .object([
                "title": .string(f.title), "status": .string(f.status.rawValue), "goal": money(f.goal.amountMinor),
                "pledged": money(f.pledged.amountMinor), "paid": money(f.paid.amountMinor), "pledgeCount": JSONValue(f.pledgeCount),
                "byStatus": .object(byStatus),
            ])
        }
        let events = page.events.map { e -> JSONValue in
            .object([
                "id": .string(e.id), "title": .string(e.title), "status": .string(e.status.rawValue),
                "startsAt": .string(e.startsAt.description), "going": JSONValue(e.going), "waitlisted": JSONValue(e.waitlisted),
                "capacity": e.capacity.map(JSONValue.init) ?? .null,
            ])
        }
        return .object([
            "letter": letter, "signatures": .object(signatures),
            "organizations": .array(organizations.map { .object(["name": .string($0.name), "signers": JSONValue($0.signers)]) }),
            "fundraiser": fundraiser, "events": .array(events),
            "tweets": .object([
                "clicks": JSONValue(stats.tweets.clicks),
                "byTweet": .object(stats.tweets.byTweet.mapValues(JSONValue.init)),
            ]),
        ])
    }

    var text: String {
        let s = stats.signatures
        var out = "Final report\n\n"
        let letter = page.letter.map { "\(oneLine($0.title)) (\($0.status.rawValue), version \($0.version))" } ?? "none"
        var signatures = "confirmed \(s.confirmed), pending \(s.pending), withdrawn \(s.withdrawn)"
        signatures += ", invalidated \(s.invalidated), suspect \(s.suspect)"
        let goal = page.signatures.goal.map { $0 > 0 ? "\($0) (\(s.confirmed * 100 / $0)% reached)" : "\($0)" } ?? "none"
        out += fieldList([("letter", letter), ("signatures", signatures), ("goal", goal)]) + "\n"
        out += "\nOrganisations (\(organizations.count), confirmed signers):\n"
        out += organizations.isEmpty ? "  none\n" : table(organizations.map { ["", String($0.signers), oneLine($0.name)] }) + "\n"
        out += "\nFundraiser: "
        if let f = page.fundraiser {
            out += "\(oneLine(f.title)) (\(f.status.rawValue))\n"
            var rows = [
                ["", "goal", MoneyText.format(f.goal)],
                ["", "pledged", MoneyText.format(f.pledged) + progress(f.pledged, of: f.goal) + ", \(f.pledgeCount) pledges"],
                ["", "paid", MoneyText.format(f.paid)],
            ]
            for p in pledges {
                rows.append([
                    "", p.status.rawValue, "\(p.count), \(MoneyText.format(Money(amountMinor: p.amountMinor, currency: f.goal.currency)))",
                ])
            }
            out += table(rows) + "\n"
        } else {
            out += "none\n"
        }
        out += "\nEvents:\n"
        if page.events.isEmpty {
            out += "  none\n"
        } else {
            out +=
                table(
                    page.events.map { e in
                        [
                            "", e.id, "going \(e.going)" + (e.capacity.map { " of \($0)" } ?? ""), "waitlisted \(e.waitlisted)",
                            e.status.rawValue, oneLine(e.title),
                        ]
                    }) + "\n"
        }
        out += "\nTweets: \(stats.tweets.clicks) clicks"
        if !stats.tweets.byTweet.isEmpty {
            out += "\n" + table(stats.tweets.byTweet.sorted { $0.key < $1.key }.map { ["", $0.key, String($0.value)] })
        }
        return out
    }
}
