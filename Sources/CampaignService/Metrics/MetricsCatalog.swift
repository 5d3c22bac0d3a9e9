/// Every metric family campaignd exports: its name, Prometheus type, labels and help text. The one list
/// the exposition (its `# HELP` lines), docs/metrics.md and the dashboard's test are held against.
public enum MetricsCatalog {
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    public struct Family: Sendable {
        public let name: String
        public let kind: Kind
        public let labels: [String]
        public let help: String
    }

    public static let families: [Family] = [
        .init(
            name: "campaignd_requests_total", kind: .counter, labels: ["method", "outcome"],
            help: "JSON-RPC requests answered, by method and outcome (ok, or the error code)."),
        .init(
            name: "campaignd_request_duration_seconds", kind: .histogram, labels: ["method"],
            help: "Time from a request's frame to its reply, by method."),
        .init(
            name: "campaignd_rate_limited_requests_total", kind: .counter, labels: [],
            help: "Requests refused by the per-address limits (-32004)."),
        .init(
            name: "campaignd_group_commits_total", kind: .counter, labels: [],
            help: "Write transactions committed by group commit."),
        .init(
            name: "campaignd_group_commit_batch_writes", kind: .histogram, labels: [],
            help: "Writes committed together in one group-commit transaction."),
        .init(
            name: "campaignd_connections_open", kind: .gauge, labels: ["listener"],
            help: "Connections open now, by listener role."),
        .init(
            name: "campaignd_connections_accepted_total", kind: .counter, labels: ["listener"],
            help: "Connections accepted, by listener role."),
        .init(
            name: "campaignd_requests_in_flight", kind: .gauge, labels: [],
            help: "Requests read and not yet answered, across connections."),
        .init(
            name: "campaignd_admission_active", kind: .gauge, labels: [],
            help: "Requests being computed now (holding an admission turn)."),
        .init(
            name: "campaignd_admission_waiting", kind: .gauge, labels: [],
            help: "Connections waiting for an admission turn."),
        .init(
            name: "campaignd_outbox_queued_messages", kind: .gauge, labels: [],
            help: "Outbox messages waiting for delivery (not dead)."),
        .init(
            name: "campaignd_outbox_oldest_age_seconds", kind: .gauge, labels: [],
            help: "Age of the oldest outbox message waiting for delivery; 0 when none waits."),
        .init(
            name: "campaignd_outbox_retrying_messages", kind: .gauge, labels: [],
            help: "Outbox messages waiting after at least one failed attempt."),
        .init(
            name: "campaignd_outbox_dead_messages", kind: .gauge, labels: [],
            help: "Outbox messages given up on."),
        .init(
            name: "campaignd_signatures", kind: .gauge, labels: ["state"],
            help: "Signatures by state (pending, confirmed, withdrawn, invalidated, suspect)."),
        .init(
            name: "campaignd_pledges", kind: .gauge, labels: ["state"],
            help: "Pledges by state (pending, confirmed, paid, refunded, cancelled)."),
        .init(
            name: "campaignd_rsvp_seats", kind: .gauge, labels: ["state"],
            help: "Seats held by RSVPs over every event, guests included (going, waitlisted), confirmed or not."),
        .init(
            name: "campaignd_build_info", kind: .gauge, labels: ["version"],
            help: "Always 1; the version of the running campaignd."),
        .init(
            name: "process_resident_memory_bytes", kind: .gauge, labels: [],
            help: "Resident memory size in bytes."),
        .init(
            name: "process_virtual_memory_bytes", kind: .gauge, labels: [],
            help: "Virtual memory size in bytes."),
        .init(
            name: "process_open_fds", kind: .gauge, labels: [],
            help: "Open file descriptors."),
        .init(
            name: "process_max_fds", kind: .gauge, labels: [],
            help: "Limit of open file descriptors."),
        .init(
            name: "process_start_time_seconds", kind: .gauge, labels: [],
            help: "Start time of the process since the Unix epoch, in seconds."),
        .init(
            name: "process_cpu_seconds_total", kind: .counter, labels: [],
            help: "User and system CPU time spent, in seconds."),
    ]

    public static func family(named name: String) -> Family? { families.first { $0.name == name } }

    /// Latency buckets: a count answered from cache in microseconds, a write's commit in milliseconds,
    /// a stalled database in seconds.
    static let durationBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
        .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
    ]

    /// Batch sizes up to `GroupCommit.maxBatch`.
    static let batchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
}
