import ArgumentParser
import CampaignClient
import CampaignProtocol

// Named with a suffix: `Fundraiser` is the contract's model.
struct FundraiserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fundraiser", abstract: "Print the fundraiser: goal, exact totals, limits, status.")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let fundraiser = try await connection.withClient { try await $0.call(GetFundraiser()) }
        print(
            fieldList([
                ("title", fundraiser.title),
                ("goal", MoneyText.format(fundraiser.goal)),
                ("pledged", MoneyText.format(fundraiser.pledged) + progress(fundraiser.pledged, of: fundraiser.goal)),
                ("paid", MoneyText.format(fundraiser.paid)),
                ("pledges", String(fundraiser.pledgeCount)),
                ("minimum", MoneyText.format(fundraiser.minimum)),
                ("maximum", MoneyText.format(fundraiser.maximum)),
                ("status", fundraiser.status.rawValue),
                ("closes at", fundraiser.closesAt?.description ?? "not set"),
            ]))
        print()
        print(fundraiser.description)
    }
}

/// ` (12% of goal)`, in whole percent by integer division; empty when it would mean nothing.
func progress(_ amount: Money, of goal: Money) -> String {
    guard goal.amountMinor > 0, amount.currency == goal.currency else { return "" }
    let (product, overflow) = amount.amountMinor.multipliedReportingOverflow(by: 100)
    guard !overflow else { return "" }
    return " (\(product / goal.amountMinor)% of goal)"
}

struct Pledge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pledge money to the fundraiser.",
        discussion: "The amount is decimal text (25, 25.5, 25.00); without --currency the fundraiser's is used.")
    @OptionGroup var connection: ConnectionOptions

    @Option var name: String
    @Option var email: String
    // Unconditional, so that `--amount -5` reaches the parser and is refused as negative, not as an option.
    @Option(
        parsing: .unconditional, help: ArgumentHelp("The amount, such as 25.00.", valueName: "amount"),
        transform: DecimalAmount.init(parsing:))
    var amount: DecimalAmount
    @Option(help: ArgumentHelp("ISO 4217 code (default: the fundraiser's).", valueName: "code"), transform: parseCurrency)
    var currency: String?
    @Flag(help: "Show the name among recent pledges.") var showName = false
    @Option(help: "A message shown with the pledge.") var message: String?
    @Flag(help: "The pledger agrees to be contacted about the campaign.") var contactOptIn = false
    @Option(help: ArgumentHelp("Makes a retried request create nothing new.", valueName: "key")) var idempotencyKey: String?
    @Option(help: "Where the pledger came from (a campaign tag).") var source: String?

    func validate() throws {
        // With the currency known, refuse extra decimals before connecting.
        if let currency { _ = try amount.minorUnits(of: currency) }
    }

    func run() async throws {
        let receipt = try await connection.withClient { client in
            let currency: String
            if let given = self.currency {
                currency = given
            } else {
                currency = try await client.call(GetFundraiser()).goal.currency
            }
            let minor: Int
            do {
                minor = try amount.minorUnits(of: currency)
            } catch let error as ValidationError {
                // Known only now, from the fundraiser; said like a usage error, without the root usage text.
                printError("campaignctl: \(error.message)\n")
                throw ExitCode.validationFailure
            }
            let request = CreatePledge(
                name: name, email: email, amount: Money(amountMinor: minor, currency: currency),
                showName: showName ? true : nil, message: message, contactOptIn: contactOptIn ? true : nil,
                idempotencyKey: idempotencyKey, source: source)
            return try await client.call(request)
        }
        print(receipt.summary)
    }
}

struct Pledges: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recent public pledges; export and payment status for organisers (admin socket).",
        subcommands: [Recent.self, Export.self, SetStatus.self])

    struct Recent: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The latest confirmed pledges shown by name: time, name, amount, message, tab-separated.")
        @OptionGroup var connection: ConnectionOptions

        @Option(help: "Pledges to show (1-100, default 10).") var limit: Int?

        func run() async throws {
            let recent = try await connection.withClient { try await $0.call(RecentPledges(limit: limit)) }
            for pledge in recent.items {
                print(
                    [pledge.pledgedAt.description, pledge.name, MoneyText.format(pledge.amount), pledge.message ?? ""]
                        .map(oneLine).joined(separator: "\t"))
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export every pledge with every field (admin socket): JSON lines, or CSV with --csv.")
        @OptionGroup var connection: ConnectionOptions

        @Option(help: ArgumentHelp("pending, confirmed, paid, refunded or cancelled.", valueName: "status"), transform: parseWireEnum)
        var status: PledgeStatus?
        @Flag(help: "RFC 4180 CSV with a header row, for spreadsheets.") var csv = false
        @Option(help: "Pledges per request (1-1000, default 100).") var limit: Int?

        func run() async throws {
            try await connection.withClient { client in
                try await printExport(csv: csv, header: CSV.pledgeHeader, fields: CSV.fields(of:)) { after in
                    try await client.call(ExportPledges(limit: limit, after: after, status: status))
                }
            }
        }
    }

    struct SetStatus: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-status",
            abstract: "Record a payment, refund or cancellation (admin socket).",
            discussion: "pending → confirmed → paid → refunded; pending or confirmed → cancelled. Other moves are refused.")
        @OptionGroup var connection: ConnectionOptions

        @Argument(help: ArgumentHelp("The pledge's id.", valueName: "pledge-id")) var pledgeId: String
        @Argument(help: ArgumentHelp("confirmed, paid, refunded or cancelled.", valueName: "status"), transform: parseWireEnum)
        var status: PledgeStatus

        func run() async throws {
            let record = try await connection.withClient { try await $0.call(SetPledgeStatus(pledgeId: pledgeId, status: status)) }
            print("\(record.id): \(record.status.rawValue) (\(MoneyText.format(record.amount)) from \(oneLine(record.name)))")
        }
    }
}
