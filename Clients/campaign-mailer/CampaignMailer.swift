import ArgumentParser
import CSystemd
import CampaignClient
import CampaignProtocol
import Foundation
import Logging
import MailMessage
import SMTPClient
import ServiceLifecycle
import StderrLogging

/// `campaign-mailer`: sends what campaignd's outbox holds — confirmation links, receipts, reminders — and
/// tells campaignd how each fared. A second client of the API, on the admin socket.
@main
struct CampaignMailer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign-mailer",
        abstract: "Send campaignd's outbox: claim, render, deliver, acknowledge.",
        discussion: """
            Transports: smtp://HOST:PORT (STARTTLS required unless ?tls=none), smtps://HOST:465, \
            sendmail[:PATH] (default /usr/sbin/sendmail), maildir:DIR. Credentials never go on the command \
            line: --credentials FILE (user name, then password, one a line) or systemd's LoadCredential=smtp:….
            """)

    @Option(help: "campaignd's admin socket.")
    var socket: String = ProcessInfo.processInfo.environment["CAMPAIGN_ADMIN_SOCKET"] ?? "/run/campaignd/admin.sock"

    @Option(help: "Where messages go: smtp://…, smtps://…, sendmail[:PATH] or maildir:DIR. (required)")
    var transport: String?

    @Option(help: "The sender, as \"Name <address>\". (required)")
    var from: String?

    @Option(help: "The campaign site: links are SITE/confirm?token=… and SITE/withdraw?token=…. (required)")
    var siteURL: String?

    @Option(help: "A directory of templates (KIND.text.mustache, KIND.html.mustache) replacing the shipped ones.")
    var templates: String?

    @Option(help: "Write the shipped templates into this new directory, to start an override from, and exit.")
    var writeTemplates: String?

    @Option(help: "A file with the SMTP user name and password, one a line.")
    var credentials: String?

    @Option(help: "A PEM file of CA certificates the SMTP server's must chain to (default: the system's).")
    var caFile: String?

    @Option(help: "Messages delivered side by side (SMTP connections).")
    var concurrency: Int = 4

    @Option(help: "At most this many messages a second (0: no limit).")
    var maxPerSecond: Int = 0

    @Option(help: "Seconds a claimed message is ours before campaignd hands it out again.")
    var leaseSeconds: Int = 300

    @Flag(help: "Send what is due, then exit (for cron, tests and make run).")
    var once = false

    @Flag(help: "Print each confirmation link (make run's maildir mode: confirm without a mail server).")
    var printLinks = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        if writeTemplates != nil { return }
        guard transport != nil else { throw ValidationError("missing --transport") }
        guard from != nil else { throw ValidationError("missing --from") }
        guard siteURL != nil else { throw ValidationError("missing --site-url") }
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 64") }
        guard maxPerSecond >= 0 else { throw ValidationError("--max-per-second must not be negative") }
        guard (10...3600).contains(leaseSeconds) else { throw ValidationError("--lease-seconds must be between 10 and 3600") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        StderrLogHandler.bootstrap(level: level)
        let logger = Logger(label: "campaign-mailer")
        if let writeTemplates {
            try Self.write(templatesTo: writeTemplates)
            return
        }
        guard let transport, let from, let siteURL else { throw ValidationError("missing --transport, --from or --site-url") }
        let sender: MailAddress
        let renderer: MessageRenderer
        do {
            sender = try MailAddress(parsing: from)
            let templates = try MailTemplates(overridesIn: templates.map { URL(fileURLWithPath: $0) })
            if !templates.overrides.isEmpty { logger.info("templates overridden", metadata: ["files": "\(templates.overrides)"]) }
            // A file that names no kind and part is never used: most often a typo in its name.
            for file in templates.unused { logger.warning("template file names no message kind; not used", metadata: ["file": "\(file)"]) }
            renderer = try MessageRenderer(sender: sender, siteURL: siteURL, templates: templates)
        } catch {
            throw ValidationError("\(error)")
        }
        let transports = try (0..<concurrency).map { _ in try makeTransport(transport, sender: sender) }
        let client = try await CampaignClient.connect(socketPath: socket)
        let printLinks = self.printLinks
        let drain = OutboxDrain(
            client: client, transports: transports,
            render: { message in
                let rendered = try renderer.render(message)
                if printLinks, let link = rendered.links.confirm {
                    // Unbuffered: at once, also when stdout is a pipe or a file.
                    FileHandle.standardOutput.write(Data("\(message.kind.rawValue) for \(message.to.email): \(link)\n".utf8))
                }
                return OutgoingMail(sender: rendered.envelopeFrom, recipients: [rendered.recipient], data: rendered.bytes)
            },
            pacer: maxPerSecond > 0 ? Pacer(perSecond: maxPerSecond) : nil, leaseSeconds: leaseSeconds, logger: logger)
        // Fewer, larger claims and acks cost campaignd less; `outbox.claim` leases at most 100 at once.
        let service = MailerService(drain: drain, batch: min(100, concurrency * 25), once: once, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        for transport in transports { await transport.close() }
        await client.close()
    }

    /// The shipped templates as override files, in a directory that must not exist yet: nothing of the
    /// organisers' is overwritten.
    static func write(templatesTo directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        } catch {
            throw ValidationError("--write-templates: cannot create \(directory) (it must not exist yet): \(error.localizedDescription)")
        }
        var written = 0
        for kind in MessageKind.allCases {
            for part in MailTemplates.Part.allCases {
                guard let source = MailTemplates.shippedSource(kind: kind.rawValue, part: part) else { continue }
                let file = directory + "/" + MailTemplates.fileName(kind: kind.rawValue, part: part)
                try source.write(toFile: file, atomically: true, encoding: .utf8)
                written += 1
            }
        }
        print("wrote \(written) templates to \(directory); edit them and pass --templates \(directory)")
    }

    func makeTransport(_ transport: String, sender: MailAddress) throws -> any MailTransport {
        if transport.hasPrefix("maildir:") {
            return try MaildirTransport(directory: String(transport.dropFirst("maildir:".count)))
        }
        if transport == "sendmail" || transport.hasPrefix("sendmail:") {
            let path = transport.hasPrefix("sendmail:") ? String(transport.dropFirst("sendmail:".count)) : ""
            return SendmailTransport(path: path.isEmpty ? "/usr/sbin/sendmail" : path)
        }
        guard transport.hasPrefix("smtp://") || transport.hasPrefix("smtps://") else {
            throw ValidationError("--transport must be smtp://…, smtps://…, sendmail[:PATH] or maildir:DIR")
        }
        do {
            let configuration = try SMTPConfiguration(
                url: transport, credentials: try Credentials.load(file: credentials), trustRoots: caFile.map { .file($0) } ?? .system,
                ehloName: String(sender.domain))
            return try SMTPTransport(configuration: configuration)
        } catch let error as SMTPConfiguration.URLError {
            throw ValidationError("--transport: \(error)")
        }
    }
}

/// The mailer as a swift-service-lifecycle service: rounds until told to stop. Each round delivers the
/// messages in hand while campaignd leases the next ones and records the outcomes of the round before, so
/// that its durable claims and acknowledgements overlap with the deliveries. On SIGTERM the messages in
/// hand are delivered and reported (or left to their lease), nothing more is claimed, and it returns.
struct MailerService: Service {
    let drain: OutboxDrain
    let batch: Int
    let once: Bool
    let logger: Logger

    func run() async throws {
        _ = sd_notify(0, "READY=1\nSTATUS=Sending the outbox")
        logger.info("campaign-mailer started")
        var inHand: [OutboxMessage] = []
        var unreported: OutboxDrain.Outcomes = []
        while true {
            let stopping = Task.isShuttingDownGracefully
            let (messages, earlier) = (inHand, unreported)
            async let next = drain.claim(limit: stopping ? 0 : batch)
            async let reported: Void = drain.report(earlier)
            unreported = await drain.deliver(messages)
            inHand = []
            do {
                try await reported
            } catch {
                logger.warning("outcomes not reported; those messages come back after their lease", metadata: ["error": "\(error)"])
            }
            do {
                inHand = try await next
            } catch {
                // campaignd restarting or busy: what was claimed and not reported comes back after its lease.
                logger.warning("outbox claim failed; trying again", metadata: ["error": "\(error)"])
                if once {
                    try? await drain.report(unreported)
                    throw error
                }
                try? await Task.sleep(for: .seconds(2))
                continue
            }
            if stopping { break }
            if inHand.isEmpty && unreported.isEmpty {
                if once { break }
                // Nothing due: look again in a second, or at once stop.
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            }
        }
        do {
            try await drain.report(unreported)
        } catch {
            logger.warning("the last round's outcomes were not reported; they come back after their lease", metadata: ["error": "\(error)"])
            if once { throw error }
        }
        _ = sd_notify(0, "STOPPING=1")
        logger.info("campaign-mailer stopping")
    }
}
