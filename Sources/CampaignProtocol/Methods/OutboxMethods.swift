public enum MessageKind: String, WireEnum {
    case signatureConfirm = "signature.confirm"
    case signatureDuplicate = "signature.duplicate"
    case signatureReceipt = "signature.receipt"
    case pledgeConfirm = "pledge.confirm"
    case pledgeReceipt = "pledge.receipt"
    case rsvpConfirm = "rsvp.confirm"
    case rsvpPromoted = "rsvp.promoted"
    case eventCancelled = "event.cancelled"
    /// Once, to a signer still pending a while after their confirmation message was sent.
    case signatureRemind = "signature.remind"
}

public struct Addressee: Codable, Sendable, Hashable {
    public var name: String
    public var email: String
    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }
}

/// What a message is about.
public struct MessageSubject: Codable, Sendable, Hashable {
    public var kind: TokenKind
    public var id: String
    public var title: String
    public init(kind: TokenKind, id: String, title: String) {
        self.kind = kind
        self.id = id
        self.title = title
    }
}

/// A message for the mailer to send. `token` is minted at claim time; only its hash is stored.
public struct OutboxMessage: Codable, Sendable, Hashable {
    public var id: String
    public var kind: MessageKind
    public var to: Addressee
    public var token: String?
    public var subject: MessageSubject
    public var createdAt: Timestamp
    public var leaseExpiresAt: Timestamp

    public init(
        id: String, kind: MessageKind, to: Addressee, token: String?, subject: MessageSubject, createdAt: Timestamp,
        leaseExpiresAt: Timestamp
    ) {
        self.id = id
        self.kind = kind
        self.to = to
        self.token = token
        self.subject = subject
        self.createdAt = createdAt
        self.leaseExpiresAt = leaseExpiresAt
    }
}

/// `outbox.claim`: lease up to `limit` (1...100, default 20) messages for `leaseSeconds` (10...3600, default 300).
public struct ClaimOutbox: RPCMethod {
    public static let method = "outbox.claim"
    public static let role = Role.admin

    public var limit: Int?
    public var leaseSeconds: Int?

    public init(limit: Int? = nil, leaseSeconds: Int? = nil) {
        self.limit = limit
        self.leaseSeconds = leaseSeconds
    }

    public struct Result: Codable, Sendable, Hashable {
        public var messages: [OutboxMessage]
        public init(messages: [OutboxMessage]) { self.messages = messages }
    }
}

/// `outbox.ack`: the messages were sent; delete them. Unknown ids are ignored (a repeat ack is harmless).
public struct AckOutbox: RPCMethod {
    public static let method = "outbox.ack"
    public static let role = Role.admin

    public var ids: [String]
    public init(ids: [String]) { self.ids = ids }

    public struct Result: Codable, Sendable, Hashable {
        public var acknowledged: Int
        public init(acknowledged: Int) { self.acknowledged = acknowledged }
    }
}

/// `outbox.fail`: the messages could not be sent. A temporary failure (`permanent: false`: an SMTP 4xx, a
/// refused connection, a timeout) comes back after a backoff — about a minute, doubling to an hour, or
/// `retryAfterSeconds` — until the retry window (default 5 days) has passed since it was queued; a permanent
/// one (an SMTP 5xx) is never retried. Either way the person's delivery state says so to organisers.
/// Unknown ids are ignored.
public struct FailOutbox: RPCMethod {
    public static let method = "outbox.fail"
    public static let role = Role.admin

    public var ids: [String]
    public var permanent: Bool
    /// What the mail server or the transport said, for organisers (at most 500 characters).
    public var reason: String
    /// 1...86400: when to try again, instead of the backoff.
    public var retryAfterSeconds: Int?

    public init(ids: [String], permanent: Bool, reason: String, retryAfterSeconds: Int? = nil) {
        self.ids = ids
        self.permanent = permanent
        self.reason = reason
        self.retryAfterSeconds = retryAfterSeconds
    }

    public struct Result: Codable, Sendable, Hashable {
        /// Messages that will be tried again.
        public var retrying: Int
        /// Messages given up: permanent failures, and temporary ones past the retry window.
        public var dead: Int
        public init(retrying: Int, dead: Int) {
            self.retrying = retrying
            self.dead = dead
        }
    }
}

/// How the last message to a person fared.
public enum DeliveryState: String, WireEnum {
    case sent, retrying, failed
}

/// A person's delivery state, in the organisers' exports.
public struct Delivery: Codable, Sendable, Hashable {
    public var state: DeliveryState
    /// For `retrying` and `failed`: what the mailer reported.
    public var reason: String?
    public var at: Timestamp

    public init(state: DeliveryState, reason: String?, at: Timestamp) {
        self.state = state
        self.reason = reason
        self.at = at
    }
}
