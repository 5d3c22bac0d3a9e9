import ArgumentParser
import CampaignService
import Foundation

/// Where the database lives and how it starts.
struct StorageOptions: ParsableArguments {
    @Option(help: "State directory (default $STATE_DIRECTORY, else ./var); made 0700.")
    var stateDir: String?

    @Option(help: "A campaign definition to import when the database is new.")
    var campaign: String?

    @Option(help: "Seconds a write waits for a database locked by another process before -32005.")
    var busyTimeout: Int = Int(CampaignStore.defaultBusyTimeout)

    @Option(help: "Hours an unconfirmed RSVP holds its seats before they go back to the waitlist.")
    var rsvpHoldHours: Int = Int(CampaignStore.defaultRSVPHoldSeconds / 3600)

    @Option(help: "Hours after a signer's first message that a still-pending signer gets one reminder (0: none).")
    var remindAfterHours: Int = Int(CampaignStore.defaultRemindAfterSeconds / 3600)

    @Option(help: "Days a message that keeps failing with temporary errors is still tried.")
    var outboxRetryDays: Int = Int(CampaignStore.defaultOutboxRetrySeconds / 86400)

    @Option(help: "Seconds before a message that failed temporarily is tried again; the wait doubles with each failure, to an hour.")
    var outboxFirstRetrySeconds: Int = Int(CampaignStore.defaultOutboxFirstRetrySeconds)

    @Option(
        help: ArgumentHelp(
            "Days after the letter closes that people's emails, addresses, user agents, postal codes and phone numbers are erased (default: kept).",
            valueName: "days"))
    var anonymiseAfter: Int?

    func validate() throws {
        try requirePositive(busyTimeout, "--busy-timeout")
        // At least a day: confirmations are taken for a day after the letter closes, by mail.
        if let anonymiseAfter { try requirePositive(anonymiseAfter, "--anonymise-after") }
        try requirePositive(rsvpHoldHours, "--rsvp-hold-hours")
        try requirePositive(outboxRetryDays, "--outbox-retry-days")
        guard (1...3600).contains(outboxFirstRetrySeconds) else {
            throw ValidationError("--outbox-first-retry-seconds must be between 1 and 3600 (the longest wait)")
        }
        guard remindAfterHours >= 0 else { throw ValidationError("--remind-after-hours must not be negative") }
    }

    /// `--state-dir`, else the first of systemd's `StateDirectory=`, else `./var`.
    var stateDirectory: String {
        stateDir ?? ProcessInfo.processInfo.environment["STATE_DIRECTORY"]?.split(separator: ":").first.map(String.init) ?? "./var"
    }
}
