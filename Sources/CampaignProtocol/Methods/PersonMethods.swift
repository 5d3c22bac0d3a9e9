/// `person.export`: every record held about one person, found by the canonical form of their email (the
/// form that makes one signature per person), for a request under the GDPR's right of access.
public struct ExportPerson: RPCMethod {
    public static let method = "person.export"
    public static let role = Role.admin

    public var email: String

    public init(email: String) { self.email = email }

    public struct Result: Codable, Sendable, Hashable {
        /// The canonical form the records were matched on.
        public var emailCanonical: String
        /// At most one: one signature per canonical email.
        public var signatures: [SignatureRecord]
        public var pledges: [PledgeRecord]
        public var rsvps: [RSVPRecord]
        /// Messages still held for the person (queued, retrying or given up); a sent message is deleted
        /// and leaves only its record's `delivery`.
        public var messages: [PersonMessage]
        /// The tokens that act on these records: only their existence and age, the service keeps no token.
        public var tokens: [PersonToken]
        /// Rows of the per-address limits keyed on the addresses stored on these records.
        public var addressLimitRows: Int

        public init(
            emailCanonical: String, signatures: [SignatureRecord], pledges: [PledgeRecord], rsvps: [RSVPRecord],
            messages: [PersonMessage], tokens: [PersonToken], addressLimitRows: Int
        ) {
            self.emailCanonical = emailCanonical
            self.signatures = signatures
            self.pledges = pledges
            self.rsvps = rsvps
            self.messages = messages
            self.tokens = tokens
            self.addressLimitRows = addressLimitRows
        }
    }
}

/// `person.erase`: erases everything `person.export` shows, in one transaction. Records become tombstones
/// that keep every count and total; idempotent (a second call finds nothing and returns zeros).
public struct ErasePerson: RPCMethod {
    public static let method = "person.erase"
    public static let role = Role.admin

    public var email: String

    public init(email: String) { self.email = email }

    /// What was erased, by kind.
    public struct Result: Codable, Sendable, Hashable {
        public var emailCanonical: String
        public var signatures: Int
        public var pledges: Int
        public var rsvps: Int
        public var messages: Int
        public var tokens: Int
        public var addressLimitRows: Int
        /// Whether the write-ahead log was checkpointed and emptied afterwards, so that no old copy of the
        /// erased pages stays in it (false when another connection kept it busy: it is emptied later).
        public var walCheckpointed: Bool

        public init(
            emailCanonical: String, signatures: Int = 0, pledges: Int = 0, rsvps: Int = 0, messages: Int = 0, tokens: Int = 0,
            addressLimitRows: Int = 0, walCheckpointed: Bool = false
        ) {
            self.emailCanonical = emailCanonical
            self.signatures = signatures
            self.pledges = pledges
            self.rsvps = rsvps
            self.messages = messages
            self.tokens = tokens
            self.addressLimitRows = addressLimitRows
            self.walCheckpointed = walCheckpointed
        }
    }
}

/// Where an outbox message held for a person stands.
public enum PersonMessageState: String, WireEnum {
    /// Not tried yet (or leased to the mailer now).
    case queued
    /// Failed at least once, tried again later.
    case retrying
    /// Given up.
    case failed
}

/// An outbox message held for a person.
public struct PersonMessage: Codable, Sendable, Hashable {
    public var id: String
    public var kind: MessageKind
    /// The record it is about.
    public var about: TokenKind
    public var recordId: String
    public var to: Addressee
    public var state: PersonMessageState
    public var attempts: Int
    /// What the mailer last reported.
    public var lastError: String?
    public var createdAt: Timestamp
    public var failedAt: Timestamp?

    public init(
        id: String, kind: MessageKind, about: TokenKind, recordId: String, to: Addressee, state: PersonMessageState, attempts: Int,
        lastError: String?, createdAt: Timestamp, failedAt: Timestamp?
    ) {
        self.id = id
        self.kind = kind
        self.about = about
        self.recordId = recordId
        self.to = to
        self.state = state
        self.attempts = attempts
        self.lastError = lastError
        self.createdAt = createdAt
        self.failedAt = failedAt
    }
}

/// A token that acts on one of a person's records. The service stores only a token's SHA-256 hash, and
/// shows not even that: a hash is no use to anyone but someone guessing tokens.
public struct PersonToken: Codable, Sendable, Hashable {
    public var about: TokenKind
    public var recordId: String
    public var createdAt: Timestamp

    public init(about: TokenKind, recordId: String, createdAt: Timestamp) {
        self.about = about
        self.recordId = recordId
        self.createdAt = createdAt
    }
}

/// `service.stats` `retention`: `--anonymise-after`, how long after the letter closes people's contact
/// details are kept, and the last run (by any process sharing the database).
public struct RetentionStatus: Codable, Sendable, Hashable {
    /// Absent when the service keeps details until organisers erase them.
    public var anonymiseAfterDays: Int?
    public var lastRunAt: Timestamp?
    /// Records the last run changed.
    public var lastAnonymised: Int?

    public init(anonymiseAfterDays: Int? = nil, lastRunAt: Timestamp? = nil, lastAnonymised: Int? = nil) {
        self.anonymiseAfterDays = anonymiseAfterDays
        self.lastRunAt = lastRunAt
        self.lastAnonymised = lastAnonymised
    }
}
