/// `rpc.discover`: the OpenRPC document. On a public listener it lists the public methods only.
public struct Discover: ParameterlessMethod {
    public static let method = "rpc.discover"
    public static let role = Role.public
    public typealias Result = JSONValue
    public init() {}
}

/// `service.health`.
public struct ServiceHealth: ParameterlessMethod {
    public static let method = "service.health"
    public static let role = Role.public
    public init() {}

    public struct Result: Codable, Sendable, Hashable {
        public var status: String
        public var version: String
        public init(status: String, version: String) {
            self.status = status
            self.version = version
        }
    }
}

/// `service.stats`: counters for organisers.
public struct ServiceStats: ParameterlessMethod {
    public static let method = "service.stats"
    public static let role = Role.admin
    public init() {}

    public struct Result: Codable, Sendable, Hashable {
        public var version: String
        public var startedAt: Timestamp
        public var uptimeSeconds: Int
        public var signatures: SignatureTotals
        public var outbox: OutboxTotals
        public var connections: ConnectionTotals
        public var requests: RequestTotals
        public var pledges: PledgeTotals
        public var tweets: TweetTotals
        public var writes: WriteTotals
        public var retention: RetentionStatus

        public init(
            version: String, startedAt: Timestamp, uptimeSeconds: Int, signatures: SignatureTotals, outbox: OutboxTotals,
            connections: ConnectionTotals, requests: RequestTotals, pledges: PledgeTotals, tweets: TweetTotals, writes: WriteTotals,
            retention: RetentionStatus = .init()
        ) {
            self.retention = retention
            self.writes = writes
            self.pledges = pledges
            self.tweets = tweets
            self.version = version
            self.startedAt = startedAt
            self.uptimeSeconds = uptimeSeconds
            self.signatures = signatures
            self.outbox = outbox
            self.connections = connections
            self.requests = requests
        }
    }

    public struct SignatureTotals: Codable, Sendable, Hashable {
        public var pending: Int
        public var confirmed: Int
        public var withdrawn: Int
        public var invalidated: Int
        public var suspect: Int
        public init(pending: Int, confirmed: Int, withdrawn: Int, invalidated: Int, suspect: Int) {
            self.pending = pending
            self.confirmed = confirmed
            self.withdrawn = withdrawn
            self.invalidated = invalidated
            self.suspect = suspect
        }
    }

    public struct OutboxTotals: Codable, Sendable, Hashable {
        /// Messages still to be sent (not acknowledged, not given up), leased or not.
        public var queued: Int
        /// How long the oldest of them has waited; null when there is none.
        public var oldestAgeSeconds: Int?
        /// Of those, the ones that failed at least once and will be tried again.
        public var retrying: Int
        /// Messages given up (permanent failures, or past the retry window).
        public var dead: Int

        public init(queued: Int, oldestAgeSeconds: Int?, retrying: Int, dead: Int) {
            self.queued = queued
            self.oldestAgeSeconds = oldestAgeSeconds
            self.retrying = retrying
            self.dead = dead
        }

        enum CodingKeys: String, CodingKey { case queued, oldestAgeSeconds, retrying, dead }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(queued, forKey: .queued)
            try c.encode(oldestAgeSeconds, forKey: .oldestAgeSeconds)  // explicit null: nothing waits
            try c.encode(retrying, forKey: .retrying)
            try c.encode(dead, forKey: .dead)
        }
    }

    /// Pledges by status.
    public struct PledgeTotals: Codable, Sendable, Hashable {
        public var pending: Int
        public var confirmed: Int
        public var paid: Int
        public var refunded: Int
        public var cancelled: Int
        public init(pending: Int, confirmed: Int, paid: Int, refunded: Int, cancelled: Int) {
            self.pending = pending
            self.confirmed = confirmed
            self.paid = paid
            self.refunded = refunded
            self.cancelled = cancelled
        }
    }

    /// Clicks on the ready-made tweets (`tweets.click`).
    public struct TweetTotals: Codable, Sendable, Hashable {
        public var clicks: Int
        /// By tweet id.
        public var byTweet: [String: Int]
        public init(clicks: Int, byTweet: [String: Int]) {
            self.clicks = clicks
            self.byTweet = byTweet
        }
    }

    /// This process's group commit: write transactions and the writes they carried.
    public struct WriteTotals: Codable, Sendable, Hashable {
        public var transactions: Int
        public var writes: Int
        /// Writes per transaction.
        public var averageBatch: Double
        public init(transactions: Int, writes: Int, averageBatch: Double) {
            self.transactions = transactions
            self.writes = writes
            self.averageBatch = averageBatch
        }
    }

    /// This process's connections.
    public struct ConnectionTotals: Codable, Sendable, Hashable {
        public var open: Int
        public var total: Int
        public init(open: Int, total: Int) {
            self.open = open
            self.total = total
        }
    }

    /// This process's requests.
    public struct RequestTotals: Codable, Sendable, Hashable {
        public var total: Int
        public var errors: Int
        public init(total: Int, errors: Int) {
            self.total = total
            self.errors = errors
        }
    }
}

/// `service.check`: recounts every counter from the rows and reports any drift (which must be zero),
/// with `PRAGMA integrity_check`. Reads the whole database: for organisers and fault tests, not for
/// every request.
public struct CheckService: ParameterlessMethod {
    public static let method = "service.check"
    public static let role = Role.admin
    public init() {}

    public struct Result: Codable, Sendable, Hashable {
        /// True when the database is intact and every counter equals its recount.
        public var ok: Bool
        /// What `PRAGMA integrity_check` said: "ok" or its first problem.
        public var integrity: String
        public var counters: [CounterCheck]
        /// Counters whose stored value differs from the recount.
        public var drift: Int

        public init(ok: Bool, integrity: String, counters: [CounterCheck], drift: Int) {
            self.ok = ok
            self.integrity = integrity
            self.counters = counters
            self.drift = drift
        }
    }

    /// One counter: the value kept in the same transaction as each change, and a fresh count from rows.
    public struct CounterCheck: Codable, Sendable, Hashable {
        public var name: String
        public var stored: Int
        public var recounted: Int

        public init(name: String, stored: Int, recounted: Int) {
            self.name = name
            self.stored = stored
            self.recounted = recounted
        }
    }
}
