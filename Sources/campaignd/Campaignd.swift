import ArgumentParser
import CampaignProtocol
import CampaignService
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import StderrLogging
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

    @OptionGroup(title: "Listeners")
    var listeners: ListenerOptions

    @OptionGroup(title: "Storage")
    var storage: StorageOptions

    @OptionGroup(title: "Limits")
    var server: ServerOptions

    @OptionGroup(title: "Abuse")
    var abuse: AbuseOptions

    @OptionGroup(title: "Metrics")
    var metrics: MetricsOptions

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
    }

    func run() async throws {
        // Files campaignd creates (database, WAL, sockets) are private unless it says otherwise.
        umask(0o077)
        FileSizeSignal.ignore()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        StderrLogHandler.bootstrap(level: level)
        let logger = Logger(label: "campaignd")
        let sources = try listeners.sources()

        let stateDirectory = storage.stateDirectory
        try StateDirectory.prepare(stateDirectory, logger: logger)
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let policy = AbusePolicy(try abuse.lists())
        if let path = abuse.abuseList {
            logger.info("abuse list loaded", metadata: ["file": "\(path)", "rules": "\(policy.lists.summary)"])
        }
        let store = try CampaignStore(
            path: stateDirectory + "/" + CampaignStore.fileName, limits: abuse.limits, abuse: policy,
            busyTimeout: TimeInterval(storage.busyTimeout), rsvpHoldSeconds: Int64(storage.rsvpHoldHours) * 3600,
            remindAfterSeconds: Int64(storage.remindAfterHours) * 3600, outboxRetrySeconds: Int64(storage.outboxRetryDays) * 86400,
            outboxFirstRetrySeconds: Int64(storage.outboxFirstRetrySeconds), anonymiseAfterDays: storage.anonymiseAfter, logger: logger)
        // Metrics only when asked for: without them the request path measures nothing.
        let exporter: MetricsExporter? = metrics.metricsListen.map { _ in
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(MetricsExporter.factory(registry: registry))
            return MetricsExporter(registry: registry, factory: MetricsSystem.factory)
        }
        let core = CampaignCore(store: store, limits: server.requestLimits, logger: logger, exporter: exporter)

        if let campaign = storage.campaign {
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

        let configuration = server.configuration(listeners: sources)
        let service = CampaignServer(core: core, configuration: configuration, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup),
            .init(service: AbuseListReloader(path: abuse.abuseList, policy: policy, logger: logger, hangups: hangups)),
        ]
        if let exporter, let listen = metrics.metricsListen {
            let address = try MetricsOptions.parse(listen)
            let startedAt = core.metrics.startedAt
            services.append(
                .init(
                    service: MetricsServer(host: address.host, port: address.port, logger: logger) {
                        await exporter.exposition(store: store, startedAt: startedAt, admission: service.admissionFigures)
                    }))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}
