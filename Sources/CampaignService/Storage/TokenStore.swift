import CampaignProtocol
import Foundation
import GRDB

/// Confirmation stays possible this long after the letter closes (mail is slow).
let confirmationGraceSeconds: Int64 = 24 * 3600

extension CampaignStore {
    func tokenRecord(token: String) async throws -> TokenRecord {
        try await pool.read { db in try Self.signature(for: token, db).tokenRecord }
    }

    /// Confirms a pending signature; idempotent.
    func confirm(token: String) async throws -> TokenRecord {
        let now = clock()
        return try await pool.write { db in
            var row = try Self.signature(for: token, db)
            switch row.signatureStatus {
            case .confirmed:
                return row.tokenRecord
            case .pending:
                let stored = try StoredLetter.require(db)
                let open = stored.letter.status == .open
                let inGrace =
                    stored.letter.status == .closed
                    && (stored.closedAt.map { now.millisecondsSince1970 < $0.millisecondsSince1970 + confirmationGraceSeconds * 1000 }
                        ?? false)
                guard open || inGrace else { throw ResponseError.closed("the letter is \(stored.letter.status.rawValue)") }
                let before = row.counterState
                row.status = SignatureStatus.confirmed.rawValue
                row.confirmedAt = now.millisecondsSince1970
                try row.update(db)
                try Counters.transition(db, from: before, to: row.counterState)
                return row.tokenRecord
            case .withdrawn, .invalidated, .suspect:
                throw ResponseError.conflict("the signature is \(row.status)")
            }
        }
    }

    /// Withdraws the signature: erases the person's details and keeps a tombstone; idempotent.
    func cancel(token: String) async throws -> TokenRecord {
        let now = clock()
        return try await pool.write { db in
            var row = try Self.signature(for: token, db)
            guard row.signatureStatus != .withdrawn, let seq = row.seq else { return row.tokenRecord }
            let before = row.counterState
            row.erase(at: now.millisecondsSince1970)
            try row.update(db)
            try Counters.transition(db, from: before, to: row.counterState)
            try Outbox.forget(db, signatureSeq: seq)
            return row.tokenRecord
        }
    }

    static func signature(for token: String, _ db: Database) throws -> SignatureRow {
        guard
            let row = try SignatureRow.fetchOne(
                db,
                sql:
                    "SELECT signature.* FROM token JOIN signature ON signature.seq = token.subjectSeq WHERE token.hash = ? AND token.subjectKind = 'signature'",
                arguments: [TokenHash.of(token)])
        else { throw ResponseError.notFound("unknown token") }
        return row
    }

    /// Registers a token chosen by the caller (tests and documented examples use it; the service mints its own).
    public func registerToken(_ token: String, forSignature signatureID: String) async throws {
        let now = clock()
        try await pool.write { db in
            guard let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM signature WHERE id = ?", arguments: [signatureID]) else {
                throw ResponseError.notFound("signature \(signatureID)")
            }
            try db.execute(
                sql: "INSERT OR REPLACE INTO token (hash, subjectKind, subjectSeq, createdAt) VALUES (?, 'signature', ?, ?)",
                arguments: [TokenHash.of(token), seq, now.millisecondsSince1970])
        }
    }
}

extension SignatureRow {
    var tokenRecord: TokenRecord {
        TokenRecord(
            kind: .signature, id: id, status: status, name: name, organization: organization,
            showName: signatureStatus == .withdrawn ? nil : showName,
            createdAt: Timestamp(millisecondsSince1970: signedAt),
            confirmedAt: confirmedAt.map(Timestamp.init(millisecondsSince1970:)))
    }
}
