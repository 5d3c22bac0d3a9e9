import NIOConcurrencyHelpers

/// When the last connection ended, for `--exit-when-idle`.
final class ActivityClock: Sendable {
    private let last = NIOLockedValueBox(ContinuousClock.now)
    func touch() { last.withLockedValue { $0 = .now } }
    var idleFor: Duration { last.withLockedValue { .now - $0 } }
}
