import CampaignProtocol
import GRDB

extension CampaignStore {
    /// The whole page, read in one transaction so its figures agree; also when it next changes by the
    /// clock alone (an open fundraiser's `closesAt`).
    static func campaign(_ db: Database, role: Role, at now: Timestamp) throws -> (page: GetCampaign.Result, validUntil: Timestamp?) {
        let letter = try StoredLetter.fetch(db)?.letter
        let fundraiser = try StoredFundraiser.fetch(db)
        let page = GetCampaign.Result(
            letter: (letter?.status == .draft && role == .public) ? nil : letter, signatures: try Counters.signatureCounts(db, role: role),
            fundraiser: fundraiser?.view(at: now), events: try Self.events(db, role: role), tweets: try Self.tweets(db))
        let validUntil = fundraiser.flatMap { $0.isOpen(at: now) ? $0.closesAt : nil }
        return (page, validUntil)
    }

    /// `campaign.get`'s encoded result for `role`: what every visitor's page load asks for, answered
    /// from bytes kept until a commit or the clock changes them.
    func encodedCampaign(role: Role) throws -> [UInt8] {
        let now = clock()
        return try failingAsTheContractSays {
            try caches.page.value(for: role, at: now) { db in
                let (page, validUntil) = try Self.campaign(db, role: role, at: now)
                return (Array(try JSONCoding.shared.encode(page)), validUntil)
            }
        }
    }

    /// `signatures.count`'s encoded result for `role`: what crowds reload, answered on the event loop.
    func encodedSignatureCounts(role: Role) throws -> [UInt8] {
        try failingAsTheContractSays {
            try caches.counts.value(for: role, at: clock()) { db in (try Counters.signatureCounts(db, role: role).jsonBytes, nil) }
        }
    }
}

/// The store's read caches, each on a connection of its own: a page being built does not hold up the
/// counts answered on the event loop.
struct StoreCaches: Sendable {
    let counts: CommitCache<Role, [UInt8]>
    let page: CommitCache<Role, [UInt8]>
}
