/// A campaign definition file (`Schemas/campaign.schema.json`).
public struct CampaignDefinition: Codable, Sendable, Hashable {
    public var letter: LetterDefinition
    public var fundraiser: FundraiserDefinition?
    public var events: [EventDefinition]?
    public var tweets: [TweetDefinition]?

    public init(
        letter: LetterDefinition, fundraiser: FundraiserDefinition? = nil, events: [EventDefinition]? = nil,
        tweets: [TweetDefinition]? = nil
    ) {
        self.letter = letter
        self.fundraiser = fundraiser
        self.events = events
        self.tweets = tweets
    }
}

public struct LetterDefinition: Codable, Sendable, Hashable {
    public var title: String
    public var body: String
    public var recipients: [Recipient]
    public var signatureGoal: Int?
    /// Default `draft`.
    public var status: LetterStatus?
    /// Default true.
    public var confirmationRequired: Bool?

    public init(
        title: String, body: String, recipients: [Recipient], signatureGoal: Int? = nil, status: LetterStatus? = nil,
        confirmationRequired: Bool? = nil
    ) {
        self.title = title
        self.body = body
        self.recipients = recipients
        self.signatureGoal = signatureGoal
        self.status = status
        self.confirmationRequired = confirmationRequired
    }
}

public enum FundraiserStatus: String, WireEnum {
    case open, closed
}

public struct FundraiserDefinition: Codable, Sendable, Hashable {
    public var title: String
    public var description: String
    public var goal: Money
    public var minimum: Money
    public var maximum: Money
    public var closesAt: Timestamp?
    public var status: FundraiserStatus?
    public var confirmationRequired: Bool?

    public init(
        title: String, description: String, goal: Money, minimum: Money, maximum: Money, closesAt: Timestamp? = nil,
        status: FundraiserStatus? = nil, confirmationRequired: Bool? = nil
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

public struct Location: Codable, Sendable, Hashable {
    public var venue: String?
    public var address: String?
    public var city: String
    public var region: String?
    /// ISO 3166-1 alpha-2.
    public var country: String
    public var postalCode: String?

    public init(
        venue: String? = nil, address: String? = nil, city: String, region: String? = nil, country: String, postalCode: String? = nil
    ) {
        self.venue = venue
        self.address = address
        self.city = city
        self.region = region
        self.country = country
        self.postalCode = postalCode
    }
}

public struct EventDefinition: Codable, Sendable, Hashable {
    public var id: String
    public var title: String
    public var description: String
    public var startsAt: Timestamp
    public var endsAt: Timestamp?
    /// An IANA time zone name such as `America/Los_Angeles`.
    public var timeZone: String
    public var location: Location
    /// People, guests included; absent means no limit.
    public var capacity: Int?
    /// Default 0.
    public var maxGuests: Int?

    public init(
        id: String, title: String, description: String, startsAt: Timestamp, endsAt: Timestamp? = nil, timeZone: String,
        location: Location, capacity: Int? = nil, maxGuests: Int? = nil
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.timeZone = timeZone
        self.location = location
        self.capacity = capacity
        self.maxGuests = maxGuests
    }
}

public struct TweetTarget: Codable, Sendable, Hashable {
    public var name: String
    /// Without or with the leading `@`.
    public var handle: String

    public init(name: String, handle: String) {
        self.name = name
        self.handle = handle
    }
}

public struct TweetDefinition: Codable, Sendable, Hashable {
    public var id: String
    public var target: TweetTarget
    public var text: String

    public init(id: String, target: TweetTarget, text: String) {
        self.id = id
        self.target = target
        self.text = text
    }
}

/// `campaign.import`: applies a definition. Updates by id; never deletes signatures, pledges or RSVPs.
public struct ImportCampaign: RPCMethod {
    public static let method = "campaign.import"
    public static let role = Role.admin

    public var definition: CampaignDefinition
    public init(definition: CampaignDefinition) { self.definition = definition }

    public struct Result: Codable, Sendable, Hashable {
        public var letter: Letter
        /// Whether the definition carried a fundraiser.
        public var fundraiser: Bool
        public var events: Int
        public var tweets: Int
        public init(letter: Letter, fundraiser: Bool, events: Int, tweets: Int) {
            self.letter = letter
            self.fundraiser = fundraiser
            self.events = events
            self.tweets = tweets
        }
    }
}

/// `campaign.get`: everything the campaign page shows, in one call. `letter` is null on a public
/// listener while it is a draft; `fundraiser` is null when the campaign has none.
public struct GetCampaign: ParameterlessMethod {
    public static let method = "campaign.get"
    public static let role = Role.public
    public init() {}

    public struct Result: Codable, Sendable, Hashable {
        public var letter: Letter?
        public var signatures: SignatureCounts
        public var fundraiser: Fundraiser?
        public var events: [Event]
        public var tweets: [Tweet]

        public init(letter: Letter?, signatures: SignatureCounts, fundraiser: Fundraiser?, events: [Event], tweets: [Tweet]) {
            self.letter = letter
            self.signatures = signatures
            self.fundraiser = fundraiser
            self.events = events
            self.tweets = tweets
        }

        enum CodingKeys: String, CodingKey { case letter, signatures, fundraiser, events, tweets }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(letter, forKey: .letter)  // explicit nulls: the page renders what is there
            try c.encode(signatures, forKey: .signatures)
            try c.encode(fundraiser, forKey: .fundraiser)
            try c.encode(events, forKey: .events)
            try c.encode(tweets, forKey: .tweets)
        }
    }
}

public enum Topic: String, WireEnum {
    case signatures, fundraiser, events
}

/// `campaign.subscribe`: after it, `campaign.changed` notifications carry the new figures of each
/// subscribed topic that changed, at most about four a second, including changes made by other
/// processes on the same database. Topics add up over calls.
public struct Subscribe: RPCMethod {
    public static let method = "campaign.subscribe"
    public static let role = Role.public

    public var topics: [Topic]
    public init(topics: [Topic]) { self.topics = topics }

    public struct Result: Codable, Sendable, Hashable {
        /// Every topic this connection is now subscribed to.
        public var topics: [Topic]
        public init(topics: [Topic]) { self.topics = topics }
    }
}

/// `campaign.unsubscribe`: without `topics`, from everything.
public struct Unsubscribe: RPCMethod {
    public static let method = "campaign.unsubscribe"
    public static let role = Role.public
    public typealias Result = Subscribe.Result

    public var topics: [Topic]?
    public init(topics: [Topic]? = nil) { self.topics = topics }
}

/// `campaign.changed`, sent by the service: the new figures of the topics that changed.
public struct CampaignChanged: RPCNotification, Hashable {
    public static let method = "campaign.changed"

    public var signatures: SignatureCounts?
    public var fundraiser: Fundraiser?
    public var events: [Event]?

    public init(signatures: SignatureCounts? = nil, fundraiser: Fundraiser? = nil, events: [Event]? = nil) {
        self.signatures = signatures
        self.fundraiser = fundraiser
        self.events = events
    }
}
