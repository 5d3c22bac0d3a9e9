import Logging

/// Ends RSVP holds that ran out unconfirmed, once a minute while the service runs (and at start), so
/// the seats of addresses that never confirm go back to the waitlist without waiting for a new RSVP.
/// Several processes sharing the database may all run it: each sweep is one write transaction and
/// finds nothing the others already expired.
struct HoldExpiry: Sendable {
    static let interval: Duration = .seconds(60)

    let store: CampaignStore
    let logger: Logger

    func run(isStopping: @escaping @Sendable () -> Bool) async {
        var next = ContinuousClock.now
        while !isStopping() {
            if ContinuousClock.now >= next {
                next = ContinuousClock.now + Self.interval
                do {
                    let expired = try await store.expireRSVPHolds()
                    if expired > 0 { logger.info("RSVP holds expired", metadata: ["count": "\(expired)"]) }
                } catch {
                    logger.warning("expiring RSVP holds failed; tried again in a minute", metadata: ["error": "\(error)"])
                }
            }
            // Short sleeps: shutdown does not wait for a minute.
            try? await Task.sleep(for: .milliseconds(250))
        }
    }
}
