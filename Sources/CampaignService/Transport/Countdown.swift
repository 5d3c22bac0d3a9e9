import Synchronization

/// Counts down to zero from any task.
final class Countdown: Sendable {
    private let value: Atomic<Int>
    init(_ count: Int) { value = Atomic(count) }
    /// True for the caller that reached zero.
    func tick() -> Bool { value.subtract(1, ordering: .relaxed).newValue == 0 }
}
