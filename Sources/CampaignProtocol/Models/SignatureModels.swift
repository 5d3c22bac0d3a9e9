public enum SignatureStatus: String, WireEnum {
    case pending, confirmed, withdrawn, invalidated, suspect
}

/// The visitor's details the frontend passes on, for abuse limits (SPEC §5). Never shown publicly.
public struct ClientInfo: Codable, Sendable, Hashable {
    public var ip: String?
    public var userAgent: String?

    public init(ip: String? = nil, userAgent: String? = nil) {
        self.ip = ip
        self.userAgent = userAgent
    }
}

/// Exact figures, kept in the same transaction as every change. A public listener shows confirmed
/// signatures only, so that no figure moves because someone typed an email; organisers also see `pending`.
public struct SignatureCounts: Codable, Sendable, Hashable {
    public var confirmed: Int
    /// Admin listener only: signatures waiting for their confirmation.
    public var pending: Int?
    /// Confirmed signatures that name an organisation.
    public var organizations: Int
    /// Confirmed signatures that say `isCustomer`.
    public var customers: Int
    /// The letter's `signatureGoal`, or null.
    public var goal: Int?

    public init(confirmed: Int, pending: Int?, organizations: Int, customers: Int, goal: Int?) {
        self.confirmed = confirmed
        self.pending = pending
        self.organizations = organizations
        self.customers = customers
        self.goal = goal
    }

    enum CodingKeys: String, CodingKey { case confirmed, pending, organizations, customers, goal }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(confirmed, forKey: .confirmed)
        try c.encodeIfPresent(pending, forKey: .pending)
        try c.encode(organizations, forKey: .organizations)
        try c.encode(customers, forKey: .customers)
        try c.encode(goal, forKey: .goal)  // explicit null: the frontend asks "is there a goal?"
    }
}

/// A signer as the public list shows them: no contact details, ever.
public struct PublicSignature: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var organization: String?
    public var jobTitle: String?
    public var country: String?
    public var comment: String?
    public var isCustomer: Bool
    public var featured: Bool
    public var signedAt: Timestamp

    public init(
        id: String, name: String, organization: String?, jobTitle: String?, country: String?, comment: String?,
        isCustomer: Bool, featured: Bool, signedAt: Timestamp
    ) {
        self.id = id
        self.name = name
        self.organization = organization
        self.jobTitle = jobTitle
        self.country = country
        self.comment = comment
        self.isCustomer = isCustomer
        self.featured = featured
        self.signedAt = signedAt
    }
}

/// A signature with every field, for organisers. A withdrawn one is a tombstone: its details are erased.
public struct SignatureRecord: Codable, Sendable, Hashable {
    public var id: String
    public var status: SignatureStatus
    public var name: String?
    public var email: String?
    public var organization: String?
    public var jobTitle: String?
    public var isCustomer: Bool
    public var country: String?
    public var postalCode: String?
    public var comment: String?
    public var showName: Bool
    public var contactOptIn: Bool
    public var source: String?
    public var client: ClientInfo?
    public var hidden: Bool
    public var featured: Bool
    public var messagesSent: Int
    /// How the last message to the person fared; nil until the mailer reported.
    public var delivery: Delivery?
    public var signedAt: Timestamp
    public var confirmedAt: Timestamp?
    public var withdrawnAt: Timestamp?

    public init(
        id: String, status: SignatureStatus, name: String?, email: String?, organization: String?, jobTitle: String?,
        isCustomer: Bool, country: String?, postalCode: String?, comment: String?, showName: Bool, contactOptIn: Bool,
        source: String?, client: ClientInfo?, hidden: Bool, featured: Bool, messagesSent: Int, signedAt: Timestamp,
        confirmedAt: Timestamp?, withdrawnAt: Timestamp?, delivery: Delivery? = nil
    ) {
        self.delivery = delivery
        self.id = id
        self.status = status
        self.name = name
        self.email = email
        self.organization = organization
        self.jobTitle = jobTitle
        self.isCustomer = isCustomer
        self.country = country
        self.postalCode = postalCode
        self.comment = comment
        self.showName = showName
        self.contactOptIn = contactOptIn
        self.source = source
        self.client = client
        self.hidden = hidden
        self.featured = featured
        self.messagesSent = messagesSent
        self.signedAt = signedAt
        self.confirmedAt = confirmedAt
        self.withdrawnAt = withdrawnAt
    }
}

/// One page of a keyset-paginated list. `next` is null on the last page.
public struct Page<Item: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    public var items: [Item]
    public var next: String?

    public init(items: [Item], next: String?) {
        self.items = items
        self.next = next
    }

    enum CodingKeys: String, CodingKey { case items, next }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(next, forKey: .next)
    }
}
