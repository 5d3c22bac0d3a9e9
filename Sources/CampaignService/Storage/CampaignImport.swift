import CampaignProtocol
import Foundation
import GRDB

extension CampaignStore {
    /// Applies a campaign definition in one transaction: the letter, the fundraiser, events by id and
    /// the tweets. Signatures, pledges and RSVPs are never deleted. With `onlyIfNew`, a database that
    /// already holds a campaign is left alone, so organisers' changes survive restarts.
    /// Returns nil when nothing was applied.
    @discardableResult
    func importDefinition(_ definition: ValidatedDefinition, onlyIfNew: Bool) async throws -> ImportCampaign.Result? {
        let now = clock()
        return try await writes.write { db in
            if onlyIfNew, try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'importedAt'") != nil { return nil }
            let d = definition.letter
            var stored =
                try StoredLetter.fetch(db)
                ?? StoredLetter(
                    letter: Letter(
                        title: d.title, body: d.body, recipients: d.recipients, status: .draft, version: 0, updatedAt: now,
                        signatureGoal: nil, confirmationRequired: true), closedAt: nil)
            stored.letter.title = d.title
            stored.letter.body = d.body
            stored.letter.recipients = d.recipients
            stored.letter.signatureGoal = d.signatureGoal
            stored.letter.confirmationRequired = d.confirmationRequired
            stored.setStatus(d.status, at: now)
            stored.letter.version += 1
            stored.letter.updatedAt = now
            try stored.save(db)

            if let f = definition.fundraiser {
                try Self.applyFundraiser(db, f, at: now)
            }
            for (id, fields) in definition.events {
                _ = try fields.upsert(db, id: id, at: now)
            }
            if let tweets = definition.tweets {
                try Self.setTweets(db, tweets)
            }
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('importedAt', ?)", arguments: [now.description])
            return ImportCampaign.Result(
                letter: stored.letter, fundraiser: definition.fundraiser != nil, events: definition.events.count,
                tweets: definition.tweets?.count ?? 0)
        }
    }

    static func applyFundraiser(_ db: Database, _ d: FundraiserDefinition, at now: Timestamp) throws {
        var f =
            try StoredFundraiser.fetch(db)
            ?? StoredFundraiser(
                title: d.title, description: d.description, currency: d.goal.currency, goalMinor: 0, minimumMinor: 0, maximumMinor: 0,
                closesAt: nil, status: .open, confirmationRequired: true, closedAt: nil)
        if f.currency != d.goal.currency,
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pledge") ?? 0 > 0
        {
            throw ResponseError.conflict("pledges exist in \(f.currency); the fundraiser's currency cannot change")
        }
        f.title = d.title
        f.description = d.description
        f.currency = d.goal.currency
        f.goalMinor = d.goal.amountMinor
        f.minimumMinor = d.minimum.amountMinor
        f.maximumMinor = d.maximum.amountMinor
        f.closesAt = d.closesAt
        f.confirmationRequired = d.confirmationRequired ?? true
        let status = d.status ?? .open
        if status != f.status { f.closedAt = status == .closed ? now : nil }
        f.status = status
        try f.save(db)
    }
}

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
