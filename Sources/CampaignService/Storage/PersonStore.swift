import CampaignProtocol
import Foundation
import GRDB

/// Everything stored about one canonical email: its signature, pledges and RSVPs, and through them the
/// outbox messages, tokens and per-address limit rows that belong to the person.
struct PersonRecords {
    var signatures: [SignatureRow] = []
    var pledges: [PledgeRow] = []
    /// With the public id of each one's event.
    var rsvps: [(row: RSVPRow, eventID: String)] = []

    static func find(_ db: Database, emailCanonical: String) throws -> PersonRecords {
        var found = PersonRecords()
        found.signatures = try SignatureRow.fetchAll(
            db, sql: "SELECT * FROM signature WHERE emailCanonical = ?", arguments: [emailCanonical])
        found.pledges = try PledgeRow.fetchAll(
            db, sql: "SELECT * FROM pledge WHERE emailCanonical = ? ORDER BY seq", arguments: [emailCanonical])
        for row in try Row.fetchAll(
            db,
            sql:
                "SELECT rsvp.*, event.id AS eventID FROM rsvp JOIN event ON event.seq = rsvp.eventSeq WHERE emailCanonical = ? ORDER BY rsvp.seq",
            arguments: [emailCanonical])
        {
            let eventID: String = try row.decode(forColumn: "eventID")
            found.rsvps.append((try RSVPRow(row: row), eventID))
        }
        return found
    }

    /// The records as outbox and token rows name them, with their public ids.
    var subjects: [(subject: Outbox.Subject, seq: Int64, id: String)] {
        var subjects: [(subject: Outbox.Subject, seq: Int64, id: String)] = []
        for row in signatures { if let seq = row.seq { subjects.append((.signature, seq, row.id)) } }
        for row in pledges { if let seq = row.seq { subjects.append((.pledge, seq, row.id)) } }
        for (row, _) in rsvps { if let seq = row.seq { subjects.append((.rsvp, seq, row.id)) } }
        return subjects
    }

    /// The distinct addresses stored on the records, as the per-address limits key them.
    func addressKeys(_ db: Database) throws -> Set<Data> {
        let texts = signatures.map(\.ip) + pledges.map(\.ip) + rsvps.map { $0.row.ip }
        return Set(try texts.compactMap { $0.flatMap { IPAddress($0) } }.map { try AddressRate.key(db, ip: $0) })
    }

    static let limitScopes: [AddressRate.Scope] = [.signature, .pledge, .rsvp]

    func messages(_ db: Database) throws -> [PersonMessage] {
        var messages: [PersonMessage] = []
        for (subject, seq, id) in subjects {
            for row in try Row.fetchAll(
                db, sql: "SELECT * FROM outbox WHERE subjectKind = ? AND subjectSeq = ? ORDER BY id", arguments: [subject, seq])
            {
                let attempts: Int = try row.decode(forColumn: "attempts")
                let deadAt: Timestamp? = try row.decode(forColumn: "deadAt")
                messages.append(
                    PersonMessage(
                        id: String(try row.decode(forColumn: "id") as Int64), kind: try row.decode(forColumn: "kind"),
                        about: subject.tokenKind, recordId: id,
                        to: Addressee(name: try row.decode(forColumn: "toName"), email: try row.decode(forColumn: "toEmail")),
                        state: deadAt != nil ? .failed : attempts > 0 ? .retrying : .queued, attempts: attempts,
                        lastError: try row.decode(forColumn: "lastError"), createdAt: try row.decode(forColumn: "createdAt"),
                        failedAt: deadAt))
            }
        }
        return messages
    }

    /// The token table is keyed by hash alone: one scan finds every token of the person's records.
    func tokens(_ db: Database) throws -> [PersonToken] {
        let ids = Dictionary(uniqueKeysWithValues: subjects.map { ("\($0.subject.rawValue):\($0.seq)", ($0.subject, $0.id)) })
        guard !ids.isEmpty else { return [] }
        var tokens: [PersonToken] = []
        for row in try Row.fetchAll(db, sql: "SELECT subjectKind, subjectSeq, createdAt FROM token ORDER BY createdAt") {
            let kind: String = try row.decode(forColumn: "subjectKind")
            let seq: Int64 = try row.decode(forColumn: "subjectSeq")
            guard let subject = ids["\(kind):\(seq)"] else { continue }
            tokens.append(PersonToken(about: subject.0.tokenKind, recordId: subject.1, createdAt: try row.decode(forColumn: "createdAt")))
        }
        return tokens
    }

    func addressLimitRows(_ db: Database) throws -> Int {
        var count = 0
        for key in try addressKeys(db) {
            for scope in Self.limitScopes {
                count +=
                    try Int.fetchOne(
                        db, sql: "SELECT COUNT(*) FROM signAttempt WHERE scope = ? AND addressKey = ?", arguments: [scope.rawValue, key])
                    ?? 0
            }
        }
        return count
    }
}

extension CampaignStore {
    func exportPerson(emailCanonical: String) async throws -> ExportPerson.Result {
        try reading { db in
            let found = try PersonRecords.find(db, emailCanonical: emailCanonical)
            return ExportPerson.Result(
                emailCanonical: emailCanonical, signatures: found.signatures.map(\.record), pledges: found.pledges.map(\.record),
                rsvps: found.rsvps.map { $0.row.record(eventID: $0.eventID) }, messages: try found.messages(db),
                tokens: try found.tokens(db), addressLimitRows: try found.addressLimitRows(db))
        }
    }

    /// Erases the person in one transaction. Each record keeps its id, status, amounts, guests, times and
    /// source, so every counter, total and seat count stays as it was; what could identify the person goes.
    /// Their messages, tokens and the limit rows of their addresses are deleted. Then the WAL is emptied.
    func erasePerson(emailCanonical: String) async throws -> ErasePerson.Result {
        var result = try await writes.write { db in
            let found = try PersonRecords.find(db, emailCanonical: emailCanonical)
            var erased = ErasePerson.Result(emailCanonical: emailCanonical)
            // Before the addresses go: the limit rows are keyed on them.
            for key in try found.addressKeys(db) {
                for scope in PersonRecords.limitScopes {
                    try db.execute(
                        sql: "DELETE FROM signAttempt WHERE scope = ? AND addressKey = ?", arguments: [scope.rawValue, key])
                    erased.addressLimitRows += db.changesCount
                }
            }
            erased.tokens = try found.tokens(db).count
            if erased.tokens > 0 {
                let pairs = found.subjects.map { _ in "(subjectKind = ? AND subjectSeq = ?)" }.joined(separator: " OR ")
                var arguments = StatementArguments()
                for (subject, seq, _) in found.subjects { arguments += [subject.rawValue, seq] }
                try db.execute(sql: "DELETE FROM token WHERE " + pairs, arguments: arguments)
            }
            for (subject, seq, _) in found.subjects {
                try Outbox.forget(db, subject: subject, seq: seq)
                erased.messages += db.changesCount
            }
            for seq in found.signatures.compactMap(\.seq) {
                try Erasure.signature(db, seq: seq)
            }
            for seq in found.pledges.compactMap(\.seq) {
                try Erasure.pledge(db, seq: seq)
            }
            for seq in found.rsvps.compactMap({ $0.row.seq }) {
                try Erasure.rsvp(db, seq: seq)
            }
            erased.signatures = found.signatures.count
            erased.pledges = found.pledges.count
            erased.rsvps = found.rsvps.count
            return erased
        }
        if result.signatures + result.pledges + result.rsvps + result.messages + result.addressLimitRows > 0 {
            result.walCheckpointed = await emptyWriteAheadLog()
        }
        return result
    }

    /// Copies the WAL into the database file and truncates it: its frames hold the pages as they were before
    /// an erasure. Another connection in the middle of a read can keep it busy; the next checkpoint then
    /// overwrites those frames, and the caller says it did not happen now.
    func emptyWriteAheadLog() async -> Bool {
        do {
            try await pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
            return true
        } catch {
            logger.warning("the WAL could not be emptied after an erasure", metadata: ["error": "\(error)"])
            return false
        }
    }
}

/// What erasing means for each kind of record, for `person.erase` and retention alike. A record keeps what
/// its counters and totals are made of: its status, whether a signature named an organisation (an empty
/// string stands in for the name), whether the signer is a customer, a pledge's amount, an RSVP's party.
enum Erasure {
    /// The SET clause that erases a signature's contact details; with `keepPublicName`, a listed signer's
    /// name, organisation, job title, country and comment stay with the letter.
    static func signatureChanges(keepPublicName: Bool) -> String {
        func kept(_ column: String, otherwise: String = "NULL") -> String {
            keepPublicName ? "CASE WHEN \(listedSignature) THEN \(column) ELSE \(otherwise) END" : otherwise
        }
        // An empty organisation still counts in `signatures.organizations`, as the erased one did.
        let organization = "CASE WHEN organization IS NULL THEN NULL ELSE \(kept("organization", otherwise: "''")) END"
        return """
            emailCanonical = NULL, email = NULL, ip = NULL, userAgent = NULL, postalCode = NULL, deliveryReason = NULL,
            name = \(kept("name")), jobTitle = \(kept("jobTitle")), country = \(kept("country")), comment = \(kept("comment")),
            organization = \(organization), showName = \(kept("showName", otherwise: "0")), featured = \(kept("featured", otherwise: "0"))
            """
    }

    static let listedSignature = "(status = 'confirmed' AND showName = 1 AND hidden = 0)"
    static let listedPledge = "(status IN ('confirmed', 'paid') AND showName = 1)"

    static func pledgeChanges(keepPublicName: Bool) -> String {
        func kept(_ column: String, otherwise: String) -> String {
            keepPublicName ? "CASE WHEN \(listedPledge) THEN \(column) ELSE \(otherwise) END" : otherwise
        }
        return """
            emailCanonical = '', email = '', ip = NULL, userAgent = NULL, deliveryReason = NULL, idempotencyKey = NULL,
            name = \(kept("name", otherwise: "''")), message = \(kept("message", otherwise: "NULL")),
            showName = \(kept("showName", otherwise: "0"))
            """
    }

    /// RSVPs are never public: the name goes too.
    static let rsvpChanges = """
        emailCanonical = NULL, email = NULL, name = NULL, phone = NULL, ip = NULL, userAgent = NULL, deliveryReason = NULL
        """

    /// On request the person's consent to be contacted goes too; retention keeps it as the record of what they agreed to.
    static func signature(_ db: Database, seq: Int64) throws {
        try db.execute(
            sql: "UPDATE signature SET \(signatureChanges(keepPublicName: false)), contactOptIn = 0 WHERE seq = ?", arguments: [seq])
    }

    static func pledge(_ db: Database, seq: Int64) throws {
        try db.execute(sql: "UPDATE pledge SET \(pledgeChanges(keepPublicName: false)), contactOptIn = 0 WHERE seq = ?", arguments: [seq])
    }

    static func rsvp(_ db: Database, seq: Int64) throws {
        try db.execute(sql: "UPDATE rsvp SET \(rsvpChanges), contactOptIn = 0 WHERE seq = ?", arguments: [seq])
    }
}
