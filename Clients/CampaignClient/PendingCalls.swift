import CampaignProtocol
import Foundation

/// Calls sent and not yet answered, by id.
///
/// A lock rather than an actor: the reader, a caller's cancellation handler and the caller itself each
/// settle a call synchronously, in whichever order they happen to run, without hopping anywhere.
/// Continuations are always resumed outside the lock.
final class PendingCalls: @unchecked Sendable {
    typealias Outcome = Result<JSONValue, any Error>

    private enum Slot {
        /// Reserved; the request is being written and the caller is not waiting yet.
        case expecting
        case waiting(CheckedContinuation<JSONValue, any Error>)
        /// Answered (or failed) before the caller started waiting: a fast reply can overtake the write.
        case settled(Outcome)
    }

    private let lock = NSLock()
    private var slots: [Int: Slot] = [:]
    private var lastID = 0
    /// Set once the connection is gone; every later call fails with it.
    private var closedWith: (any Error)?
    /// An error the service sent with `"id": null` (it could not tell which request it was about). If the
    /// service then closes the connection, that error (such as `-32006` on an admin socket) says why
    /// better than "connection closed" does.
    private var unattributed: ResponseError?

    /// Reserves an id for a request about to be written.
    func reserve() throws -> Int {
        try lock.withLock {
            if let closedWith { throw closedWith }
            lastID += 1
            slots[lastID] = .expecting
            return lastID
        }
    }

    /// Waits for the answer to a reserved id.
    func wait(for id: Int) async throws -> JSONValue {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Outcome? = lock.withLock {
                switch slots[id] {
                case .expecting:
                    slots[id] = .waiting(continuation)
                    return nil
                case .settled(let outcome):
                    slots[id] = nil
                    return outcome
                case .waiting, nil:
                    // Not reserved, or already waited for: a bug in the caller, not the peer.
                    return .failure(CampaignClientError.connectionClosed)
                }
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    /// Settles one call. An id nobody expects (a late answer to a cancelled call) is ignored.
    func settle(_ id: Int, with outcome: Outcome) {
        let continuation: CheckedContinuation<JSONValue, any Error>? = lock.withLock {
            if case .success = outcome { unattributed = nil }
            switch slots[id] {
            case .expecting:
                slots[id] = .settled(outcome)
                return nil
            case .waiting(let continuation):
                slots[id] = nil
                return continuation
            case .settled, nil:
                return nil
            }
        }
        continuation?.resume(with: outcome)
    }

    /// Forgets a reserved id whose request was never sent.
    func discard(_ id: Int) {
        lock.withLock { _ = slots.removeValue(forKey: id) }
    }

    func noteUnattributed(_ error: ResponseError) {
        lock.withLock { unattributed = error }
    }

    /// Fails every pending call, and every later one.
    func close(with error: any Error) {
        let waiting: [CheckedContinuation<JSONValue, any Error>]
        let reason: any Error
        (waiting, reason) = lock.withLock {
            if closedWith == nil { closedWith = unattributed ?? error }
            let reason = closedWith ?? error
            var waiting: [CheckedContinuation<JSONValue, any Error>] = []
            for (id, slot) in slots {
                switch slot {
                case .waiting(let continuation):
                    waiting.append(continuation)
                    slots[id] = nil
                case .expecting:
                    slots[id] = .settled(.failure(reason))
                case .settled:
                    break
                }
            }
            return (waiting, reason)
        }
        for continuation in waiting { continuation.resume(throwing: reason) }
    }

    /// Calls not yet answered.
    var count: Int { lock.withLock { slots.count } }
}
