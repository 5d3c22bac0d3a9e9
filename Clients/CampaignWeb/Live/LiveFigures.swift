import CampaignProtocol

/// The public figures a campaign page shows moving, as `/live` sends them and `LiveFeed.current` holds
/// them: counts only, never a name.
public struct LiveFigures: Codable, Sendable, Hashable {
    public struct Signatures: Codable, Sendable, Hashable {
        public var confirmed: Int
        public var goal: Int?
        public var organizations: Int
        public var customers: Int

        public init(confirmed: Int, goal: Int?, organizations: Int, customers: Int) {
            self.confirmed = confirmed
            self.goal = goal
            self.organizations = organizations
            self.customers = customers
        }

        init(_ counts: SignatureCounts) {
            self.init(confirmed: counts.confirmed, goal: counts.goal, organizations: counts.organizations, customers: counts.customers)
        }
    }

    public struct Fundraiser: Codable, Sendable, Hashable {
        /// Confirmed and paid pledges.
        public var pledged: Money
        public var goal: Money
        public var pledgeCount: Int

        public init(pledged: Money, goal: Money, pledgeCount: Int) {
            self.pledged = pledged
            self.goal = goal
            self.pledgeCount = pledgeCount
        }

        init(_ fundraiser: CampaignProtocol.Fundraiser) {
            self.init(pledged: fundraiser.pledged, goal: fundraiser.goal, pledgeCount: fundraiser.pledgeCount)
        }
    }

    public struct Event: Codable, Sendable, Hashable {
        public var id: String
        public var going: Int
        public var waitlisted: Int
        /// Null when the event has no limit.
        public var capacity: Int?

        public init(id: String, going: Int, waitlisted: Int, capacity: Int?) {
            self.id = id
            self.going = going
            self.waitlisted = waitlisted
            self.capacity = capacity
        }

        init(_ event: CampaignProtocol.Event) {
            self.init(id: event.id, going: event.going, waitlisted: event.waitlisted, capacity: event.capacity)
        }
    }

    public var signatures: Signatures
    /// Null when the campaign has no fundraiser.
    public var fundraiser: Fundraiser?
    /// Soonest first, as `events.list` gives them.
    public var events: [Event]

    public init(signatures: Signatures, fundraiser: Fundraiser?, events: [Event]) {
        self.signatures = signatures
        self.fundraiser = fundraiser
        self.events = events
    }

    /// The figures of a whole campaign, read after (re)subscribing.
    public init(_ campaign: GetCampaign.Result) {
        self.init(
            signatures: Signatures(campaign.signatures), fundraiser: campaign.fundraiser.map(Fundraiser.init),
            events: campaign.events.map(Event.init))
    }

    /// These figures with the topics a notification carries replaced; the others stay as they were.
    public func applying(_ change: CampaignChanged) -> LiveFigures {
        var figures = self
        if let signatures = change.signatures { figures.signatures = Signatures(signatures) }
        // A changed fundraiser topic without a fundraiser means the campaign no longer has one; the
        // decoder cannot tell null from absent, so a fundraiser is only ever replaced, never removed here.
        if let fundraiser = change.fundraiser { figures.fundraiser = Fundraiser(fundraiser) }
        if let events = change.events { figures.events = events.map(Event.init) }
        return figures
    }

    enum CodingKeys: String, CodingKey { case signatures, fundraiser, events }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(signatures, forKey: .signatures)
        try c.encode(fundraiser, forKey: .fundraiser)  // explicit null: the page hides the thermometer
        try c.encode(events, forKey: .events)
    }
}
