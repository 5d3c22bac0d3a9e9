import CampaignProtocol
import Foundation

/// The typed notification streams of one connection, by wire method.
///
/// A lock, as `PendingCalls`: the reader delivers synchronously, and a stream's end removes it from
/// whichever task ends it. Streams are yielded to outside the lock.
final class Subscriptions: @unchecked Sendable {
    struct Route {
        let method: String
        let deliver: @Sendable (JSONValue?) -> Void
        let finish: @Sendable () -> Void
    }

    private let lock = NSLock()
    private var routes: [Int: Route] = [:]
    private var lastID = 0
    private var ended = false

    /// Adds a route; nil once the connection has ended (the caller finishes its stream at once).
    func add(_ route: Route) -> Int? {
        lock.withLock {
            guard !ended else { return nil }
            lastID += 1
            routes[lastID] = route
            return lastID
        }
    }

    func remove(_ id: Int) {
        lock.withLock { _ = routes.removeValue(forKey: id) }
    }

    func deliver(method: String, params: JSONValue?) {
        let matching = lock.withLock { routes.values.filter { $0.method == method } }
        for route in matching { route.deliver(params) }
    }

    /// The connection ended: every stream ends, and later ones end at once.
    func end() {
        let all = lock.withLock {
            ended = true
            defer { routes = [:] }
            return Array(routes.values)
        }
        for route in all { route.finish() }
    }
}
