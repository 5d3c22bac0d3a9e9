import CampaignProtocol
import Foundation
import GRDB

/// Confirmation stays possible this long after the letter or fundraiser closes (mail is slow).
let confirmationGraceSeconds: Int64 = 24 * 3600

/// The record a token is for.
enum TokenSubject {
    case signature(SignatureRow)
    case pledge(PledgeRow)
    case rsvp(RSVPRow)

    static func find(_ token: String, _ db: Database) throws -> TokenSubject {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT subjectKind, subjectSeq FROM token WHERE hash = ?", arguments: [TokenHash.of(token)])
        else { throw ResponseError.notFound("unknown token") }
        let subject: Outbox.Subject = try row.decode(forColumn: "subjectKind")
        let seq: Int64 = try row.decode(forColumn: "subjectSeq")
        let found: TokenSubject? =
            switch subject {
            case .signature:
                try SignatureRow.fetchOne(db, sql: "SELECT * FROM signature WHERE seq = ?", arguments: [seq]).map { .signature($0) }
            case .pledge: try PledgeRow.fetchOne(db, sql: "SELECT * FROM pledge WHERE seq = ?", arguments: [seq]).map { .pledge($0) }
            case .rsvp: try RSVPRow.fetchOne(db, sql: "SELECT * FROM rsvp WHERE seq = ?", arguments: [seq]).map { .rsvp($0) }
            }
        guard let found else { throw ResponseError.notFound("unknown token") }
        return found
    }

    func record(_ db: Database) throws -> TokenRecord {
        switch self {
        case .signature(let row): row.tokenRecord
        case .pledge(let row): row.tokenRecord
        case .rsvp(let row): try row.tokenRecord(db)
        }
    }
}

/// Whether something that closed at `closedAt` still takes confirmations at `now`.
func withinGrace(closedAt: Timestamp?, now: Timestamp) -> Bool {
    closedAt.map { now < $0.adding(seconds: confirmationGraceSeconds) } ?? false
}

extension CampaignStore {
    func tokenRecord(token: String) async throws -> TokenRecord {
        try reading { db in try TokenSubject.find(token, db).record(db) }
    }

    /// Confirms a pending signature, pledge or RSVP; idempotent.
    func confirm(token: String) async throws -> TokenRecord {
        let now = clock()
        return try await writes.write { db in
            switch try TokenSubject.find(token, db) {
            case .signature(var row):
                switch row.status {
                case .confirmed:
                    return row.tokenRecord
                case .pending:
                    let stored = try StoredLetter.require(db)
                    let open = stored.letter.status == .open
                    let inGrace = stored.letter.status == .closed && withinGrace(closedAt: stored.closedAt, now: now)
                    guard open || inGrace else { throw ResponseError.closed("the letter is \(stored.letter.status.rawValue)") }
                    let before = row.counterState
                    row.status = .confirmed
                    row.confirmedAt = now
                    try row.update(db)
                    try Counters.transition(db, from: before, to: row.counterState)
                    return row.tokenRecord
                case .withdrawn, .invalidated, .suspect:
                    throw ResponseError.conflict("the signature is \(row.status.rawValue)")
                }
            case .pledge(var row):
                switch row.status {
                case .confirmed, .paid, .refunded:
                    return row.tokenRecord
                case .pending:
                    let f = try StoredFundraiser.require(db)
                    guard f.isOpen(at: now) || withinGrace(closedAt: f.closedSince(at: now), now: now) else {
                        throw ResponseError.closed("the fundraiser is closed")
                    }
                    try row.move(to: .confirmed, at: now, db)
                    return row.tokenRecord
                case .cancelled:
                    throw ResponseError.conflict("the pledge is cancelled")
                }
            case .rsvp(var row):
                try row.confirm(db, at: now)
                return try row.tokenRecord(db)
            }
        }
    }

    /// Withdraws a signature (erasing the person's details, keeping a tombstone), cancels a pledge or
    /// an RSVP; idempotent.
    func cancel(token: String) async throws -> TokenRecord {
        let now = clock()
        return try await writes.write { db in
            switch try TokenSubject.find(token, db) {
            case .signature(var row):
                guard row.status != .withdrawn, let seq = row.seq else { return row.tokenRecord }
                let before = row.counterState
                row.erase(at: now)
                try row.update(db)
                try Counters.transition(db, from: before, to: row.counterState)
                try Outbox.forget(db, subject: .signature, seq: seq)
                return row.tokenRecord
            case .pledge(var row):
                guard row.status != .cancelled else { return row.tokenRecord }
                guard row.status == .pending || row.status == .confirmed else {
                    throw ResponseError.conflict("a \(row.status.rawValue) pledge cannot be cancelled; ask the organisers")
                }
                try row.move(to: .cancelled, at: now, db)
                return row.tokenRecord
            case .rsvp(var row):
                try row.cancel(db, at: now)
                return try row.tokenRecord(db)
            }
        }
    }

    /// Registers a token chosen by the caller (tests and documented examples use it; the service mints its own).
    public func registerToken(_ token: String, forSignature signatureID: String) async throws {
        let now = clock()
        try await writes.write { db in
            guard let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM signature WHERE id = ?", arguments: [signatureID]) else {
                throw ResponseError.notFound("signature \(signatureID)")
            }
            try db.execute(
                sql: "INSERT OR REPLACE INTO token (hash, subjectKind, subjectSeq, createdAt) VALUES (?, 'signature', ?, ?)",
                arguments: [TokenHash.of(token), seq, now])
        }
    }
}

extension SignatureRow {
    var tokenRecord: TokenRecord {
        TokenRecord(
            kind: .signature, id: id, status: status.rawValue, name: name, organization: organization,
            showName: status == .withdrawn ? nil : showName, createdAt: signedAt, confirmedAt: confirmedAt)
    }
}
