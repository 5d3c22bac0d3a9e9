import CampaignProtocol

/// The person behind a signature, pledge or RSVP, checked once by the same rules (SPEC §3): a name with
/// something to read, an email and its canonical form, where they came from and how they reached us.
struct ValidatedContact: Sendable {
    var name: String
    var email: String
    /// One per person (`Email.canonical`): repeats and blocked emails are matched on it.
    var emailCanonical: String
    var contactOptIn: Bool
    var source: String?
    /// The visitor's address as parsed; per-address limits and the organisers' ranges read it.
    var address: IPAddress?
    var userAgent: String?

    /// The address as records keep it: one spelling of it, so that organisers see one address as one.
    var ip: String? { address?.text }

    /// Checks the contact fields of a request; the first bad one is named in the error.
    init(name: String, email: String, contactOptIn: Bool?, source: String?, client: ClientInfo?) throws(ResponseError) {
        self.name = try TextRules.personName(name, field: "name")
        self.email = try Email.validate(email)
        emailCanonical = Email.canonical(self.email)
        self.contactOptIn = contactOptIn ?? false
        self.source = try TextRules.optional(source, field: "source", max: TextRules.source)
        address = try client?.ip.map { v throws(ResponseError) in try IPAddress.validate(v, field: "client.ip") }
        userAgent = try TextRules.optional(client?.userAgent, field: "client.userAgent", max: TextRules.userAgent)
    }
}

/// A validated write that carries a contact: `s.name`, `s.emailCanonical`, `s.ip` read through to it.
@dynamicMemberLookup
protocol CarriesContact {
    var contact: ValidatedContact { get }
}

extension CarriesContact {
    subscript<T>(dynamicMember path: KeyPath<ValidatedContact, T>) -> T { contact[keyPath: path] }
}
