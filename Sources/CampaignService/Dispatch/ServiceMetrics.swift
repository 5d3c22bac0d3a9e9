import CampaignProtocol
import Synchronization

/// This process's counters for `service.stats`.
public final class ServiceMetrics: Sendable {
    public let startedAt = Timestamp.now()
    private let requests = Atomic<Int>(0)
    private let errors = Atomic<Int>(0)
    private let openConnections = Atomic<Int>(0)
    private let totalConnections = Atomic<Int>(0)
    /// The Prometheus metrics, when `--metrics-listen` asks for them; nil costs the hot path nothing.
    public let exporter: MetricsExporter?

    public init(exporter: MetricsExporter? = nil) { self.exporter = exporter }

    /// When a request's frame was taken up, if its latency is measured.
    var clock: ContinuousClock.Instant? { exporter == nil ? nil : ContinuousClock.now }

    func recordRequest(failed: Bool) {
        requests.add(1, ordering: .relaxed)
        if failed { errors.add(1, ordering: .relaxed) }
    }

    /// A request answered by `method`: `error` nil for a result.
    func recordRequest(method: String, error: ErrorCode?, since: ContinuousClock.Instant?) {
        recordRequest(failed: error != nil)
        exporter?.answered(method: method, error: error, since: since)
    }

    /// A frame that is no request.
    func recordRejected(_ error: ErrorCode) {
        recordRequest(failed: true)
        exporter?.rejected(error)
    }

    public func connectionOpened() {
        openConnections.add(1, ordering: .relaxed)
        totalConnections.add(1, ordering: .relaxed)
    }

    public func connectionClosed() { openConnections.subtract(1, ordering: .relaxed) }

    public var open: Int { openConnections.load(ordering: .relaxed) }

    var connectionTotals: ServiceStats.ConnectionTotals {
        .init(open: openConnections.load(ordering: .relaxed), total: totalConnections.load(ordering: .relaxed))
    }

    var requestTotals: ServiceStats.RequestTotals {
        .init(total: requests.load(ordering: .relaxed), errors: errors.load(ordering: .relaxed))
    }
}
