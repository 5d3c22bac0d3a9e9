import CampaignProtocol
import Foundation
import GRDB

/// The outbox: messages for the campaign's mailer, leased by `outbox.claim` and deleted by `outbox.ack`.
enum Outbox {
    /// What a message is about: the record whose token it carries.
    enum Subject: String, DatabaseValueConvertible {
        case signature, pledge, rsvp

        var tokenKind: TokenKind {
            switch self {
            case .signature: .signature
            case .pledge: .pledge
            case .rsvp: .rsvp
            }
        }
    }

    static func enqueue(_ db: Database, kind: MessageKind, subject: Subject, seq: Int64?, name: String?, email: String?, at now: Timestamp)
        throws
    {
        guard let seq, let email else { return }
        try db.cachedStatement(
            sql: "INSERT INTO outbox (kind, subjectKind, subjectSeq, toName, toEmail, createdAt) VALUES (?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [kind, subject, seq, name ?? "", email, now])
    }

    static func enqueue(_ db: Database, kind: MessageKind, signature: SignatureRow, at now: Timestamp) throws {
        try enqueue(db, kind: kind, subject: .signature, seq: signature.seq, name: signature.name, email: signature.email, at: now)
    }

    /// Drops queued mail to a person who withdrew: it holds their address.
    static func forget(_ db: Database, subject: Subject, seq: Int64) throws {
        try db.execute(sql: "DELETE FROM outbox WHERE subjectKind = ? AND subjectSeq = ?", arguments: [subject, seq])
    }

    /// The public id and a title for the message's subject.
    static func describe(_ db: Database, subject: Subject, seq: Int64) throws -> (id: String, title: String)? {
        let sql =
            switch subject {
            case .signature: "SELECT signature.id, (SELECT title FROM letter WHERE id = 1) FROM signature WHERE seq = ?"
            case .pledge: "SELECT pledge.id, (SELECT title FROM fundraiser WHERE id = 1) FROM pledge WHERE seq = ?"
            case .rsvp: "SELECT rsvp.id, event.title FROM rsvp JOIN event ON event.seq = rsvp.eventSeq WHERE rsvp.seq = ?"
            }
        guard let row = try Row.fetchOne(db, sql: sql, arguments: [seq]) else { return nil }
        let title: String? = try row.decode(atIndex: 1)
        return (try row.decode(atIndex: 0), title ?? "")
    }
}

extension CampaignStore {
    /// Leases messages. A token is minted for each message now, and only its hash kept; a message
    /// claimed again after its lease ran out carries a new token, and earlier ones stay valid.
    func claimOutbox(limit: Int, leaseSeconds: Int) async throws -> [OutboxMessage] {
        let now = clock()
        let leaseUntil = now.adding(seconds: Int64(leaseSeconds))
        return try await writes.write { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM outbox WHERE leaseUntil <= ? ORDER BY id LIMIT ?",
                arguments: [now, limit])
            var messages: [OutboxMessage] = []
            for row in rows {
                let id: Int64 = try row.decode(forColumn: "id")
                let seq: Int64 = try row.decode(forColumn: "subjectSeq")
                let kind: MessageKind = try row.decode(forColumn: "kind")
                let subject: Outbox.Subject = try row.decode(forColumn: "subjectKind")
                // The record went (withdrawn and erased): nothing to send.
                guard let described = try Outbox.describe(db, subject: subject, seq: seq) else { continue }
                let token = Random.token()
                try db.execute(
                    sql: "INSERT INTO token (hash, subjectKind, subjectSeq, createdAt) VALUES (?, ?, ?, ?)",
                    arguments: [TokenHash.of(token), subject, seq, now])
                try db.execute(sql: "UPDATE outbox SET leaseUntil = ? WHERE id = ?", arguments: [leaseUntil, id])
                messages.append(
                    OutboxMessage(
                        id: String(id), kind: kind,
                        to: Addressee(name: try row.decode(forColumn: "toName"), email: try row.decode(forColumn: "toEmail")), token: token,
                        subject: MessageSubject(kind: subject.tokenKind, id: described.id, title: described.title),
                        createdAt: try row.decode(forColumn: "createdAt"), leaseExpiresAt: leaseUntil))
            }
            return messages
        }
    }

    func ackOutbox(ids: [Int64]) async throws -> Int {
        try await writes.write { db in
            var count = 0
            for id in ids {
                try db.execute(sql: "DELETE FROM outbox WHERE id = ?", arguments: [id])
                count += db.changesCount
            }
            return count
        }
    }
}
