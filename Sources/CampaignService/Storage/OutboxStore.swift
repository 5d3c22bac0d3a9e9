import CampaignProtocol
import Foundation
import GRDB

/// The outbox: messages for the campaign's mailer, leased by `outbox.claim` and deleted by `outbox.ack`.
enum Outbox {
    static func enqueue(_ db: Database, kind: MessageKind, signature: SignatureRow, at now: Timestamp) throws {
        guard let seq = signature.seq, let email = signature.email else { return }
        try db.execute(
            sql: """
                INSERT INTO outbox (kind, subjectKind, subjectSeq, toName, toEmail, createdAt)
                VALUES (?, 'signature', ?, ?, ?, ?)
                """,
            arguments: [kind.rawValue, seq, signature.name ?? "", email, now.millisecondsSince1970])
    }

    /// Drops queued mail to a person who withdrew: it holds their address.
    static func forget(_ db: Database, signatureSeq: Int64) throws {
        try db.execute(sql: "DELETE FROM outbox WHERE subjectKind = 'signature' AND subjectSeq = ?", arguments: [signatureSeq])
    }
}

extension CampaignStore {
    /// Leases messages. A token is minted for each message now, and only its hash kept; a message
    /// claimed again after its lease ran out carries a new token, and earlier ones stay valid.
    func claimOutbox(limit: Int, leaseSeconds: Int) async throws -> [OutboxMessage] {
        let now = clock()
        let leaseUntil = now.adding(seconds: Int64(leaseSeconds))
        return try await pool.write { db in
            let title = try StoredLetter.fetch(db)?.letter.title ?? ""
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM outbox WHERE leaseUntil <= ? ORDER BY id LIMIT ?",
                arguments: [now.millisecondsSince1970, limit])
            var messages: [OutboxMessage] = []
            for row in rows {
                let id: Int64 = row["id"]
                let seq: Int64 = row["subjectSeq"]
                guard let kind = MessageKind(rawValue: row["kind"]),
                    let publicID = try String.fetchOne(db, sql: "SELECT id FROM signature WHERE seq = ?", arguments: [seq])
                else { continue }
                let token = Random.token()
                try db.execute(
                    sql: "INSERT INTO token (hash, subjectKind, subjectSeq, createdAt) VALUES (?, 'signature', ?, ?)",
                    arguments: [TokenHash.of(token), seq, now.millisecondsSince1970])
                try db.execute(sql: "UPDATE outbox SET leaseUntil = ? WHERE id = ?", arguments: [leaseUntil.millisecondsSince1970, id])
                messages.append(
                    OutboxMessage(
                        id: String(id), kind: kind, to: Addressee(name: row["toName"], email: row["toEmail"]), token: token,
                        subject: MessageSubject(kind: .signature, id: publicID, title: title),
                        createdAt: Timestamp(millisecondsSince1970: row["createdAt"]), leaseExpiresAt: leaseUntil))
            }
            return messages
        }
    }

    func ackOutbox(ids: [Int64]) async throws -> Int {
        try await pool.write { db in
            var count = 0
            for id in ids {
                try db.execute(sql: "DELETE FROM outbox WHERE id = ?", arguments: [id])
                count += db.changesCount
            }
            return count
        }
    }
}
