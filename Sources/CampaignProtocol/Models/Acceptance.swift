/// The reply to `letter.sign`, `pledges.create` and `rsvps.create`: the same for a new and a repeated
/// person, and nothing read from the database, so that nobody learns from it whether an email took part.
/// What differs goes to that person by email.
public struct Acceptance: Codable, Sendable, Hashable {
    public var accepted: Bool
    /// Whether a message with a link must be answered before the action counts.
    public var confirmationRequired: Bool

    public init(accepted: Bool = true, confirmationRequired: Bool) {
        self.accepted = accepted
        self.confirmationRequired = confirmationRequired
    }
}
