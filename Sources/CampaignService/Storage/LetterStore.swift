import CampaignProtocol
import Foundation
import GRDB

/// A letter as stored, with the fields the service needs beyond the wire shape.
struct StoredLetter {
    var letter: Letter
    var closedAt: Timestamp?

    static func fetch(_ db: Database) throws -> StoredLetter? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM letter WHERE id = 1") else { return nil }
        let recipientsJSON: String = try row.decode(forColumn: "recipients")
        let recipients = try JSONDecoder().decode([Recipient].self, from: Data(recipientsJSON.utf8))
        return StoredLetter(
            letter: Letter(
                title: try row.decode(forColumn: "title"), body: try row.decode(forColumn: "body"), recipients: recipients,
                status: try row.decode(forColumn: "status"), version: try row.decode(forColumn: "version"),
                updatedAt: try row.decode(forColumn: "updatedAt"), signatureGoal: try row.decode(forColumn: "signatureGoal"),
                confirmationRequired: try row.decode(forColumn: "confirmationRequired")),
            closedAt: try row.decode(forColumn: "closedAt"))
    }

    func save(_ db: Database) throws {
        let recipients = String(decoding: try JSONEncoder().encode(letter.recipients), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO letter (id, title, body, recipients, status, version, updatedAt, signatureGoal, confirmationRequired, closedAt)
                VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET title = excluded.title, body = excluded.body, recipients = excluded.recipients,
                    status = excluded.status, version = excluded.version, updatedAt = excluded.updatedAt,
                    signatureGoal = excluded.signatureGoal, confirmationRequired = excluded.confirmationRequired,
                    closedAt = excluded.closedAt
                """,
            arguments: [
                letter.title, letter.body, recipients, letter.status, letter.version, letter.updatedAt, letter.signatureGoal,
                letter.confirmationRequired, closedAt,
            ])
    }

    static func require(_ db: Database) throws -> StoredLetter {
        guard let letter = try fetch(db) else { throw ResponseError.notFound("no letter has been imported") }
        return letter
    }

    /// A change of status; closing records when, for the 24-hour confirmation grace.
    mutating func setStatus(_ status: LetterStatus, at now: Timestamp) {
        if status == .closed && letter.status != .closed { closedAt = now }
        if status != .closed { closedAt = nil }
        letter.status = status
    }
}

extension CampaignStore {
    public func letter() async throws -> StoredLetterView? {
        try reading { db in try StoredLetter.fetch(db).map { StoredLetterView(letter: $0.letter) } }
    }

    func updateLetter(expectedVersion: Int, changes: LetterChanges) async throws -> Letter {
        let now = clock()
        return try await writes.write { db in
            var stored = try StoredLetter.require(db)
            guard stored.letter.version == expectedVersion else {
                throw ResponseError.conflict("the letter is at version \(stored.letter.version), not \(expectedVersion)")
            }
            if let v = changes.title { stored.letter.title = v }
            if let v = changes.body { stored.letter.body = v }
            if let v = changes.recipients { stored.letter.recipients = v }
            if let v = changes.signatureGoal { stored.letter.signatureGoal = v }
            stored.letter.version += 1
            stored.letter.updatedAt = now
            try stored.save(db)
            return stored.letter
        }
    }

    func setLetterStatus(_ status: LetterStatus) async throws -> Letter {
        let now = clock()
        return try await writes.write { db in
            var stored = try StoredLetter.require(db)
            guard stored.letter.status != status else { return stored.letter }
            stored.setStatus(status, at: now)
            stored.letter.version += 1
            stored.letter.updatedAt = now
            try stored.save(db)
            return stored.letter
        }
    }
}

/// The letter as handlers see it.
public struct StoredLetterView: Sendable {
    public var letter: Letter
}
