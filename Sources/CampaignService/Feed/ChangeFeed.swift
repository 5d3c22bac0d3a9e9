import CampaignProtocol
import Foundation
import NIOConcurrencyHelpers

/// Live counters (`campaign.subscribe` → `campaign.changed`).
///
/// While anyone is subscribed, a dedicated connection asks SQLite's `PRAGMA data_version` four times a
/// second; it changes when any connection, in this process or another sharing the file (`Accept=yes`),
/// commits. Only then are the figures read (a few counter rows, never a recount), compared with the
/// last ones, and the topics that changed are handed to each subscribed connection. A connection holds
/// at most one pending notification, merged, so a slow reader costs nothing more: at most about four a
/// second reach it. Figures are per role: a public subscriber sees what confirmed actions moved, and is
/// not told when only an unconfirmed one did.
public final class ChangeFeed: Sendable {
    static let interval: Duration = .milliseconds(250)

    let store: CampaignStore
    private let state = NIOLockedValueBox(State())

    struct State {
        var sessions: [ObjectIdentifier: Session] = [:]
        var last: [Role: [Topic: JSONValue]] = [:]
        var version: Int?
    }

    init(store: CampaignStore) { self.store = store }

    /// One connection's subscription.
    public final class Session: Sendable {
        struct Inner {
            var topics: Set<Topic> = []
            var pending: [Topic: JSONValue] = [:]
            var closed = false
        }

        private let inner = NIOLockedValueBox(Inner())
        let role: Role
        let signals: AsyncStream<Void>
        private let signal: AsyncStream<Void>.Continuation

        init(role: Role) {
            self.role = role
            (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        }

        var topics: Set<Topic> { inner.withLockedValue { $0.topics } }

        func update(_ change: (inout Set<Topic>) -> Void) -> Set<Topic>? {
            inner.withLockedValue { inner in
                guard !inner.closed else { return nil }
                change(&inner.topics)
                inner.pending = inner.pending.filter { inner.topics.contains($0.key) }
                return inner.topics
            }
        }

        func offer(_ changed: [Topic: JSONValue]) {
            let wanted = inner.withLockedValue { inner -> Bool in
                let relevant = changed.filter { inner.topics.contains($0.key) }
                guard !inner.closed, !relevant.isEmpty else { return false }
                inner.pending.merge(relevant) { $1 }
                return true
            }
            if wanted { signal.yield() }
        }

        /// The `campaign.changed` frame for what is pending, if anything.
        func takeNotification() -> [UInt8]? {
            let pending = inner.withLockedValue { inner -> [Topic: JSONValue] in
                defer { inner.pending = [:] }
                return inner.pending
            }
            guard !pending.isEmpty else { return nil }
            var params: [String: JSONValue] = [:]
            for (topic, value) in pending { params[topic.rawValue] = value }
            let message: JSONValue = .object([
                "jsonrpc": .string("2.0"), "method": .string(CampaignChanged.method), "params": .object(params),
            ])
            return Array(JSONWriter.string(message).utf8)
        }

        func close() {
            inner.withLockedValue { $0.closed = true }
            signal.finish()
        }
    }

    public func openSession(role: Role) -> Session { Session(role: role) }

    /// Subscribes; takes the current figures as the baseline when the feed was idle.
    func subscribe(_ session: Session, to topics: [Topic]) async throws -> [Topic] {
        if state.withLockedValue({ $0.version == nil }) {
            let version = try await store.dataVersion()
            let snapshot = try await store.topicFigures()
            state.withLockedValue { state in
                if state.version == nil {
                    state.version = version
                    state.last = snapshot
                }
            }
        }
        guard let now = session.update({ $0.formUnion(topics) }) else { throw ResponseError.unavailable("the connection is closing") }
        state.withLockedValue { $0.sessions[ObjectIdentifier(session)] = session }
        return Topic.allCases.filter(now.contains)
    }

    func unsubscribe(_ session: Session, from topics: [Topic]?) -> [Topic] {
        let now =
            session.update { current in
                if let topics { current.subtract(topics) } else { current.removeAll() }
            } ?? []
        if now.isEmpty { remove(session) }
        return Topic.allCases.filter(now.contains)
    }

    /// The connection went away.
    func close(_ session: Session) {
        session.close()
        remove(session)
    }

    private func remove(_ session: Session) {
        state.withLockedValue { state in
            state.sessions[ObjectIdentifier(session)] = nil
            if state.sessions.isEmpty {
                state.version = nil
                state.last = [:]
            }
        }
    }

    var subscriberCount: Int { state.withLockedValue { $0.sessions.count } }

    /// Watches for commits until `isStopping` says so.
    func run(isStopping: @escaping @Sendable () -> Bool) async {
        while !isStopping() {
            try? await Task.sleep(for: Self.interval)
            guard subscriberCount > 0 else { continue }
            do {
                try await poll()
            } catch {
                // A busy or failing read is tried again on the next tick.
            }
        }
    }

    /// One look: publishes the topics whose figures changed since the last.
    func poll() async throws {
        let version = try await store.dataVersion()
        guard state.withLockedValue({ $0.version != nil && $0.version != version }) else { return }
        let figures = try await store.topicFigures()
        let (changed, sessions) = state.withLockedValue { state -> ([Role: [Topic: JSONValue]], [Session]) in
            state.version = version
            var changed: [Role: [Topic: JSONValue]] = [:]
            for (role, now) in figures {
                changed[role] = now.filter { state.last[role]?[$0.key] != $0.value }
            }
            state.last = figures
            return (changed, Array(state.sessions.values))
        }
        for session in sessions {
            if let mine = changed[session.role], !mine.isEmpty { session.offer(mine) }
        }
    }
}
