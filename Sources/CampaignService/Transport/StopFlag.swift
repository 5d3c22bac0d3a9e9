import Synchronization

/// Set once, by whichever stop reason comes first.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    /// True for the caller that set it.
    func set() -> Bool { !value.exchange(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}
