import Logging

/// What the clock does while the service runs, once a minute (and at start): RSVP holds that ran out
/// unconfirmed give their seats back, and signers still pending a while after their first message get
/// their one reminder; with `--anonymise-after`, retention runs at start and then daily (`Retention`).
/// Several processes sharing the database may all run it: each task is one write transaction and finds
/// nothing the others already did.
struct Housekeeping: Sendable {
    static let interval: Duration = .seconds(60)

    let store: CampaignStore
    let logger: Logger

    func run(isStopping: @escaping @Sendable () -> Bool) async {
        var next = ContinuousClock.now
        var started = false
        while !isStopping() {
            if ContinuousClock.now >= next {
                next = ContinuousClock.now + Self.interval
                await runOnce(atStart: !started)
                started = true
            }
            // Short sleeps: shutdown does not wait for a minute.
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    /// `atStart`: the first run of this process, which applies retention whenever it last ran.
    func runOnce(atStart: Bool = false) async {
        do {
            let expired = try await store.expireRSVPHolds()
            if expired > 0 { logger.info("RSVP holds expired", metadata: ["count": "\(expired)"]) }
            let reminded = try await store.queueReminders()
            if reminded > 0 { logger.info("reminders queued", metadata: ["count": "\(reminded)"]) }
            if let anonymised = try await store.applyRetentionIfDue(force: atStart) {
                logger.info("retention applied", metadata: ["anonymised": "\(anonymised)"])
            }
        } catch {
            logger.warning("housekeeping failed; tried again in a minute", metadata: ["error": "\(error)"])
        }
    }
}
