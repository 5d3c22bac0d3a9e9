import NIOConcurrencyHelpers
import NIOCore

/// Connections accepted and being set up, not yet handed to an accept loop that serves them. NIO drops a connection whose listener
/// closes while it is being set up, neither serving nor closing it (its memory and descriptor leak;
/// LeakSanitizer caught it at shutdown): once every listener is closed, `closeAll` closes what is left,
/// and a connection set up after that is closed at once. (A NIOLock, not Synchronization.Mutex, whose
/// futex ThreadSanitizer cannot see: it reported this lock's own accesses as a race.)
final class PendingConnections: Sendable {
    private let state = NIOLockedValueBox<(channels: [ObjectIdentifier: any Channel], closed: Bool)>(([:], false))

    /// False once `closeAll` ran: the caller closes the connection.
    func add(_ channel: any Channel) -> Bool {
        state.withLockedValue { state in
            guard !state.closed else { return false }
            state.channels[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    func remove(_ channel: any Channel) {
        _ = state.withLockedValue { $0.channels.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    func closeAll() {
        let left = state.withLockedValue { state in
            state.closed = true
            defer { state.channels = [:] }
            return Array(state.channels.values)
        }
        for channel in left { channel.close(promise: nil) }
    }
}
