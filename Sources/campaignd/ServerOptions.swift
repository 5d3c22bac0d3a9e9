import ArgumentParser
import CampaignService

/// The limits of SPEC §1 and the connection settings. Each default is the library's own, so that it is
/// written once: `ServerConfiguration`'s and `Dispatcher.Limits`'.
struct ServerOptions: ParsableArguments {
    private static let server = ServerConfiguration.defaults
    private static let requests = Dispatcher.Limits()

    @Option(help: "Largest frame in bytes.")
    var maxFrameBytes: Int = ServerOptions.server.maxFrameBytes

    @Option(help: "Most requests in one batch.")
    var maxBatch: Int = ServerOptions.requests.maxBatch

    @Option(help: "Deepest JSON nesting.")
    var maxDepth: Int = ServerOptions.requests.maxDepth

    @Option(help: "Requests in flight per connection before the service stops reading it.")
    var maxInflight: Int = ServerOptions.server.maxInflight

    @Option(help: "Requests computed at once across all connections; more wait their connection's turn.")
    var maxActive: Int = ServerOptions.server.maxActive

    @Option(help: "Bytes of replies waiting for slow readers, beyond which a connection with replies still waiting gets no new work.")
    var replyBudget: Int = ServerOptions.server.replyBudgetBytes

    @Option(help: "Seconds a connection may stay idle or stalled mid-frame.")
    var idleTimeout: Int = ServerOptions.server.idleTimeoutSeconds

    @Option(help: "Open connections beyond which a new one gets -32005 and is closed.")
    var maxConnections: Int = ServerOptions.server.maxConnections

    @Option(help: "A uid allowed on admin listeners besides root and this service's own (repeatable).")
    var adminUid: [UInt32] = []

    @Option(help: "Exit after this many seconds with no connection (for on-demand activation).")
    var exitWhenIdle: Int?

    func validate() throws {
        for (name, value) in [
            ("--max-frame-bytes", maxFrameBytes), ("--max-batch", maxBatch), ("--max-depth", maxDepth),
            ("--max-inflight", maxInflight), ("--max-active", maxActive), ("--reply-budget", replyBudget),
            ("--max-connections", maxConnections), ("--idle-timeout", idleTimeout),
        ] {
            try requirePositive(value, name)
        }
        if let exitWhenIdle { try requirePositive(exitWhenIdle, "--exit-when-idle") }
    }

    var requestLimits: Dispatcher.Limits { Dispatcher.Limits(maxBatch: maxBatch, maxDepth: maxDepth) }

    func configuration(listeners: [ListenerSource]) -> ServerConfiguration {
        var configuration = ServerConfiguration(listeners: listeners)
        configuration.maxFrameBytes = maxFrameBytes
        configuration.maxInflight = maxInflight
        configuration.maxActive = maxActive
        configuration.replyBudgetBytes = replyBudget
        configuration.idleTimeoutSeconds = idleTimeout
        configuration.maxConnections = maxConnections
        configuration.adminUIDs = Set(adminUid)
        configuration.exitWhenIdleSeconds = exitWhenIdle
        return configuration
    }
}

/// The options' common rule: counts, sizes and durations are at least 1.
func requirePositive(_ value: Int, _ name: String) throws {
    guard value >= 1 else { throw ValidationError("\(name) must be at least 1") }
}
