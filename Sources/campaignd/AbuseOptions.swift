import ArgumentParser
import CampaignService

/// SPEC §5: per-address limits, with `AbuseLimits`' defaults, and the organisers' lists.
struct AbuseOptions: ParsableArguments {
    private static let defaults = AbuseLimits()

    @Option(help: "New signatures per address in the burst window before they are kept as suspect.")
    var signBurst: Int = AbuseOptions.defaults.signing.burst

    @Option(help: "New signatures per address in the sustained window before they are kept as suspect.")
    var signSustained: Int = AbuseOptions.defaults.signing.sustained

    @Option(help: "New pledges per address a minute before -32004.")
    var pledgeBurst: Int = AbuseOptions.defaults.pledging.burst

    @Option(help: "New pledges per address an hour before -32004.")
    var pledgeSustained: Int = AbuseOptions.defaults.pledging.sustained

    @Option(help: "New RSVPs per address a minute before -32004.")
    var rsvpBurst: Int = AbuseOptions.defaults.rsvping.burst

    @Option(help: "New RSVPs per address in ten minutes before -32004.")
    var rsvpSustained: Int = AbuseOptions.defaults.rsvping.sustained

    @Option(
        help: ArgumentHelp(
            "Allow- and block-list: lines `allow RANGE`, `block RANGE`, `block @DOMAIN`, `block EMAIL`; read again on SIGHUP.",
            valueName: "file"))
    var abuseList: String?

    func validate() throws {
        for (name, value) in [
            ("--sign-burst", signBurst), ("--sign-sustained", signSustained), ("--pledge-burst", pledgeBurst),
            ("--pledge-sustained", pledgeSustained), ("--rsvp-burst", rsvpBurst), ("--rsvp-sustained", rsvpSustained),
        ] {
            try requirePositive(value, name)
        }
    }

    /// The counts given; the windows stay the defaults'.
    var limits: AbuseLimits {
        var limits = Self.defaults
        limits.signing.burst = signBurst
        limits.signing.sustained = signSustained
        limits.pledging.burst = pledgeBurst
        limits.pledging.sustained = pledgeSustained
        limits.rsvping.burst = rsvpBurst
        limits.rsvping.sustained = rsvpSustained
        return limits
    }

    /// The lists in force at start; none without `--abuse-list`.
    func lists() throws -> AbuseLists {
        guard let abuseList else { return AbuseLists() }
        do {
            return try AbuseListReloader.load(abuseList)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
