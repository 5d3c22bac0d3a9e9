import CampaignProtocol
import Crypto
import Foundation
import GRDB

/// A validated `letter.sign`.
struct NewSignature: CarriesContact, Sendable {
    var contact: ValidatedContact
    var organization: String?
    var jobTitle: String?
    var isCustomer: Bool
    var country: String?
    var postalCode: String?
    var comment: String?
    var showName: Bool
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
    var status: SignatureStatus
    var hidden: Bool
    var featured: Bool
    var messagesSent: Int
    /// Times the same email signed again: each is a write, so that a repeat costs what a first signature does.
    var repeats: Int
    var signedAt: Timestamp
    var confirmedAt: Timestamp?
    var withdrawnAt: Timestamp?
    var deliveryState: DeliveryState?
    var deliveryReason: String?
    var deliveryAt: Timestamp?
    /// When the first message to this signer was acknowledged, for the one reminder.
    var firstSentAt: Timestamp?
    var remindedAt: Timestamp?

    enum Columns {
        static let seq = Column(CodingKeys.seq)
        static let id = Column(CodingKeys.id)
        static let emailCanonical = Column(CodingKeys.emailCanonical)
        static let status = Column(CodingKeys.status)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { seq = inserted.rowID }

    var counterState: Counters.SignatureState {
        .init(status: status, hasOrganization: organization != nil, isCustomer: isCustomer)
    }

    var publicView: PublicSignature {
        PublicSignature(
            id: id, name: name ?? "", organization: organization, jobTitle: jobTitle, country: country, comment: comment,
            isCustomer: isCustomer, featured: featured, signedAt: signedAt)
    }

    var record: SignatureRecord {
        SignatureRecord(
            id: id, status: status, name: name, email: email, organization: organization, jobTitle: jobTitle,
            isCustomer: isCustomer, country: country, postalCode: postalCode, comment: comment, showName: showName,
            contactOptIn: contactOptIn, source: source,
            client: ClientInfo.stored(ip: ip, userAgent: userAgent),
            hidden: hidden, featured: featured, messagesSent: messagesSent, signedAt: signedAt, confirmedAt: confirmedAt,
            withdrawnAt: withdrawnAt, delivery: Delivery.stored(deliveryState, deliveryReason, deliveryAt))
    }

    /// Erases the person's details, keeping a tombstone that totals and exports stay consistent with.
    mutating func erase(at now: Timestamp) {
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
        // A mail server's reply may quote the address.
        deliveryReason = nil
        featured = false
        status = .withdrawn
        withdrawnAt = now
    }
}

/// At most this many messages go to one signer, however often their address is submitted.
let maxMessagesPerSignature = 5

extension CampaignStore {
    /// Signs the letter. The reply is the same for a first signature and a repeat, and every call,
    /// repeat or not, writes (the address's attempt, the repeat) and waits for its commit: neither what
    /// it says nor how long it takes tells whether the email had signed.
    func sign(_ s: NewSignature, whileWaiting: GroupCommit.Waiting? = nil) async throws -> Acceptance {
        let now = clock()
        let limits = self.limits.signing
        let lists = abuse.lists
        return try await writes.write(whileWaiting: whileWaiting) { db in
            // The hot path of a campaign's peak: cached statements only, no record machinery for a new signature.
            guard let letter = try Row.fetchOne(db.cachedStatement(sql: "SELECT status, confirmationRequired FROM letter WHERE id = 1"))
            else {
                throw ResponseError.notFound("no letter has been imported")
            }
            let letterStatus: LetterStatus = try letter.decode(atIndex: 0)
            let confirmationRequired: Bool = try letter.decode(atIndex: 1)
            guard letterStatus == .open else { throw ResponseError.closed("the letter is \(letterStatus.rawValue)") }
            // Every attempt from an address counts, a repeat too: a limit that only new emails used up
            // would tell a stranger which of the emails they sent had signed before.
            let overLimit =
                try AddressRate.check(db, scope: .signature, ip: s.address, email: s.emailCanonical, lists: lists, limits: limits, at: now)
                != nil

            let lookup = try db.cachedStatement(sql: "SELECT * FROM signature WHERE emailCanonical = ?")
            if var existing = try SignatureRow.fetchOne(lookup, arguments: [s.emailCanonical]) {
                existing.repeats += 1
                let kind: MessageKind? =
                    switch existing.status {
                    case .pending: .signatureConfirm
                    case .confirmed: .signatureDuplicate
                    case .suspect, .invalidated, .withdrawn: nil
                    }
                if let kind, !overLimit, existing.messagesSent < maxMessagesPerSignature {
                    existing.messagesSent += 1
                    try Outbox.enqueue(db, kind: kind, signature: existing, at: now)
                }
                try existing.update(db)
            } else {
                let status: SignatureStatus = overLimit ? .suspect : confirmationRequired ? .pending : .confirmed
                try db.cachedStatement(
                    sql: """
                        INSERT INTO signature (id, emailCanonical, email, name, organization, jobTitle, isCustomer, country, postalCode,
                            comment, showName, contactOptIn, source, ip, userAgent, status, messagesSent, signedAt, confirmedAt)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                    Random.id(prefix: "sig"), s.emailCanonical, s.email, s.name, s.organization, s.jobTitle, s.isCustomer, s.country,
                    s.postalCode, s.comment, s.showName, s.contactOptIn, s.source, s.ip, s.userAgent, status,
                    status == .suspect ? 0 : 1, now, status == .confirmed ? now : nil,
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
            return Acceptance(confirmationRequired: confirmationRequired)
        }
    }

    public func signatureCounts(role: Role) async throws -> SignatureCounts {
        try reading { db in try Counters.signatureCounts(db, role: role) }
    }

    /// Newest first, by key: the same cost on page one and page ten thousand. The cursor is the id of
    /// the last signer returned, which says nothing about the rows around it (a row number would count
    /// the pending and suspect signatures in between).
    func listSignatures(limit: Int, after: String?, filter: SignatureFilter) async throws -> Page<PublicSignature> {
        let extra =
            switch filter {
            case .all: ""
            case .featured: " AND featured = 1"
            case .organizations: " AND organization IS NOT NULL"
            case .customers: " AND isCustomer = 1"
            }
        return try reading { db in
            var before = Int64.max
            if let after {
                guard after.utf8.count <= 64,
                    let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM signature WHERE id = ?", arguments: [after])
                else { throw ResponseError.invalidParams(field: "after", reason: "is not a cursor this service returned") }
                before = seq
            }
            let rows = try SignatureRow.fetchAll(
                db,
                sql: """
                    SELECT * FROM signature
                    WHERE status = 'confirmed' AND showName = 1 AND hidden = 0\(extra) AND seq < ?
                    ORDER BY seq DESC LIMIT ?
                    """,
                arguments: [before, limit + 1])
            let page = rows.prefix(limit)
            let next = rows.count > limit ? page.last?.id : nil
            return Page(items: page.map(\.publicView), next: next)
        }
    }

    /// Oldest first, every field, for organisers.
    func exportSignatures(limit: Int, after: Int64?, status: SignatureStatus?) async throws -> Page<SignatureRecord> {
        try reading { db in
            try ExportPage.read(db, table: "signature", after: after, status: status, limit: limit) { (row: SignatureRow) in
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
            let status = row.status
            switch action {
            case .hide, .unhide, .feature, .unfeature:
                guard status != .withdrawn else { throw ResponseError.conflict("the signature was withdrawn") }
                if action == .hide { row.hidden = true }
                if action == .unhide { row.hidden = false }
                if action == .feature { row.featured = true }
                if action == .unfeature { row.featured = false }
            case .invalidate:
                guard status != .withdrawn else { throw ResponseError.conflict("the signature was withdrawn") }
                row.status = .invalidated
            case .accept:
                guard status == .suspect else { throw ResponseError.conflict("only a suspect signature can be accepted") }
                let letter = try StoredLetter.require(db).letter
                if letter.confirmationRequired {
                    row.status = .pending
                } else {
                    row.status = .confirmed
                    row.confirmedAt = now
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
