import ArgumentParser
import CampaignClient
import CampaignProtocol

struct Tweets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tweets", abstract: "The ready-made tweets.", subcommands: [ListCommand.self, Click.self],
        defaultSubcommand: ListCommand.self)

    // Suffixed: `List` is the signers command.
    struct ListCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the tweets: id, target handle, text, intent link, tab-separated.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let tweets = try await connection.withClient { try await $0.call(ListTweets()) }.items
            for tweet in tweets {
                let handle = tweet.target.handle.hasPrefix("@") ? tweet.target.handle : "@" + tweet.target.handle
                print([tweet.id, handle, tweet.text, tweet.url].map(oneLine).joined(separator: "\t"))
            }
        }
    }

    struct Click: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Count a click on a tweet, as the page does: a notification, so campaignd does not answer.")
        @OptionGroup var connection: ConnectionOptions

        @Argument(help: ArgumentHelp("The tweet's id.", valueName: "tweet-id")) var tweetId: String

        func run() async throws {
            try await connection.withClient { client in
                try await client.notify(ClickTweet(tweetId: tweetId))
                // A notification gets no answer, so a round trip behind it shows campaignd read it
                // before the connection closes (and that the connection worked at all).
                _ = try await client.call(ServiceHealth())
            }
        }
    }
}
