/// `fundraiser.get`: the pledge drive and its exact totals; `-32001` when the campaign has none.
public struct GetFundraiser: ParameterlessMethod {
    public static let method = "fundraiser.get"
    public static let role = Role.public
    public typealias Result = Fundraiser
    public init() {}
}

/// `fundraiser.update`: changes what is given; the totals are the service's.
public struct UpdateFundraiser: RPCMethod {
    public static let method = "fundraiser.update"
    public static let role = Role.admin
    public typealias Result = Fundraiser

    public var title: String?
    public var description: String?
    public var goal: Money?
    public var minimum: Money?
    public var maximum: Money?
    public var closesAt: Timestamp?
    public var status: FundraiserStatus?
    public var confirmationRequired: Bool?

    public init(
        title: String? = nil, description: String? = nil, goal: Money? = nil, minimum: Money? = nil, maximum: Money? = nil,
        closesAt: Timestamp? = nil, status: FundraiserStatus? = nil, confirmationRequired: Bool? = nil
    ) {
        self.title = title
        self.description = description
        self.goal = goal
        self.minimum = minimum
        self.maximum = maximum
        self.closesAt = closesAt
        self.status = status
        self.confirmationRequired = confirmationRequired
    }
}

/// `pledges.create`: a promise of money in the fundraiser's currency, within its minimum and maximum.
/// A repeated `idempotencyKey` from the same email creates nothing new.
public struct CreatePledge: RPCMethod {
    public static let method = "pledges.create"
    public static let role = Role.public

    public var name: String
    public var email: String
    public var amount: Money
    public var showName: Bool?
    public var message: String?
    public var contactOptIn: Bool?
    public var idempotencyKey: String?
    public var source: String?
    public var client: ClientInfo?

    public init(
        name: String, email: String, amount: Money, showName: Bool? = nil, message: String? = nil, contactOptIn: Bool? = nil,
        idempotencyKey: String? = nil, source: String? = nil, client: ClientInfo? = nil
    ) {
        self.name = name
        self.email = email
        self.amount = amount
        self.showName = showName
        self.message = message
        self.contactOptIn = contactOptIn
        self.idempotencyKey = idempotencyKey
        self.source = source
        self.client = client
    }

    public typealias Result = Acceptance
}

/// `pledges.recent`: the latest confirmed (or paid) pledges whose pledgers chose `showName`.
public struct RecentPledges: RPCMethod {
    public static let method = "pledges.recent"
    public static let role = Role.public

    /// 1...100, default 10.
    public var limit: Int?
    public init(limit: Int? = nil) { self.limit = limit }

    public struct Result: Codable, Sendable, Hashable {
        public var items: [PublicPledge]
        public init(items: [PublicPledge]) { self.items = items }
    }
}

/// `pledges.export`: every pledge, oldest first, for organisers.
public struct ExportPledges: RPCMethod {
    public static let method = "pledges.export"
    public static let role = Role.admin
    public typealias Result = Page<PledgeRecord>

    /// 1...1000, default 100.
    public var limit: Int?
    public var after: String?
    public var status: PledgeStatus?

    public init(limit: Int? = nil, after: String? = nil, status: PledgeStatus? = nil) {
        self.limit = limit
        self.after = after
        self.status = status
    }
}

/// `pledges.setStatus`: record payment, refund or cancellation; a transition the state machine does not
/// allow is `-32002`.
public struct SetPledgeStatus: RPCMethod {
    public static let method = "pledges.setStatus"
    public static let role = Role.admin
    public typealias Result = PledgeRecord

    public var pledgeId: String
    public var status: PledgeStatus

    public init(pledgeId: String, status: PledgeStatus) {
        self.pledgeId = pledgeId
        self.status = status
    }
}
