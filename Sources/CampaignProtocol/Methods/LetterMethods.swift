/// `letter.get`: the letter. On a public listener a draft is `-32001`.
public struct GetLetter: ParameterlessMethod {
    public static let method = "letter.get"
    public static let role = Role.public
    public typealias Result = Letter
    public init() {}
}

/// `letter.update`: optimistic concurrency through `expectedVersion` (stale is `-32002`).
public struct UpdateLetter: RPCMethod {
    public static let method = "letter.update"
    public static let role = Role.admin
    public typealias Result = Letter

    public var expectedVersion: Int
    public var title: String?
    public var body: String?
    public var recipients: [Recipient]?
    public var signatureGoal: Int?

    public init(expectedVersion: Int, title: String? = nil, body: String? = nil, recipients: [Recipient]? = nil, signatureGoal: Int? = nil)
    {
        self.expectedVersion = expectedVersion
        self.title = title
        self.body = body
        self.recipients = recipients
        self.signatureGoal = signatureGoal
    }
}

/// `letter.setStatus`: open or close the letter (or return it to draft).
public struct SetLetterStatus: RPCMethod {
    public static let method = "letter.setStatus"
    public static let role = Role.admin
    public typealias Result = Letter

    public var status: LetterStatus
    public init(status: LetterStatus) { self.status = status }
}
