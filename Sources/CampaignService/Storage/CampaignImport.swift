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
