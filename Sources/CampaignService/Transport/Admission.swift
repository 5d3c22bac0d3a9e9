import DequeModule
import NIOConcurrencyHelpers

/// How many requests are computed at once across every connection, handed out first come, first served.
/// Each connection's loop waits for at most one turn at a time, so the queue takes connections in
/// rotation: a new client waits for one turn of each busy connection, not for all their pipelined work.
/// A turn covers computing a reply, not delivering it: a client that does not read holds none.
final class Admission: Sendable {
    private struct State {
        var available: Int
        var waiting: Deque<CheckedContinuation<Void, Never>> = []
    }
    private let state: NIOLockedValueBox<State>
    private let limit: Int

    init(limit: Int) {
        self.limit = max(1, limit)
        state = NIOLockedValueBox(State(available: self.limit))
    }

    /// Turns held and connections waiting for one, for the metrics scrape.
    var figures: (active: Int, waiting: Int) {
        state.withLockedValue { (limit - $0.available, $0.waiting.count) }
    }

    func acquire() async {
        let admitted = state.withLockedValue { state in
            guard state.available > 0 else { return false }
            state.available -= 1
            return true
        }
        if admitted { return }
        await withCheckedContinuation { continuation in
            let admitted = state.withLockedValue { state in
                // A turn may have been released since the first look.
                guard state.available > 0 else {
                    state.waiting.append(continuation)
                    return false
                }
                state.available -= 1
                return true
            }
            if admitted { continuation.resume() }
        }
    }

    /// Passes the turn to the longest waiter, if any.
    func release() {
        let next = state.withLockedValue { state in
            guard let next = state.waiting.popFirst() else {
                state.available += 1
                return nil as CheckedContinuation<Void, Never>?
            }
            return next
        }
        next?.resume()
    }
}

/// One request's turn: released when its reply is computed, or earlier when the request only waits
/// for its commit (`CallContext.whileWaitingForCommit`); whichever comes first, once.
final class AdmissionTurn: Sendable {
    private let admission: Admission
    private let released = NIOLockedValueBox(false)

    init(_ admission: Admission) { self.admission = admission }

    func release() {
        let first = released.withLockedValue { released in
            defer { released = true }
            return !released
        }
        if first { admission.release() }
    }
}
