import ArgumentParser
import CampaignClient
import CampaignProtocol
import Foundation

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export every signature with every field (admin socket): JSON lines, or CSV with --csv.")
    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("pending, confirmed, withdrawn, invalidated or suspect.", valueName: "status"), transform: parseWireEnum)
    var status: SignatureStatus?
    @Flag(help: "RFC 4180 CSV with a header row, for spreadsheets.") var csv = false
    @Option(help: "Signatures per request (1-1000, default 100).") var limit: Int?

    func run() async throws {
        try await connection.withClient { client in
            try await printExport(csv: csv, header: CSV.signatureHeader, fields: CSV.fields(of:)) { after in
                try await client.call(ExportSignatures(limit: limit, after: after, status: status))
            }
        }
    }
}

struct Moderate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Moderate a signature (admin socket): accept a suspect, hide or unhide, feature or unfeature, invalidate.")
    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The signature's id (from export).") var signatureId: String
    @Argument(help: ArgumentHelp("accept, hide, unhide, feature, unfeature or invalidate.", valueName: "action"), transform: parseWireEnum)
    var action: ModerationAction

    func run() async throws {
        let record = try await connection.withClient { try await $0.call(ModerateSignature(signatureId: signatureId, action: action)) }
        print(prettyJSON(try JSONValueEncoder().encode(record)))
    }
}

struct Outbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The messages campaignd wants sent (admin socket).", subcommands: [Claim.self, Ack.self, Fail.self])

    struct Claim: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lease messages to send and print them as JSON; unacknowledged ones come back when the lease ends.")
        @OptionGroup var connection: ConnectionOptions

        @Option(help: "Messages to claim (1-100, default 20).") var limit: Int?
        @Option(help: ArgumentHelp("Lease length (10-3600, default 300).", valueName: "seconds")) var lease: Int?

        func run() async throws {
            let claimed = try await connection.withClient { try await $0.call(ClaimOutbox(limit: limit, leaseSeconds: lease)) }
            print(prettyJSON(try JSONValueEncoder().encode(claimed.messages)))
        }
    }

    struct Ack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Acknowledge sent messages, deleting them.")
        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "Ids of the messages sent.") var ids: [String]

        func validate() throws {
            if ids.isEmpty { throw ValidationError("give at least one message id") }
        }

        func run() async throws {
            let result = try await connection.withClient { try await $0.call(AckOutbox(ids: ids)) }
            print("acknowledged: \(result.acknowledged)")
        }
    }

    struct Fail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Report messages that could not be sent: retried after a backoff, or given up with --permanent.")
        @OptionGroup var connection: ConnectionOptions

        @Option(help: "What the mail server said (shown to organisers in the exports).") var reason: String
        @Flag(help: "A failure that retrying cannot fix (an SMTP 5xx): never retried.") var permanent = false
        @Option(help: ArgumentHelp("Try again after this long instead of the backoff.", valueName: "seconds")) var retryAfter: Int?
        @Argument(help: "Ids of the messages that failed.") var ids: [String]

        func validate() throws {
            if ids.isEmpty { throw ValidationError("give at least one message id") }
        }

        func run() async throws {
            let request = FailOutbox(ids: ids, permanent: permanent, reason: reason, retryAfterSeconds: retryAfter)
            let result = try await connection.withClient { try await $0.call(request) }
            print("retrying: \(result.retrying), given up: \(result.dead)")
        }
    }
}

struct Call: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Call any method with a JSON params object and print the result as JSON.",
        discussion: "Example: campaignctl --socket /run/campaignd/admin.sock call outbox.claim '{\"limit\": 5}'")
    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The method, such as signatures.count.") var method: String
    @Argument(help: ArgumentHelp("The params: a JSON object (parameters are by name).", valueName: "json"), transform: Call.parseParams)
    var params: JSONValue?

    func run() async throws {
        let result = try await connection.withClient { try await $0.callRaw(method: method, params: params) }
        print(prettyJSON(result))
    }

    static func parseParams(_ text: String) throws -> JSONValue {
        let params: JSONValue
        do {
            params = try JSONParser.parse(text)
        } catch .syntax(let offset, let reason) {
            throw ValidationError("not valid JSON: \(reason) at byte \(offset)")
        } catch .tooDeep(let limit) {
            throw ValidationError("not valid JSON: nested deeper than \(limit)")
        }
        guard params.objectValue != nil else {
            throw ValidationError("the params must be a JSON object (parameters are by name), not \(params.typeName)")
        }
        return params
    }
}
