import CampaignProtocol
import Synchronization

/// This process's counters for `service.stats`.
public final class ServiceMetrics: Sendable {
    let startedAt = Timestamp.now()
    private let requests = Atomic<Int>(0)
    private let errors = Atomic<Int>(0)
    private let openConnections = Atomic<Int>(0)
    private let totalConnections = Atomic<Int>(0)

    public init() {}

    func recordRequest(failed: Bool) {
        requests.add(1, ordering: .relaxed)
        if failed { errors.add(1, ordering: .relaxed) }
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
