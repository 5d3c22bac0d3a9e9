import ArgumentParser
import CampaignClient
import CampaignProtocol
import Foundation

@main
struct CampaignCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaignctl",
        abstract: "Talk to campaignd: the letter and signatures, the fundraiser, events, tweets, the outbox.",
        discussion: """
            Public commands (letter get, sign, count, list, fundraiser, pledge, pledges recent, events list/show, \
            rsvp, tweets, page, watch) work on the public socket; export, pledges export/set-status, events cancel, \
            rsvps, outbox, person and admin methods given to `call` need the admin socket \
            (--socket /run/campaignd/admin.sock).
            Exit status: 0 on success, 2 when campaignd answers with a JSON-RPC error, 1 when it cannot \
            be reached or the connection fails (for watch: closes).
            """,
        subcommands: [
            Letter.self, Sign.self, Count.self, List.self, Export.self, Moderate.self, FundraiserCommand.self, Pledge.self, Pledges.self,
            Events.self, RSVPCommand.self, RSVPs.self, Tweets.self, PageCommand.self, Watch.self, Outbox.self, Check.self, Call.self,
            Person.self,
            Backup.self, Close.self,
        ]
    )

    // Declared here as well as in each subcommand so that `--socket` may come before the subcommand.
    @OptionGroup var connection: ConnectionOptions
}

struct ConnectionOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The campaignd socket (default: $CAMPAIGN_SOCKET, else /run/campaignd/public.sock).", valueName: "path"))
    var socket: String?

    var socketPath: String {
        if let socket { return socket }
        if let fromEnvironment = ProcessInfo.processInfo.environment["CAMPAIGN_SOCKET"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return "/run/campaignd/public.sock"
    }

    /// Connects, runs `body`, closes; failures are reported the way the exit status promises.
    func withClient<T>(_ body: (CampaignClient) async throws -> T) async throws -> T {
        let client: CampaignClient
        do {
            client = try await CampaignClient.connect(socketPath: socketPath)
        } catch {
            throw report(error)
        }
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch {
            await client.close()
            throw report(error)
        }
    }
}

/// Prints the error and turns it into the exit status: 2 for an answer from campaignd that is an error,
/// 1 for everything that kept an answer from coming.
func report(_ error: any Error) -> any Error {
    switch error {
    case let error as ResponseError:
        var text = "campaignctl: \(error.message) (code \(error.code.rawValue))\n"
        if let field = error.data?.field, !field.isEmpty { text += "field: \(field)\n" }
        if let retry = error.data?.retryAfterMs { text += "retry after: \(retry) ms\n" }
        printError(text)
        return ExitCode(2)
    case is ExitCode, is ValidationError, is CleanExit:
        return error
    default:
        printError("campaignctl: \(error)\n")
        return ExitCode(1)
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}
