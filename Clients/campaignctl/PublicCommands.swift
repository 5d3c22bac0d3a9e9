import ArgumentParser
import CampaignClient
import CampaignProtocol

struct Letter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The open letter.", subcommands: [Get.self])

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the letter: title, status, version, recipients, body.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let letter = try await connection.withClient { try await $0.call(GetLetter()) }
            print("title: \(letter.title)")
            print("status: \(letter.status.rawValue)")
            print("version: \(letter.version)")
            print("recipients:")
            for recipient in letter.recipients {
                var line = "  " + ([recipient.name] + [recipient.role, recipient.organization].compactMap { $0 }).joined(separator: ", ")
                if let handle = recipient.handle { line += " (\(handle))" }
                print(line)
            }
            print()
            print(letter.body)
        }
    }
}

struct Sign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Sign the letter.")
    @OptionGroup var connection: ConnectionOptions

    @Option var name: String
    @Option var email: String
    @Option var organization: String?
    @Option var jobTitle: String?
    @Flag(help: "The signer is a customer of the company.") var customer = false
    @Option(help: ArgumentHelp("ISO 3166-1 alpha-2 country code.", valueName: "cc")) var country: String?
    @Option var postalCode: String?
    @Option var comment: String?
    @Flag(help: "Show the name on the public list.") var showName = false
    @Flag(help: "The signer agrees to be contacted about the campaign.") var contactOptIn = false
    @Option(help: "Where the signer came from (a campaign tag).") var source: String?

    func run() async throws {
        let request = SignLetter(
            name: name, email: email, organization: organization, jobTitle: jobTitle, isCustomer: customer ? true : nil,
            country: country, postalCode: postalCode, comment: comment, showName: showName ? true : nil,
            contactOptIn: contactOptIn ? true : nil, source: source)
        let receipt = try await connection.withClient { try await $0.call(request) }
        print(receipt.summary)
    }
}

struct Count: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the signature counts.")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let counts = try await connection.withClient { try await $0.call(CountSignatures()) }
        print("confirmed: \(counts.confirmed)")
        // Organisers only: the admin socket adds signatures waiting for their confirmation.
        if let pending = counts.pending { print("pending: \(pending)") }
        print("organizations: \(counts.organizations)")
        print("customers: \(counts.customers)")
        print("goal: \(counts.goal.map(String.init) ?? "none")")
    }
}

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the public signers, newest first: name, organization, country, tab-separated.")
    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Signers per page (1-100, default 20).") var limit: Int?
    @Option(help: ArgumentHelp("Continue after this cursor (a previous `next:`).", valueName: "cursor")) var after: String?
    @Option(help: ArgumentHelp("all, featured, organizations or customers.", valueName: "filter"), transform: parseWireEnum)
    var filter: SignatureFilter?
    @Flag(help: "Follow `next` to the last page.") var allPages = false

    func run() async throws {
        try await connection.withClient { client in
            var cursor = after
            repeat {
                let page = try await client.call(ListSignatures(limit: limit, after: cursor, filter: filter))
                for signer in page.items {
                    print([signer.name, signer.organization ?? "", signer.country ?? ""].map(oneLine).joined(separator: "\t"))
                }
                cursor = page.next
            } while allPages && cursor != nil
            if let cursor { print("next: \(cursor)") }
        }
    }
}

/// Tabs and line breaks inside a field would break the one-signer-per-line output.
func oneLine(_ text: String) -> String {
    String(text.map { $0 == "\t" || $0.isNewline ? " " : $0 })
}

/// Parses an option into one of the contract's enums, naming the allowed values when it is not one.
func parseWireEnum<E: WireEnum>(_ text: String) throws -> E {
    guard let value = E(rawValue: text) else {
        throw ValidationError("'\(text)' must be one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return value
}
