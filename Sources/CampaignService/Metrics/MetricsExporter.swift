import CampaignProtocol
import CoreMetrics
import NIOConcurrencyHelpers
import Prometheus
import Synchronization

/// campaignd's metrics: counted through swift-metrics as requests, connections and commits happen,
/// sampled from the store, the admission queue and /proc when Prometheus scrapes, and written in its text
/// format by swift-prometheus. The hot path touches only handles made up front (an atomic add, and a short
/// lock for a latency histogram); whatever can be read at scrape time is read then.
public final class MetricsExporter: Sendable {
    /// A factory writing into `registry`, with campaignd's histogram buckets. campaignd bootstraps
    /// `MetricsSystem` with it once; tests make one per registry of their own.
    public static func factory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [Names.duration: MetricsCatalog.durationBuckets]
        factory.valueHistogramBuckets = [Names.batch: MetricsCatalog.batchBuckets]
        return factory
    }

    enum Names {
        static let requests = "campaignd_requests_total"
        static let duration = "campaignd_request_duration_seconds"
        static let batch = "campaignd_group_commit_batch_writes"
    }

    /// One method's series: `ok` and the duration made up front, error codes as they first occur.
    final class MethodSeries: Sendable {
        let name: String
        let ok: CoreMetrics.Counter
        let duration: CoreMetrics.Timer?
        private let errors = NIOLockedValueBox<[Int: CoreMetrics.Counter]>([:])
        private let factory: any MetricsFactory

        init(name: String, timed: Bool, factory: any MetricsFactory) {
            self.name = name
            self.factory = factory
            ok = CoreMetrics.Counter(label: Names.requests, dimensions: [("method", name), ("outcome", "ok")], factory: factory)
            duration = timed ? CoreMetrics.Timer(label: Names.duration, dimensions: [("method", name)], factory: factory) : nil
        }

        func failed(_ code: Int) {
            let counter = errors.withLockedValue { errors in
                if let counter = errors[code] { return counter }
                let counter = CoreMetrics.Counter(
                    label: Names.requests, dimensions: [("method", name), ("outcome", String(code))], factory: factory)
                errors[code] = counter
                return counter
            }
            counter.increment()
        }
    }

    public let registry: PrometheusCollectorRegistry
    private let methods: [String: MethodSeries]
    /// Names no method has: one series for all, so a client cannot mint label values.
    private let unknown: MethodSeries
    /// Frames that are no request (unparsable, empty batch, too large).
    private let invalid: MethodSeries
    private let rateLimited: CoreMetrics.Counter
    private let commits: CoreMetrics.Counter
    private let batchWrites: Recorder
    private let accepted: [Role: CoreMetrics.Counter]
    /// Open connections by role (an atomic cannot live in a dictionary).
    private let openPublic = Synchronization.Atomic<Int>(0)
    private let openAdmin = Synchronization.Atomic<Int>(0)
    private let inFlight = Synchronization.Atomic<Int>(0)
    private let sampled: Sampled

    /// The gauges set at scrape time.
    struct Sampled: Sendable {
        let connectionsOpen: [Role: CoreMetrics.Gauge]
        let inFlight, admissionActive, admissionWaiting: CoreMetrics.Gauge
        let outboxQueued, outboxOldest, outboxRetrying, outboxDead: CoreMetrics.Gauge
        let signatures: [SignatureStatus: CoreMetrics.Gauge]
        let pledges: [PledgeStatus: CoreMetrics.Gauge]
        let rsvpGoing, rsvpWaitlisted: CoreMetrics.Gauge
        let resident, virtual, openFDs, maxFDs, startTime: CoreMetrics.Gauge
        let cpu: FloatingPointCounter
    }
    /// CPU seconds already added to `process_cpu_seconds_total`.
    private let cpuSeen = Mutex<Double>(0)

    public init(
        registry: PrometheusCollectorRegistry, factory: any MetricsFactory,
        methods: [String] = Methods.all.map { $0.method }
    ) {
        self.registry = registry
        self.methods = Dictionary(
            methods.map { ($0, MethodSeries(name: $0, timed: true, factory: factory)) }, uniquingKeysWith: { first, _ in first })
        unknown = MethodSeries(name: "unknown", timed: false, factory: factory)
        invalid = MethodSeries(name: "invalid", timed: false, factory: factory)
        rateLimited = CoreMetrics.Counter(label: "campaignd_rate_limited_requests_total", factory: factory)
        commits = CoreMetrics.Counter(label: "campaignd_group_commits_total", factory: factory)
        batchWrites = Recorder(label: Names.batch, aggregate: true, factory: factory)
        let roles: [Role] = [.public, .admin]
        accepted = Dictionary(
            uniqueKeysWithValues: roles.map {
                let dimensions = [("listener", $0.rawValue)]
                return ($0, CoreMetrics.Counter(label: "campaignd_connections_accepted_total", dimensions: dimensions, factory: factory))
            })
        func gauge(_ name: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Gauge {
            CoreMetrics.Gauge(label: name, dimensions: dimensions, factory: factory)
        }
        sampled = Sampled(
            connectionsOpen: Dictionary(
                uniqueKeysWithValues: roles.map { ($0, gauge("campaignd_connections_open", [("listener", $0.rawValue)])) }),
            inFlight: gauge("campaignd_requests_in_flight"), admissionActive: gauge("campaignd_admission_active"),
            admissionWaiting: gauge("campaignd_admission_waiting"),
            outboxQueued: gauge("campaignd_outbox_queued_messages"), outboxOldest: gauge("campaignd_outbox_oldest_age_seconds"),
            outboxRetrying: gauge("campaignd_outbox_retrying_messages"), outboxDead: gauge("campaignd_outbox_dead_messages"),
            signatures: Dictionary(
                uniqueKeysWithValues: SignatureStatus.allCases.map { ($0, gauge("campaignd_signatures", [("state", $0.rawValue)])) }),
            pledges: Dictionary(
                uniqueKeysWithValues: PledgeStatus.allCases.map { ($0, gauge("campaignd_pledges", [("state", $0.rawValue)])) }),
            rsvpGoing: gauge("campaignd_rsvp_seats", [("state", "going")]),
            rsvpWaitlisted: gauge("campaignd_rsvp_seats", [("state", "waitlisted")]),
            resident: gauge("process_resident_memory_bytes"), virtual: gauge("process_virtual_memory_bytes"),
            openFDs: gauge("process_open_fds"), maxFDs: gauge("process_max_fds"), startTime: gauge("process_start_time_seconds"),
            cpu: FloatingPointCounter(label: "process_cpu_seconds_total", factory: factory))
        gauge("campaignd_build_info", [("version", campaigndVersion)]).record(1)
    }

    // MARK: The hot path

    /// A request answered: `error` nil for a result. `since` is when its frame was taken up.
    func answered(method: String, error: ErrorCode?, since: ContinuousClock.Instant?) {
        let series = methods[method] ?? unknown
        if let error {
            series.failed(Int(error.rawValue))
            if error == .rateLimited { rateLimited.increment() }
        } else {
            series.ok.increment()
        }
        if let since, let duration = series.duration {
            let elapsed = (ContinuousClock.now - since).components
            duration.recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
        }
    }

    /// A frame that is no request: unparsable, an empty or oversized batch, a frame too large.
    func rejected(_ error: ErrorCode) { invalid.failed(Int(error.rawValue)) }

    func connectionOpened(_ role: Role) {
        accepted[role]?.increment()
        if role == .admin { openAdmin.add(1, ordering: .relaxed) } else { openPublic.add(1, ordering: .relaxed) }
    }

    func connectionClosed(_ role: Role) {
        if role == .admin { openAdmin.subtract(1, ordering: .relaxed) } else { openPublic.subtract(1, ordering: .relaxed) }
    }

    func requestStarted() { inFlight.add(1, ordering: .relaxed) }
    func requestFinished() { inFlight.subtract(1, ordering: .relaxed) }

    /// One group-commit transaction of `writes` writes.
    func committed(writes: Int) {
        commits.increment()
        batchWrites.record(writes)
    }

    // MARK: The scrape

    /// What the transport reports at scrape time: requests holding and waiting for admission turns.
    public struct AdmissionFigures: Sendable {
        public var active: Int
        public var waiting: Int
        public init(active: Int, waiting: Int) {
            self.active = active
            self.waiting = waiting
        }
    }

    /// Samples the figures kept elsewhere, then writes every family in the Prometheus text format
    /// (version 0.0.4), with its `# HELP` line. A store that cannot be read leaves its gauges as they were.
    public func exposition(
        store: CampaignStore?, startedAt: Timestamp, admission: AdmissionFigures? = nil
    ) async -> [UInt8] {
        for (role, gauge) in sampled.connectionsOpen {
            gauge.record(role == .admin ? openAdmin.load(ordering: .relaxed) : openPublic.load(ordering: .relaxed))
        }
        sampled.inFlight.record(inFlight.load(ordering: .relaxed))
        if let admission {
            sampled.admissionActive.record(admission.active)
            sampled.admissionWaiting.record(admission.waiting)
        }
        if let store {
            // The counters table and the stats code of `service.stats`: a few rows, no COUNT over the signatures.
            if let (signatures, outbox, pledges, _) = try? await store.statsTotals() {
                let bySignatureState: [SignatureStatus: Int] = [
                    .pending: signatures.pending, .confirmed: signatures.confirmed, .withdrawn: signatures.withdrawn,
                    .invalidated: signatures.invalidated, .suspect: signatures.suspect,
                ]
                for (state, gauge) in sampled.signatures { gauge.record(bySignatureState[state] ?? 0) }
                let byPledgeState: [PledgeStatus: Int] = [
                    .pending: pledges.pending, .confirmed: pledges.confirmed, .paid: pledges.paid,
                    .refunded: pledges.refunded, .cancelled: pledges.cancelled,
                ]
                for (state, gauge) in sampled.pledges { gauge.record(byPledgeState[state] ?? 0) }
                sampled.outboxQueued.record(outbox.queued)
                sampled.outboxOldest.record(outbox.oldestAgeSeconds ?? 0)
                sampled.outboxRetrying.record(outbox.retrying)
                sampled.outboxDead.record(outbox.dead)
            }
            if let seats = try? store.rsvpSeatTotals() {
                sampled.rsvpGoing.record(seats.going)
                sampled.rsvpWaitlisted.record(seats.waitlisted)
            }
        }
        let process = ProcessFigures.read()
        sampled.resident.record(process.residentBytes)
        sampled.virtual.record(process.virtualBytes)
        sampled.openFDs.record(process.openFDs)
        sampled.maxFDs.record(process.maxFDs)
        sampled.startTime.record(Double(startedAt.millisecondsSince1970) / 1000)
        // A counter only goes up: it is moved by what was spent since the last scrape.
        let cpuDelta = cpuSeen.withLock { seen in
            defer { seen = max(seen, process.cpuSeconds) }
            return max(0, process.cpuSeconds - seen)
        }
        sampled.cpu.increment(by: cpuDelta)
        return Self.addingHelp(to: registry.emitToBuffer())
    }

    /// swift-metrics carries no help text: each `# TYPE` line gets the catalog's `# HELP` line before it.
    static func addingHelp(to exposition: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(exposition.count + 4096)
        let typePrefix = Array("# TYPE ".utf8)
        for line in exposition.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            if line.starts(with: typePrefix) {
                let name = line.dropFirst(typePrefix.count).prefix { $0 != UInt8(ascii: " ") }
                if let family = MetricsCatalog.family(named: String(decoding: name, as: UTF8.self)) {
                    out.append(contentsOf: "# HELP \(family.name) \(family.help)\n".utf8)
                }
            }
            out.append(contentsOf: line)
            out.append(UInt8(ascii: "\n"))
        }
        // `split` keeps the empty piece after the last newline: do not double it.
        if exposition.last == UInt8(ascii: "\n"), out.last == UInt8(ascii: "\n") { out.removeLast() }
        return out
    }
}
