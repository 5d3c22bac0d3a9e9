/// Who may call a method: anyone on a public listener, or organisers on an admin listener (SPEC §2).
public enum Role: String, Codable, Sendable, CaseIterable {
    case `public`
    case admin
}

/// One JSON-RPC method. The conforming type is its params object; `Result` is what a call returns.
public protocol RPCMethod: Codable, Sendable {
    associatedtype Result: Codable & Sendable
    /// The wire name (`letter.sign`): `method`, as LSP calls it, so that it never reads like a `name` param.
    static var method: String { get }
    static var role: Role { get }
}

/// One JSON-RPC notification: a message without an id, never answered. The conforming type is its
/// params object. The service sends `CampaignChanged`; a client sends `ClickTweet`, which is also a
/// method (sent with an id, it is answered).
public protocol RPCNotification: Codable, Sendable {
    /// The wire name (`campaign.changed`).
    static var method: String { get }
}

/// A method that takes no params (`params` absent or `{}`).
public protocol ParameterlessMethod: RPCMethod {
    init()
}

/// Every method of the contract this build serves, in the order the OpenRPC document lists them.
public enum Methods {
    public static let all: [any RPCMethod.Type] = [
        Discover.self,
        ServiceHealth.self,
        ServiceStats.self,
        CheckService.self,
        GetLetter.self,
        UpdateLetter.self,
        SetLetterStatus.self,
        SignLetter.self,
        CountSignatures.self,
        ListSignatures.self,
        ExportSignatures.self,
        ModerateSignature.self,
        GetToken.self,
        ConfirmToken.self,
        CancelToken.self,
        ClaimOutbox.self,
        AckOutbox.self,
        FailOutbox.self,
        GetFundraiser.self,
        UpdateFundraiser.self,
        CreatePledge.self,
        RecentPledges.self,
        ExportPledges.self,
        SetPledgeStatus.self,
        ListEvents.self,
        GetEvent.self,
        CreateEvent.self,
        UpdateEvent.self,
        CancelEvent.self,
        CreateRSVP.self,
        ExportRSVPs.self,
        CheckInRSVP.self,
        ListTweets.self,
        SetTweets.self,
        ClickTweet.self,
        GetCampaign.self,
        Subscribe.self,
        Unsubscribe.self,
        ImportCampaign.self,
        ExportPerson.self,
        ErasePerson.self,
        BackupService.self,
    ]
}

/// Enums on the wire refuse unknown values with a reason that lists the allowed ones.
public protocol WireEnum: RawRepresentable, CaseIterable, Codable, Sendable, Hashable where RawValue == String {}

extension WireEnum {
    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(rawValue: raw) else {
            let allowed = Self.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "must be one of \(allowed)"))
        }
        self = value
    }
}
