public enum LetterStatus: String, WireEnum {
    case draft, open, closed
}

/// Someone the letter is addressed to.
public struct Recipient: Codable, Sendable, Hashable {
    public var name: String
    public var role: String?
    public var organization: String?
    /// A social handle such as `@ceo`.
    public var handle: String?

    public init(name: String, role: String? = nil, organization: String? = nil, handle: String? = nil) {
        self.name = name
        self.role = role
        self.organization = organization
        self.handle = handle
    }
}

public struct Letter: Codable, Sendable, Hashable {
    public var title: String
    /// Markdown.
    public var body: String
    public var recipients: [Recipient]
    public var status: LetterStatus
    public var version: Int
    public var updatedAt: Timestamp
    public var signatureGoal: Int?
    public var confirmationRequired: Bool

    public init(
        title: String, body: String, recipients: [Recipient], status: LetterStatus, version: Int, updatedAt: Timestamp,
        signatureGoal: Int?, confirmationRequired: Bool
    ) {
        self.title = title
        self.body = body
        self.recipients = recipients
        self.status = status
        self.version = version
        self.updatedAt = updatedAt
        self.signatureGoal = signatureGoal
        self.confirmationRequired = confirmationRequired
    }
}
