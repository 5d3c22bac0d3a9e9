import CampaignProtocol

/// A campaign definition that passed every check.
struct ValidatedDefinition: Sendable {
    struct LetterPart: Sendable {
        var title: String
        var body: String
        var recipients: [Recipient]
        var signatureGoal: Int?
        var status: LetterStatus
        var confirmationRequired: Bool
    }

    var letter: LetterPart
    var fundraiser: FundraiserDefinition?
    var events: [(String, EventFields)]
    var tweets: [TweetDefinition]?

    init(_ d: CampaignDefinition, fieldPrefix p: String = "definition.") throws(ResponseError) {
        let changes = try LetterChanges(
            title: d.letter.title, body: d.letter.body, recipients: d.letter.recipients, signatureGoal: d.letter.signatureGoal,
            fieldPrefix: p + "letter.")
        letter = LetterPart(
            title: changes.title ?? "", body: changes.body ?? "", recipients: changes.recipients ?? [],
            signatureGoal: changes.signatureGoal, status: d.letter.status ?? .draft,
            confirmationRequired: d.letter.confirmationRequired ?? true)
        if var f = d.fundraiser {
            let q = p + "fundraiser."
            f.title = try TextRules.required(f.title, field: q + "title", max: TextRules.title)
            f.description = try TextRules.required(f.description, field: q + "description", max: TextRules.description, multiline: true)
            for (name, money) in [("goal", f.goal), ("minimum", f.minimum), ("maximum", f.maximum)] {
                _ = try MoneyRules.amount(money, field: q + name)
                guard money.currency == f.goal.currency else {
                    throw .invalidParams(field: q + "\(name).currency", reason: "must be the goal's currency")
                }
            }
            guard f.minimum.amountMinor <= f.maximum.amountMinor else {
                throw .invalidParams(field: q + "minimum", reason: "must not exceed the maximum")
            }
            fundraiser = f
        }
        var seen = Set<String>()
        var events: [(String, EventFields)] = []
        for (i, e) in (d.events ?? []).enumerated() {
            let f = p + "events[\(i)]."
            let id = try EventFields.id(e.id, field: f + "id")
            guard seen.insert(id).inserted else { throw .invalidParams(field: f + "id", reason: "must be unique") }
            events.append(
                (
                    id,
                    try EventFields(
                        title: e.title, description: e.description, startsAt: e.startsAt, endsAt: e.endsAt, timeZone: e.timeZone,
                        location: e.location, capacity: e.capacity, maxGuests: e.maxGuests, fieldPrefix: f)
                ))
        }
        self.events = events
        tweets = try d.tweets.map { t throws(ResponseError) in try TweetRules.validate(t, fieldPrefix: p + "tweets") }
    }
}
