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
}

public struct Location: Codable, Sendable, Hashable {
    public var venue: String?
    public var address: String?
    public var city: String
    public var region: String?
    /// ISO 3166-1 alpha-2.
    public var country: String
    public var postalCode: String?
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
}

public struct TweetTarget: Codable, Sendable, Hashable {
    public var name: String
    /// Without or with the leading `@`.
    public var handle: String
}

public struct TweetDefinition: Codable, Sendable, Hashable {
    public var id: String
    public var target: TweetTarget
    public var text: String
}

/// `campaign.import`: applies a definition. Updates by id; never deletes signatures, pledges or RSVPs.
public struct ImportCampaign: RPCMethod {
    public static let name = "campaign.import"
    public static let role = Role.admin

    public var definition: CampaignDefinition
    public init(definition: CampaignDefinition) { self.definition = definition }

    public struct Result: Codable, Sendable, Hashable {
        public var letter: Letter
        /// Whether the definition carried a fundraiser (kept, served by a later release).
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
