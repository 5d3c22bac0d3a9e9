public enum MessageKind: String, WireEnum {
    case signatureConfirm = "signature.confirm"
    case signatureDuplicate = "signature.duplicate"
    case signatureReceipt = "signature.receipt"
    case pledgeConfirm = "pledge.confirm"
    case pledgeReceipt = "pledge.receipt"
    case rsvpConfirm = "rsvp.confirm"
    case rsvpPromoted = "rsvp.promoted"
    case eventCancelled = "event.cancelled"
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
