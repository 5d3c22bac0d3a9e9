import Logging

/// What the clock does while the service runs, once a minute (and at start): RSVP holds that ran out
/// unconfirmed give their seats back, and signers still pending a while after their first message get
/// their one reminder. Several processes sharing the database may all run it: each task is one write
/// transaction and finds nothing the others already did.
struct Housekeeping: Sendable {
    static let interval: Duration = .seconds(60)

    let store: CampaignStore
    let logger: Logger

    func run(isStopping: @escaping @Sendable () -> Bool) async {
        var next = ContinuousClock.now
        while !isStopping() {
            if ContinuousClock.now >= next {
                next = ContinuousClock.now + Self.interval
                await runOnce()
            }
            // Short sleeps: shutdown does not wait for a minute.
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    func runOnce() async {
        do {
            let expired = try await store.expireRSVPHolds()
            if expired > 0 { logger.info("RSVP holds expired", metadata: ["count": "\(expired)"]) }
            let reminded = try await store.queueReminders()
            if reminded > 0 { logger.info("reminders queued", metadata: ["count": "\(reminded)"]) }
        } catch {
            logger.warning("housekeeping failed; tried again in a minute", metadata: ["error": "\(error)"])
        }
    }
}
