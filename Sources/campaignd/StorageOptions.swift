import ArgumentParser
import Foundation

/// Where the database lives and how it starts.
struct StorageOptions: ParsableArguments {
    @Option(help: "State directory (default $STATE_DIRECTORY, else ./var); made 0700.")
    var stateDir: String?

    @Option(help: "A campaign definition to import when the database is new.")
    var campaign: String?

    // CampaignStore's own default for this is a default argument, which cannot be read from here.
    @Option(help: "Seconds a write waits for a database locked by another process before -32005.")
    var busyTimeout: Int = 10

    func validate() throws { try requirePositive(busyTimeout, "--busy-timeout") }

    /// `--state-dir`, else the first of systemd's `StateDirectory=`, else `./var`.
    var stateDirectory: String {
        stateDir ?? ProcessInfo.processInfo.environment["STATE_DIRECTORY"]?.split(separator: ":").first.map(String.init) ?? "./var"
    }
}
