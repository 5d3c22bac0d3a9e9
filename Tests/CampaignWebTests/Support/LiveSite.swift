import CampaignWeb
import Hummingbird
import Logging
import ServiceLifecycle

/// campaign-web's live part in this process, against a real campaignd: the feed and `/live` served by an
/// `ActivatedHTTPServer` on a socket the test bound, in one service group.
struct LiveSite {
    let campaignd: LiveCampaignd
    let feed: LiveFeed
    let port: Int
    let group: ServiceGroup

    static let logger = Logger(label: "campaign-web-test")

    /// Runs `body` with campaignd, the feed and the server up, then shuts them down gracefully.
    static func with(keepAlive: Duration = .seconds(15), _ body: (LiveSite) async throws -> Void) async throws {
        let campaignd = try LiveCampaignd()
        try await campaignd.start()
        let feed = LiveFeed(socketPath: campaignd.publicSocket, keepAliveInterval: keepAlive, logger: logger)
        let router = Router()
        router.addLiveRoutes(feed: feed)
        let (fd, port) = try listeningSocket()
        let server = ActivatedHTTPServer(fd: fd, responder: router.buildResponder(), logger: logger)
        // The server first in shutdown order (the group stops services in reverse): its streams end, then the feed.
        let group = ServiceGroup(services: [feed, server], logger: logger)
        let site = LiveSite(campaignd: campaignd, feed: feed, port: port, group: group)
        do {
            try await whileServing(group) { try await body(site) }
        } catch {
            await campaignd.stop()
            throw error
        }
        await campaignd.stop()
    }

    func open() async throws -> HTTPStream { try await HTTPStream(port: port, path: "/live") }
}
