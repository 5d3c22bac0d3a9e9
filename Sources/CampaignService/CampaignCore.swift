import CampaignProtocol
import Logging

/// The service without its transports: the store, every method's handler and the dispatcher.
/// Tests drive it directly; `CampaignServer` puts it behind listeners.
public struct CampaignCore: Sendable {
    public let store: CampaignStore
    public let dispatcher: Dispatcher
    public let metrics: ServiceMetrics
    public let registry: MethodRegistry
    public let feed: ChangeFeed
    let housekeeping: Housekeeping

    public init(
        store: CampaignStore, limits: Dispatcher.Limits = .init(), logger: Logger = Logger(label: "campaignd"),
        exporter: MetricsExporter? = nil
    ) {
        let metrics = ServiceMetrics(exporter: exporter)
        if let exporter { store.writes.observeBatches { exporter.committed(writes: $0) } }
        let feed = ChangeFeed(store: store)
        var registry = MethodRegistry()
        registry.registerServiceHandlers(store: store, metrics: metrics)
        registry.registerLetterHandlers(store: store)
        registry.registerSignatureHandlers(store: store)
        registry.registerTokenHandlers(store: store)
        registry.registerOutboxHandlers(store: store)
        registry.registerFundraiserHandlers(store: store)
        registry.registerEventHandlers(store: store)
        registry.registerTweetHandlers(store: store)
        registry.registerCampaignHandlers(store: store, feed: feed)
        registry.registerPersonHandlers(store: store)
        registry.registerBackupHandler(store: store)
        // Last: the document is filtered by the roles registered above.
        registry.registerDiscovery()
        self.store = store
        self.metrics = metrics
        self.feed = feed
        self.housekeeping = Housekeeping(store: store, logger: logger)
        self.registry = registry
        self.dispatcher = Dispatcher(registry: registry, limits: limits, metrics: metrics, logger: logger)
    }

    /// Imports a definition file's campaign when the database is new (`campaignd --campaign FILE`).
    /// Returns whether it was applied.
    public func importOnFirstStart(definitionJSON: [UInt8]) async throws -> Bool {
        let value: JSONValue
        do {
            value = try JSONParser.parse(definitionJSON, maxDepth: 64)
        } catch {
            throw ResponseError.parseError(Dispatcher.describe(error))
        }
        let definition: CampaignDefinition
        do {
            var members = value.objectValue ?? [:]
            members.removeValue(forKey: "$schema")
            definition = try JSONValueDecoder(strict: true).decode(CampaignDefinition.self, from: .object(members))
        } catch let error as DecodingError {
            throw ResponseError.invalidParams(error)
        }
        return try await store.importDefinition(try ValidatedDefinition(definition, fieldPrefix: ""), onlyIfNew: true) != nil
    }
}
