import ArgumentParser
import CampaignProtocol
import CampaignService
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `campaignd`: the campaign's JSON-RPC service.
@main
struct Campaignd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaignd",
        abstract: "The backend of an open-letter campaign: JSON-RPC 2.0 over Unix sockets and stdio.",
        discussion: """
            Under systemd socket activation it serves the sockets it is passed (named public or admin by \
            FileDescriptorName=). Without systemd, give --listen, --admin-listen or --stdio.
            """,
        version: campaigndVersion)

    @Option(help: "Serve public methods on a Unix socket at this path.")
    var listen: [String] = []

    @Option(help: "Serve admin methods on a Unix socket at this path (created 0600).")
    var adminListen: [String] = []

    @Flag(help: "Serve one connection on stdin/stdout.")
    var stdio = false

    @Flag(help: "Serve stdin, a connected socket, as one connection.")
    var inetd = false

    @Option(help: "Role for stdio, inetd and Accept=yes connections: public or admin.")
    var role: String = "public"

    @Option(help: "State directory (default $STATE_DIRECTORY, else ./var).")
    var stateDir: String?

    @Option(help: "A campaign definition to import when the database is new.")
    var campaign: String?

    @Option(help: "A uid allowed on admin listeners besides root and this service's own (repeatable).")
    var adminUid: [UInt32] = []

    @Option(help: "Exit after this many seconds with no connection (for on-demand activation).")
    var exitWhenIdle: Int?

    @Option(help: "Largest frame in bytes.")
    var maxFrameBytes: Int = 1 << 20

    @Option(help: "Most requests in one batch.")
    var maxBatch: Int = 100

    @Option(help: "Deepest JSON nesting.")
    var maxDepth: Int = 64

    @Option(help: "Requests in flight per connection before the service stops reading it.")
    var maxInflight: Int = 64

    @Option(help: "Requests computed at once across all connections; more wait their connection's turn.")
    var maxActive: Int = 32

    @Option(help: "Bytes of replies waiting for slow readers, beyond which a connection with replies still waiting gets no new work.")
    var replyBudget: Int = 32 << 20

    @Option(help: "Seconds a connection may stay idle or stalled mid-frame.")
    var idleTimeout: Int = 300

    @Option(help: "Seconds a write waits for a database locked by another process before -32005.")
    var busyTimeout: Int = 10

    @Option(help: "Open connections beyond which a new one gets -32005 and is closed.")
    var maxConnections: Int = 4096

    @Option(help: "New signatures per address in the burst window before they are kept as suspect.")
    var signBurst: Int = 3

    @Option(help: "New signatures per address in the sustained window before they are kept as suspect.")
    var signSustained: Int = 10

    @Option(help: "New pledges per address a minute before -32004.")
    var pledgeBurst: Int = 3

    @Option(help: "New pledges per address an hour before -32004.")
    var pledgeSustained: Int = 10

    @Option(help: "New RSVPs per address a minute before -32004.")
    var rsvpBurst: Int = 5

    @Option(help: "New RSVPs per address in ten minutes before -32004.")
    var rsvpSustained: Int = 20

    @Option(
        help: ArgumentHelp(
            "Allow- and block-list: lines `allow RANGE`, `block RANGE`, `block @DOMAIN`, `block EMAIL`; read again on SIGHUP.",
            valueName: "file"))
    var abuseList: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Role(rawValue: role) != nil else { throw ValidationError("--role must be public or admin") }
        for (name, value) in [
            ("--max-frame-bytes", maxFrameBytes), ("--max-batch", maxBatch), ("--max-depth", maxDepth),
            ("--max-inflight", maxInflight), ("--max-active", maxActive), ("--reply-budget", replyBudget),
            ("--max-connections", maxConnections), ("--busy-timeout", busyTimeout),
            ("--idle-timeout", idleTimeout),
            ("--sign-burst", signBurst),
            ("--sign-sustained", signSustained), ("--pledge-burst", pledgeBurst), ("--pledge-sustained", pledgeSustained),
            ("--rsvp-burst", rsvpBurst), ("--rsvp-sustained", rsvpSustained),
        ] where value < 1 {
            throw ValidationError("\(name) must be at least 1")
        }
        if let exitWhenIdle, exitWhenIdle < 1 { throw ValidationError("--exit-when-idle must be at least 1") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
    }

    static func loadAbuseList(_ path: String) throws -> AbuseLists {
        do {
            return try AbuseListReloader.load(path)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        // Files campaignd creates (database, WAL, sockets) are private unless it says otherwise.
        umask(0o077)
        FileSizeSignal.ignore()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let journal = Systemd.stderrIsJournal
        LoggingSystem.bootstrap { label in
            var handler = StderrLogHandler(label: label, journal: journal)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "campaignd")
        let connectionRole = Role(rawValue: role) ?? .public

        var sources: [ListenerSource] = []
        if stdio {
            // epoll cannot watch regular files or /dev/null: say so rather than fail deep in NIO.
            guard Systemd.isPipeOrSocket(0), Systemd.isPipeOrSocket(1) else {
                throw ValidationError(
                    "--stdio needs pipes or sockets on stdin and stdout, e.g. `cat requests.jsonl | campaignd --stdio | cat`")
            }
            // The protocol gets its own copy of stdout; fd 1 then points at stderr, so a stray print
            // cannot corrupt the stream.
            let protocolOut = dup(1)
            dup2(2, 1)
            sources.append(.stdio(input: 0, output: protocolOut, connectionRole))
        }
        if inetd {
            guard Systemd.isSocket(0) else { throw ValidationError("--inetd: stdin is not a socket") }
            sources.append(.connectedSocket(dup(0), connectionRole))
        }
        for path in listen { sources.append(.unixPath(path, .public)) }
        for path in adminListen { sources.append(.unixPath(path, .admin)) }
        for passed in Systemd.passedSockets() {
            let passedRole: Role = passed.name == "admin" ? .admin : .public
            if passed.isListening {
                sources.append(.listeningSocket(passed.fd, passedRole))
            } else {
                // Accept=yes: one connection, with the role given by --role.
                sources.append(.connectedSocket(passed.fd, connectionRole))
            }
        }
        guard !sources.isEmpty else {
            throw ValidationError("nothing to serve: give --listen, --admin-listen, --stdio or --inetd, or start under systemd")
        }

        let stateDirectory =
            stateDir ?? ProcessInfo.processInfo.environment["STATE_DIRECTORY"]?
            .split(separator: ":").first.map(String.init) ?? "./var"
        try FileManager.default.createDirectory(
            atPath: stateDirectory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        var limits = AbuseLimits()
        limits.signing = RateLimit(burst: signBurst, sustained: signSustained)
        limits.pledging = RateLimit(burst: pledgeBurst, sustained: pledgeSustained, sustainedWindowSeconds: 3600)
        limits.rsvping = RateLimit(burst: rsvpBurst, sustained: rsvpSustained)
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let abuse = AbusePolicy(try abuseList.map { path in try Self.loadAbuseList(path) } ?? AbuseLists())
        if let abuseList { logger.info("abuse list loaded", metadata: ["file": "\(abuseList)", "rules": "\(abuse.lists.summary)"]) }
        let store = try CampaignStore(
            path: stateDirectory + "/" + CampaignStore.fileName, limits: limits, abuse: abuse, busyTimeout: TimeInterval(busyTimeout))
        let core = CampaignCore(store: store, limits: .init(maxBatch: maxBatch, maxDepth: maxDepth), logger: logger)

        if let campaign {
            guard let data = FileManager.default.contents(atPath: campaign) else {
                throw ValidationError("cannot read campaign definition \(campaign)")
            }
            do {
                if try await core.importOnFirstStart(definitionJSON: Array(data)) {
                    logger.info("imported campaign definition", metadata: ["file": "\(campaign)"])
                }
            } catch let error as ResponseError {
                throw ValidationError("campaign definition \(campaign): \(error.message)")
            }
        }

        var configuration = ServerConfiguration(listeners: sources)
        configuration.maxFrameBytes = maxFrameBytes
        configuration.maxInflight = maxInflight
        configuration.maxActive = maxActive
        configuration.replyBudgetBytes = replyBudget
        configuration.idleTimeoutSeconds = idleTimeout
        configuration.maxConnections = maxConnections
        configuration.adminUIDs = Set(adminUid)
        configuration.exitWhenIdleSeconds = exitWhenIdle

        let server = CampaignServer(core: core, configuration: configuration, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: server, successTerminationBehavior: .gracefullyShutdownGroup),
                    .init(service: AbuseListReloader(path: abuseList, policy: abuse, logger: logger, hangups: hangups)),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}
