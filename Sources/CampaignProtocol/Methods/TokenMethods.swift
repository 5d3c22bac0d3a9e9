public enum TokenKind: String, WireEnum {
    case signature, pledge, rsvp
}

/// What the holder of a token may see of their own record: never their email or the token.
public struct TokenRecord: Codable, Sendable, Hashable {
    public var kind: TokenKind
    public var id: String
    /// The record's status: for a signature, a `SignatureStatus` value.
    public var status: String
    public var name: String?
    public var organization: String?
    public var showName: Bool?
    public var createdAt: Timestamp
    public var confirmedAt: Timestamp?
    /// Pledges: the amount promised.
    public var amount: Money?
    /// RSVPs: the event, the guests, and for a waitlisted RSVP its place in the line (1 is next).
    public var eventId: String?
    public var guests: Int?
    public var waitlistPosition: Int?

    public init(
        kind: TokenKind, id: String, status: String, name: String?, organization: String?, showName: Bool?,
        createdAt: Timestamp, confirmedAt: Timestamp?, amount: Money? = nil, eventId: String? = nil, guests: Int? = nil,
        waitlistPosition: Int? = nil
    ) {
        self.amount = amount
        self.eventId = eventId
        self.guests = guests
        self.waitlistPosition = waitlistPosition
        self.kind = kind
        self.id = id
        self.status = status
        self.name = name
        self.organization = organization
        self.showName = showName
        self.createdAt = createdAt
        self.confirmedAt = confirmedAt
    }
}

/// `tokens.get`: an unknown token is `-32001`.
public struct GetToken: RPCMethod {
    public static let method = "tokens.get"
    public static let role = Role.public
    public typealias Result = TokenRecord
    public var token: String
    public init(token: String) { self.token = token }
}

/// `tokens.confirm`: idempotent (mail scanners follow links); allowed up to 24 hours after the letter closes.
public struct ConfirmToken: RPCMethod {
    public static let method = "tokens.confirm"
    public static let role = Role.public
    public typealias Result = TokenRecord
    public var token: String
    public init(token: String) { self.token = token }
}

/// `tokens.cancel`: withdraws the signature, erasing the person's details; idempotent.
public struct CancelToken: RPCMethod {
    public static let method = "tokens.cancel"
    public static let role = Role.public
    public typealias Result = TokenRecord
    public var token: String
    public init(token: String) { self.token = token }
}
