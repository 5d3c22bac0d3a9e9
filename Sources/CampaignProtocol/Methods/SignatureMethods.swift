/// `letter.sign`: one signature per canonical email. The reply is the same whether or not the person
/// signed before, and carries nothing read from the database; what differs goes to them by email.
public struct SignLetter: RPCMethod {
    public static let method = "letter.sign"
    public static let role = Role.public

    public var name: String
    public var email: String
    public var organization: String?
    public var jobTitle: String?
    public var isCustomer: Bool?
    /// ISO 3166-1 alpha-2.
    public var country: String?
    public var postalCode: String?
    public var comment: String?
    /// Show the name on the public list. Default false: signers opt in to being listed.
    public var showName: Bool?
    public var contactOptIn: Bool?
    /// Where the signer came from (a campaign tag such as `newsletter`).
    public var source: String?
    public var client: ClientInfo?

    public init(
        name: String, email: String, organization: String? = nil, jobTitle: String? = nil, isCustomer: Bool? = nil,
        country: String? = nil, postalCode: String? = nil, comment: String? = nil, showName: Bool? = nil,
        contactOptIn: Bool? = nil, source: String? = nil, client: ClientInfo? = nil
    ) {
        self.name = name
        self.email = email
        self.organization = organization
        self.jobTitle = jobTitle
        self.isCustomer = isCustomer
        self.country = country
        self.postalCode = postalCode
        self.comment = comment
        self.showName = showName
        self.contactOptIn = contactOptIn
        self.source = source
        self.client = client
    }

    public typealias Result = Acceptance
}

/// `signatures.count`: exact and O(1). Confirmed figures on a public listener; the admin listener adds `pending`.
public struct CountSignatures: ParameterlessMethod {
    public static let method = "signatures.count"
    public static let role = Role.public
    public typealias Result = SignatureCounts
    public init() {}
}

public enum SignatureFilter: String, WireEnum {
    case all, featured, organizations, customers
}

/// `signatures.list`: newest first, confirmed signers who chose `showName` and are not hidden.
public struct ListSignatures: RPCMethod {
    public static let method = "signatures.list"
    public static let role = Role.public
    public typealias Result = Page<PublicSignature>

    /// 1...100, default 20.
    public var limit: Int?
    public var after: String?
    public var filter: SignatureFilter?

    public init(limit: Int? = nil, after: String? = nil, filter: SignatureFilter? = nil) {
        self.limit = limit
        self.after = after
        self.filter = filter
    }
}

/// `signatures.export`: every field of every signature, oldest first, for organisers.
public struct ExportSignatures: RPCMethod {
    public static let method = "signatures.export"
    public static let role = Role.admin
    public typealias Result = Page<SignatureRecord>

    /// 1...1000, default 100.
    public var limit: Int?
    public var after: String?
    public var status: SignatureStatus?

    public init(limit: Int? = nil, after: String? = nil, status: SignatureStatus? = nil) {
        self.limit = limit
        self.after = after
        self.status = status
    }
}

public enum ModerationAction: String, WireEnum {
    case hide, unhide, feature, unfeature, invalidate, accept
}

/// `signatures.moderate`: hide, feature, invalidate, or accept a suspect.
public struct ModerateSignature: RPCMethod {
    public static let method = "signatures.moderate"
    public static let role = Role.admin
    public typealias Result = SignatureRecord

    public var signatureId: String
    public var action: ModerationAction

    public init(signatureId: String, action: ModerationAction) {
        self.signatureId = signatureId
        self.action = action
    }
}
