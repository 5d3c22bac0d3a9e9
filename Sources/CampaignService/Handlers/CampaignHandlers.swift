import CampaignProtocol
import GRDB
import Synchronization

extension MethodRegistry {
    /// `campaign.get`, `campaign.subscribe`, `campaign.unsubscribe`, `campaign.import`.
    mutating func registerCampaignHandlers(store: CampaignStore, feed: ChangeFeed, page: CampaignPageCache) {
        // What every page view asks for: answered from bytes kept until the database or the clock changes it.
        registerRaw(GetCampaign.self) { context in try page.bytes(role: context.role) }
        register(Subscribe.self) { params, context in
            guard let session = context.session else {
                throw ResponseError.unavailable("this connection cannot receive notifications")
            }
            guard !params.topics.isEmpty else { throw ResponseError.invalidParams(field: "topics", reason: "must name at least one topic") }
            return Subscribe.Result(topics: try await feed.subscribe(session, to: params.topics))
        }
        register(Unsubscribe.self) { params, context in
            guard let session = context.session else { return Subscribe.Result(topics: []) }
            return Subscribe.Result(topics: feed.unsubscribe(session, from: params.topics))
        }
        register(ImportCampaign.self) { params, _ in
            let definition = try ValidatedDefinition(params.definition)
            guard let result = try await store.importDefinition(definition, onlyIfNew: false) else {
                throw ResponseError.internalError("the import was not applied")
            }
            return result
        }
    }
}

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
}

/// `campaign.get`'s encoded reply per role, kept until `PRAGMA data_version` of the store's page reader
/// connection changes (any commit, by this process or another: exact, as `CountsCache`) or the clock
/// reaches the moment the page would change by itself.
final class CampaignPageCache: Sendable {
    private struct Entry {
        var version: Int
        var validUntil: Timestamp?
        var bytes: [UInt8]
    }
    private let store: CampaignStore
    private let entries = Mutex<[Role: Entry]>([:])

    init(store: CampaignStore) { self.store = store }

    func bytes(role: Role) throws -> [UInt8] {
        let now = store.clock()
        return try store.pageReader.read { db in
            let version = try Int.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? -1
            if let hit = entries.withLock({ $0[role] }), hit.version == version, hit.validUntil.map({ now < $0 }) ?? true {
                return hit.bytes
            }
            let (page, validUntil) = try CampaignStore.campaign(db, role: role, at: now)
            let bytes = try Array(JSONCoding.shared.encode(page))
            entries.withLock { $0[role] = Entry(version: version, validUntil: validUntil, bytes: bytes) }
            return bytes
        }
    }
}
