import CampaignProtocol
import Crypto
import Foundation
import GRDB

/// A validated `letter.sign`.
struct NewSignature: Sendable {
    var name: String
    var email: String
    var emailCanonical: String
    var organization: String?
    var jobTitle: String?
    var isCustomer: Bool
    var country: String?
    var postalCode: String?
    var comment: String?
    var showName: Bool
    var contactOptIn: Bool
    var source: String?
    var ip: String?
    var userAgent: String?
}

/// A row of the `signature` table.
struct SignatureRow: Codable, FetchableRecord, MutablePersistableRecord, Sequenced, Sendable {
    static let databaseTableName = "signature"

    var seq: Int64?
    var id: String
    var emailCanonical: String?
    var email: String?
    var name: String?
    var organization: String?
    var jobTitle: String?
    var isCustomer: Bool
    var country: String?
    var postalCode: String?
    var comment: String?
    var showName: Bool
    var contactOptIn: Bool
    var source: String?
    var ip: String?
    var userAgent: String?
    var status: String
    var hidden: Bool
    var featured: Bool
    var messagesSent: Int
    var signedAt: Int64
    var confirmedAt: Int64?
    var withdrawnAt: Int64?

    enum Columns {
        static let seq = Column(CodingKeys.seq)
        static let id = Column(CodingKeys.id)
        static let emailCanonical = Column(CodingKeys.emailCanonical)
        static let status = Column(CodingKeys.status)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { seq = inserted.rowID }

    var signatureStatus: SignatureStatus { SignatureStatus(rawValue: status) ?? .invalidated }

    var counterState: Counters.SignatureState {
        .init(status: signatureStatus, hasOrganization: organization != nil, isCustomer: isCustomer)
    }

    var publicView: PublicSignature {
        PublicSignature(
            id: id, name: name ?? "", organization: organization, jobTitle: jobTitle, country: country, comment: comment,
            isCustomer: isCustomer, featured: featured, signedAt: Timestamp(millisecondsSince1970: signedAt))
    }

    var record: SignatureRecord {
        SignatureRecord(
            id: id, status: signatureStatus, name: name, email: email, organization: organization, jobTitle: jobTitle,
            isCustomer: isCustomer, country: country, postalCode: postalCode, comment: comment, showName: showName,
            contactOptIn: contactOptIn, source: source,
            client: ClientInfo.stored(ip: ip, userAgent: userAgent),
            hidden: hidden, featured: featured, messagesSent: messagesSent, signedAt: Timestamp(millisecondsSince1970: signedAt),
            confirmedAt: Timestamp.stored(confirmedAt),
            withdrawnAt: Timestamp.stored(withdrawnAt))
    }

    /// Erases the person's details, keeping a tombstone that totals and exports stay consistent with.
    mutating func erase(at now: Int64) {
        emailCanonical = nil
        email = nil
        name = nil
        organization = nil
        jobTitle = nil
        isCustomer = false
        country = nil
        postalCode = nil
        comment = nil
        showName = false
        contactOptIn = false
        ip = nil
        userAgent = nil
        featured = false
        status = SignatureStatus.withdrawn.rawValue
        withdrawnAt = now
    }
}

/// At most this many messages go to one signer, however often their address is submitted.
let maxMessagesPerSignature = 5

extension CampaignStore {
    /// Signs the letter. The reply is the same for a first signature and a repeat (SPEC §4.2).
    func sign(_ s: NewSignature) async throws -> SignLetter.Result {
        let now = clock()
        let limits = self.limits.signing
        let lists = abuse.lists
        return try await writes.write { db in
            // The hot path of a campaign's peak: cached statements only, no record machinery for a new signature.
            guard let letter = try Row.fetchOne(db.cachedStatement(sql: "SELECT status, confirmationRequired FROM letter WHERE id = 1"))
            else {
                throw ResponseError.notFound("no letter has been imported")
            }
            let letterStatus: String = letter[0]
            let confirmationRequired: Bool = letter[1]
            guard letterStatus == LetterStatus.open.rawValue else { throw ResponseError.closed("the letter is \(letterStatus)") }

            let lookup = try db.cachedStatement(sql: "SELECT * FROM signature WHERE emailCanonical = ?")
            if var existing = try SignatureRow.fetchOne(lookup, arguments: [s.emailCanonical]) {
                let kind: MessageKind? =
                    switch existing.signatureStatus {
                    case .pending: .signatureConfirm
                    case .confirmed: .signatureDuplicate
                    case .suspect, .invalidated, .withdrawn: nil
                    }
                if let kind, existing.messagesSent < maxMessagesPerSignature {
                    existing.messagesSent += 1
                    try existing.update(db)
                    try Outbox.enqueue(db, kind: kind, signature: existing, at: now)
                }
            } else {
                var status: SignatureStatus = confirmationRequired ? .pending : .confirmed
                if try AddressRate.check(db, scope: .signature, ip: s.ip, email: s.emailCanonical, lists: lists, limits: limits, at: now)
                    != nil
                {
                    status = .suspect
                }
                let ms = now.millisecondsSince1970
                try db.cachedStatement(
                    sql: """
                        INSERT INTO signature (id, emailCanonical, email, name, organization, jobTitle, isCustomer, country, postalCode,
                            comment, showName, contactOptIn, source, ip, userAgent, status, messagesSent, signedAt, confirmedAt)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                    Random.id(prefix: "sig"), s.emailCanonical, s.email, s.name, s.organization, s.jobTitle, s.isCustomer, s.country,
                    s.postalCode, s.comment, s.showName, s.contactOptIn, s.source, s.ip, s.userAgent, status.rawValue,
                    status == .suspect ? 0 : 1, ms, status == .confirmed ? ms : nil,
                ])
                let seq = db.lastInsertedRowID
                try Counters.transition(
                    db, from: nil, to: .init(status: status, hasOrganization: s.organization != nil, isCustomer: s.isCustomer))
                let kind: MessageKind? =
                    switch status {
                    case .pending: .signatureConfirm
                    case .confirmed: .signatureReceipt
                    default: nil
                    }
                if let kind { try Outbox.enqueue(db, kind: kind, subject: .signature, seq: seq, name: s.name, email: s.email, at: now) }
            }
            return SignLetter.Result(accepted: true, confirmationRequired: confirmationRequired, counts: try Counters.signatureCounts(db))
        }
    }

    public func signatureCounts() async throws -> SignatureCounts {
        try reading { db in try Counters.signatureCounts(db) }
    }

    /// Newest first, by key: the same cost on page one and page ten thousand.
    func listSignatures(limit: Int, after: Int64?, filter: SignatureFilter) async throws -> Page<PublicSignature> {
        let extra =
            switch filter {
            case .all: ""
            case .featured: " AND featured = 1"
            case .organizations: " AND organization IS NOT NULL"
            case .customers: " AND isCustomer = 1"
            }
        return try reading { db in
            let rows = try SignatureRow.fetchAll(
                db,
                sql: """
                    SELECT * FROM signature
                    WHERE status = 'confirmed' AND showName = 1 AND hidden = 0\(extra) AND seq < ?
                    ORDER BY seq DESC LIMIT ?
                    """,
                arguments: [after ?? Int64.max, limit + 1])
            let page = rows.prefix(limit)
            let next = rows.count > limit ? page.last?.seq.map(Cursor.encode) : nil
            return Page(items: page.map(\.publicView), next: next)
        }
    }

    /// Oldest first, every field, for organisers.
    func exportSignatures(limit: Int, after: Int64?, status: SignatureStatus?) async throws -> Page<SignatureRecord> {
        try reading { db in
            try Export.page(db, table: "signature", after: after, status: status?.rawValue, limit: limit) { (row: SignatureRow) in
                row.record
            }
        }
    }

    func moderate(signatureID: String, action: ModerationAction) async throws -> SignatureRecord {
        let now = clock()
        return try await writes.write { db in
            guard var row = try SignatureRow.filter(SignatureRow.Columns.id == signatureID).fetchOne(db) else {
                throw ResponseError.notFound("signature \(signatureID)")
            }
            let before = row.counterState
            let status = row.signatureStatus
            switch action {
            case .hide, .unhide, .feature, .unfeature:
                guard status != .withdrawn else { throw ResponseError.conflict("the signature was withdrawn") }
                if action == .hide { row.hidden = true }
                if action == .unhide { row.hidden = false }
                if action == .feature { row.featured = true }
                if action == .unfeature { row.featured = false }
            case .invalidate:
                guard status != .withdrawn else { throw ResponseError.conflict("the signature was withdrawn") }
                row.status = SignatureStatus.invalidated.rawValue
            case .accept:
                guard status == .suspect else { throw ResponseError.conflict("only a suspect signature can be accepted") }
                let letter = try StoredLetter.require(db).letter
                if letter.confirmationRequired {
                    row.status = SignatureStatus.pending.rawValue
                } else {
                    row.status = SignatureStatus.confirmed.rawValue
                    row.confirmedAt = now.millisecondsSince1970
                }
                row.messagesSent += 1
                try Outbox.enqueue(db, kind: letter.confirmationRequired ? .signatureConfirm : .signatureReceipt, signature: row, at: now)
            }
            try row.update(db)
            try Counters.transition(db, from: before, to: row.counterState)
            return row.record
        }
    }
}
