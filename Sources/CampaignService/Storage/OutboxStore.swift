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
        guard let row = try Row.fetchOne(db.cachedStatement(sql: sql), arguments: [seq]) else { return nil }
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
            // Statements prepared once per connection: a claim runs them for every message it leases.
            let rows = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM outbox WHERE deadAt IS NULL AND leaseUntil <= ? ORDER BY id LIMIT ?"),
                arguments: [now, limit])
            let insertToken = try db.cachedStatement(
                sql: "INSERT INTO token (hash, subjectKind, subjectSeq, createdAt) VALUES (?, ?, ?, ?)")
            let lease = try db.cachedStatement(sql: "UPDATE outbox SET leaseUntil = ? WHERE id = ?")
            var messages: [OutboxMessage] = []
            messages.reserveCapacity(rows.count)
            for row in rows {
                let id: Int64 = try row.decode(forColumn: "id")
                let seq: Int64 = try row.decode(forColumn: "subjectSeq")
                let kind: MessageKind = try row.decode(forColumn: "kind")
                let subject: Outbox.Subject = try row.decode(forColumn: "subjectKind")
                // The record went (withdrawn and erased): nothing to send.
                guard let described = try Outbox.describe(db, subject: subject, seq: seq) else { continue }
                let token = Random.token()
                try insertToken.execute(arguments: [TokenHash.of(token), subject, seq, now])
                try lease.execute(arguments: [leaseUntil, id])
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

    /// The messages were sent: they go, and their people's delivery state says so. The first message a
    /// signer got starts the clock of their one reminder.
    func ackOutbox(ids: [Int64]) async throws -> Int {
        let now = clock()
        return try await writes.write { db in
            var count = 0
            let find = try db.cachedStatement(sql: "SELECT subjectKind, subjectSeq FROM outbox WHERE id = ?")
            let delete = try db.cachedStatement(sql: "DELETE FROM outbox WHERE id = ?")
            let firstSent = try db.cachedStatement(sql: "UPDATE signature SET firstSentAt = ? WHERE seq = ? AND firstSentAt IS NULL")
            for id in ids {
                guard let row = try Row.fetchOne(find, arguments: [id]) else { continue }
                let subject: Outbox.Subject = try row.decode(forColumn: "subjectKind")
                let seq: Int64 = try row.decode(forColumn: "subjectSeq")
                try delete.execute(arguments: [id])
                count += 1
                try Outbox.record(db, subject: subject, seq: seq, .sent, reason: nil, at: now)
                if subject == .signature { try firstSent.execute(arguments: [now, seq]) }
            }
            return count
        }
    }

    /// Failed messages: retried after a backoff until the retry window has passed, or given up.
    func failOutbox(ids: [Int64], permanent: Bool, reason: String, retryAfterSeconds: Int?) async throws -> FailOutbox.Result {
        let now = clock()
        let window = outboxRetrySeconds
        let first = Int(outboxFirstRetrySeconds)
        return try await writes.write { db in
            var result = FailOutbox.Result(retrying: 0, dead: 0)
            for id in ids {
                guard
                    let row = try Row.fetchOne(
                        db, sql: "SELECT subjectKind, subjectSeq, attempts, createdAt FROM outbox WHERE id = ? AND deadAt IS NULL",
                        arguments: [id])
                else { continue }
                let subject: Outbox.Subject = try row.decode(forColumn: "subjectKind")
                let seq: Int64 = try row.decode(forColumn: "subjectSeq")
                let attempts: Int = try row.decode(forColumn: "attempts") + 1
                let createdAt: Timestamp = try row.decode(forColumn: "createdAt")
                let delay = Int64(retryAfterSeconds ?? Outbox.backoffSeconds(afterAttempts: attempts, first: first))
                let retryAt = now.adding(seconds: delay)
                if permanent || retryAt > createdAt.adding(seconds: window) {
                    let why = permanent ? reason : "gave up after \(attempts) attempts: \(reason)"
                    try db.execute(
                        sql: "UPDATE outbox SET attempts = ?, lastError = ?, deadAt = ? WHERE id = ?", arguments: [attempts, why, now, id])
                    try Outbox.record(db, subject: subject, seq: seq, .failed, reason: why, at: now)
                    result.dead += 1
                } else {
                    try db.execute(
                        sql: "UPDATE outbox SET attempts = ?, lastError = ?, leaseUntil = ? WHERE id = ?",
                        arguments: [attempts, reason, retryAt, id])
                    try Outbox.record(db, subject: subject, seq: seq, .retrying, reason: reason, at: now)
                    result.retrying += 1
                }
            }
            return result
        }
    }

    /// Queues the one reminder of each signer still pending `remindAfterSeconds` after their first
    /// message was sent (none when it is 0). Returns how many.
    public func queueReminders() async throws -> Int {
        guard remindAfterSeconds > 0 else { return 0 }
        let now = clock()
        let due = now.adding(seconds: -remindAfterSeconds)
        return try await writes.write { db in
            let signers = try SignatureRow.fetchAll(
                db, sql: "SELECT * FROM signature WHERE status = 'pending' AND remindedAt IS NULL AND firstSentAt <= ?", arguments: [due])
            for var signer in signers {
                signer.remindedAt = now
                // However often the address was submitted, a person gets at most this many messages.
                if signer.messagesSent < maxMessagesPerSignature {
                    signer.messagesSent += 1
                    try Outbox.enqueue(db, kind: .signatureRemind, signature: signer, at: now)
                }
                try signer.update(db)
            }
            return signers.count
        }
    }
}

extension Outbox {
    /// The longest wait between two tries.
    static let maximumBackoffSeconds = 3600

    /// `first` seconds (a minute by default) after the first failure, doubling to an hour.
    static func backoffSeconds(afterAttempts attempts: Int, first: Int = Int(CampaignStore.defaultOutboxFirstRetrySeconds)) -> Int {
        var delay = min(max(first, 1), maximumBackoffSeconds)
        for _ in 1..<max(attempts, 1) where delay < maximumBackoffSeconds { delay = min(delay * 2, maximumBackoffSeconds) }
        return delay
    }

    /// A person's delivery state, on the record the message was about.
    static func record(_ db: Database, subject: Subject, seq: Int64, _ state: DeliveryState, reason: String?, at now: Timestamp)
        throws
    {
        let table =
            switch subject {
            case .signature: "signature"
            case .pledge: "pledge"
            case .rsvp: "rsvp"
            }
        try db.cachedStatement(sql: "UPDATE \(table) SET deliveryState = ?, deliveryReason = ?, deliveryAt = ? WHERE seq = ?")
            .execute(arguments: [state, reason, now, seq])
    }
}
