import ArgumentParser
import CampaignClient
import CampaignProtocol
import Foundation

/// A person's data on request (admin socket): what is held about an email, and erasing it.
struct Person: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What is held about a person, and erasing it (admin socket).", subcommands: [ExportCommand.self, EraseCommand.self])

    struct ExportCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Every record held about an email (any spelling: matched on its canonical form), as text or JSON.")
        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The person's email address.") var email: String
        @Flag(help: "Every field, as JSON.") var json = false

        func run() async throws {
            let records = try await connection.withClient { try await $0.call(ExportPerson(email: email)) }
            print(json ? prettyJSON(try JSONValueEncoder().encode(records)) : Self.text(records))
        }

        static func text(_ r: ExportPerson.Result) -> String {
            var lines = ["person: \(r.emailCanonical)"]
            func client(_ c: ClientInfo?) -> String {
                [c?.ip.map { "ip \($0)" }, c?.userAgent.map { "user agent \($0)" }].compactMap { $0 }.joined(separator: ", ")
            }
            func delivery(_ d: Delivery?) -> String {
                d.map { "last message \($0.state.rawValue)" + ($0.reason.map { " (\($0))" } ?? "") } ?? ""
            }
            func join(_ parts: [String?]) -> String { parts.compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "; ") }
            lines.append("signatures: \(r.signatures.count)")
            for s in r.signatures {
                lines.append(
                    "  "
                        + join([
                            s.id, s.status.rawValue, s.name, s.email, s.organization, s.jobTitle, s.postalCode.map { "postal code \($0)" },
                            "signed \(s.signedAt)", client(s.client), "showName \(s.showName)", "contactOptIn \(s.contactOptIn)",
                            delivery(s.delivery),
                        ]))
            }
            lines.append("pledges: \(r.pledges.count)")
            for p in r.pledges {
                lines.append(
                    "  "
                        + join([
                            p.id, p.status.rawValue, p.name, p.email, MoneyText.decimal(p.amount, grouped: false) + " " + p.amount.currency,
                            "pledged \(p.pledgedAt)", client(p.client), "showName \(p.showName)", "contactOptIn \(p.contactOptIn)",
                            delivery(p.delivery),
                        ]))
            }
            lines.append("rsvps: \(r.rsvps.count)")
            for v in r.rsvps {
                lines.append(
                    "  "
                        + join([
                            v.id, v.eventId, v.status.rawValue, v.name, v.email, v.phone.map { "phone \($0)" }, "guests \(v.guests)",
                            "created \(v.createdAt)", client(v.client), "contactOptIn \(v.contactOptIn)", delivery(v.delivery),
                        ]))
            }
            lines.append("messages held: \(r.messages.count)")
            for m in r.messages {
                lines.append(
                    "  " + join([m.id, m.kind.rawValue, m.recordId, m.to.email, m.state.rawValue, "attempts \(m.attempts)", m.lastError]))
            }
            lines.append("tokens: \(r.tokens.count)")
            for t in r.tokens { lines.append("  " + join([t.about.rawValue, t.recordId, "minted \(t.createdAt)"])) }
            lines.append("address limit rows: \(r.addressLimitRows)")
            return lines.joined(separator: "\n")
        }
    }

    struct EraseCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "erase",
            abstract: "Erase everything held about an email in one transaction; counts and totals stay (asks first on a terminal).")
        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The person's email address.") var email: String
        @Flag(help: "Erase without asking.") var yes = false
        @Flag(help: "Print what was erased as JSON.") var json = false

        func run() async throws {
            if !yes {
                // Without a terminal there is nobody to ask: a script says --yes.
                guard isatty(STDIN_FILENO) == 1 else { throw ValidationError("not a terminal: give --yes to erase \(email)") }
                FileHandle.standardError.write(Data("Erase everything held about \(email)? This cannot be undone. Type yes: ".utf8))
                guard readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
                    printError("campaignctl: nothing erased\n")
                    throw ExitCode(1)
                }
            }
            let erased = try await connection.withClient { try await $0.call(ErasePerson(email: email)) }
            if json {
                print(prettyJSON(try JSONValueEncoder().encode(erased)))
            } else {
                print(
                    """
                    person: \(erased.emailCanonical)
                    signatures: \(erased.signatures)
                    pledges: \(erased.pledges)
                    rsvps: \(erased.rsvps)
                    messages: \(erased.messages)
                    tokens: \(erased.tokens)
                    address limit rows: \(erased.addressLimitRows)
                    wal emptied: \(erased.walCheckpointed)
                    """)
            }
        }
    }
}
