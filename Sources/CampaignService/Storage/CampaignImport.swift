import CampaignProtocol
import Foundation
import GRDB

extension CampaignStore {
    /// Applies a campaign definition in one transaction. With `onlyIfNew`, a database that already
    /// holds a campaign is left alone, so organisers' changes survive restarts.
    /// Returns nil when nothing was applied.
    @discardableResult
    func importDefinition(_ definition: ValidatedDefinition, onlyIfNew: Bool) async throws -> ImportCampaign.Result? {
        let now = clock()
        return try await pool.write { db in
            if onlyIfNew, try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'importedAt'") != nil { return nil }
            let d = definition.letter
            var stored =
                try StoredLetter.fetch(db)
                ?? StoredLetter(
                    letter: Letter(
                        title: d.title, body: d.body, recipients: d.recipients, status: .draft, version: 0,
                        updatedAt: now, signatureGoal: nil, confirmationRequired: true), closedAt: nil)
            stored.letter.title = d.title
            stored.letter.body = d.body
            stored.letter.recipients = d.recipients
            stored.letter.signatureGoal = d.signatureGoal
            stored.letter.confirmationRequired = d.confirmationRequired
            stored.setStatus(d.status, at: now)
            stored.letter.version += 1
            stored.letter.updatedAt = now
            try stored.save(db)
            // Sections served by later releases are kept as given.
            for (name, json) in definition.sections {
                try db.execute(sql: "INSERT OR REPLACE INTO definitionSection (name, json) VALUES (?, ?)", arguments: [name, json])
            }
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('importedAt', ?)", arguments: [now.description])
            return ImportCampaign.Result(
                letter: stored.letter, fundraiser: definition.fundraiser != nil,
                events: definition.events.count, tweets: definition.tweets.count)
        }
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
    var events: [EventDefinition]
    var tweets: [TweetDefinition]

    var sections: [(String, String)] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        func json(_ value: some Encodable) -> String { (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null" }
        var out: [(String, String)] = [("events", json(events)), ("tweets", json(tweets))]
        out.append(("fundraiser", fundraiser.map(json) ?? "null"))
        return out
    }

    init(_ d: CampaignDefinition, fieldPrefix p: String = "definition.") throws(ResponseError) {
        let changes = try LetterChanges(
            title: d.letter.title, body: d.letter.body, recipients: d.letter.recipients,
            signatureGoal: d.letter.signatureGoal, fieldPrefix: p + "letter.")
        letter = LetterPart(
            title: changes.title ?? "", body: changes.body ?? "", recipients: changes.recipients ?? [],
            signatureGoal: changes.signatureGoal, status: d.letter.status ?? .draft,
            confirmationRequired: d.letter.confirmationRequired ?? true)
        if let f = d.fundraiser {
            _ = try TextRules.required(f.title, field: p + "fundraiser.title", max: TextRules.title)
            for (name, money) in [("goal", f.goal), ("minimum", f.minimum), ("maximum", f.maximum)] {
                guard money.currency.utf8.count == 3, money.currency.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
                    throw .invalidParams(field: p + "fundraiser.\(name).currency", reason: "must be an ISO 4217 code such as \"USD\"")
                }
                guard money.currency == f.goal.currency else {
                    throw .invalidParams(field: p + "fundraiser.\(name).currency", reason: "must be the goal's currency")
                }
                guard money.amountMinor > 0 else {
                    throw .invalidParams(field: p + "fundraiser.\(name).amountMinor", reason: "must be positive")
                }
            }
            guard f.minimum.amountMinor <= f.maximum.amountMinor else {
                throw .invalidParams(field: p + "fundraiser.minimum", reason: "must not exceed the maximum")
            }
        }
        fundraiser = d.fundraiser
        var seen = Set<String>()
        for (i, e) in (d.events ?? []).enumerated() {
            let f = p + "events[\(i)]."
            guard !e.id.isEmpty, seen.insert("event:" + e.id).inserted else {
                throw .invalidParams(field: f + "id", reason: "must be unique")
            }
            _ = try TextRules.required(e.title, field: f + "title", max: TextRules.title)
            guard TimeZone(identifier: e.timeZone) != nil, e.timeZone.contains("/") || e.timeZone == "UTC" else {
                throw .invalidParams(field: f + "timeZone", reason: "must be an IANA time zone such as \"America/Los_Angeles\"")
            }
            _ = try TextRules.country(e.location.country, field: f + "location.country")
            if let end = e.endsAt, end < e.startsAt { throw .invalidParams(field: f + "endsAt", reason: "must not be before startsAt") }
            if let c = e.capacity, c < 1 { throw .invalidParams(field: f + "capacity", reason: "must be positive") }
            if let g = e.maxGuests, g < 0 { throw .invalidParams(field: f + "maxGuests", reason: "must not be negative") }
        }
        events = d.events ?? []
        for (i, t) in (d.tweets ?? []).enumerated() {
            let f = p + "tweets[\(i)]."
            guard !t.id.isEmpty, seen.insert("tweet:" + t.id).inserted else {
                throw .invalidParams(field: f + "id", reason: "must be unique")
            }
            let text = try TextRules.required(t.text, field: f + "text", max: 280, multiline: true)
            _ = text
        }
        tweets = d.tweets ?? []
    }
}
