import CampaignProtocol
import Foundation

extension MethodRegistry {
    /// `letter.sign`, `signatures.count`, `signatures.list`, `signatures.export`, `signatures.moderate`.
    mutating func registerSignatureHandlers(store: CampaignStore) {
        register(SignLetter.self) { params, _ in
            try await store.sign(try NewSignature(validating: params))
        }
        register(CountSignatures.self) { _, context in
            try await store.signatureCounts(role: context.role)
        }
        register(ListSignatures.self) { params, _ in
            try await store.listSignatures(
                limit: try TextRules.limit(params.limit, default: 20, max: 100), after: params.after, filter: params.filter ?? .all)
        }
        register(ExportSignatures.self) { params, _ in
            try await store.exportSignatures(
                limit: try TextRules.limit(params.limit, default: 100, max: 1000), after: try Cursor.decode(params.after),
                status: params.status)
        }
        register(ModerateSignature.self) { params, _ in
            try await store.moderate(signatureID: params.signatureId, action: params.action)
        }
    }
}

extension NewSignature {
    /// Every field checked (SPEC §3); the first bad one is named in the error.
    init(validating p: SignLetter) throws(ResponseError) {
        name = try TextRules.required(p.name, field: "name", max: TextRules.name)
        email = try Email.validate(p.email)
        emailCanonical = Email.canonical(email)
        organization = try TextRules.optional(p.organization, field: "organization", max: TextRules.organization)
        jobTitle = try TextRules.optional(p.jobTitle, field: "jobTitle", max: TextRules.jobTitle)
        isCustomer = p.isCustomer ?? false
        country = try TextRules.country(p.country, field: "country")
        postalCode = try TextRules.optional(p.postalCode, field: "postalCode", max: TextRules.postalCode)
        comment = try TextRules.optional(p.comment, field: "comment", max: TextRules.comment, multiline: true)
        showName = p.showName ?? false
        contactOptIn = p.contactOptIn ?? false
        source = try TextRules.optional(p.source, field: "source", max: TextRules.source)
        ip = try p.client?.ip.map { v throws(ResponseError) in try IPAddress.validate(v, field: "client.ip") }
        userAgent = try TextRules.optional(p.client?.userAgent, field: "client.userAgent", max: TextRules.userAgent)
    }
}

/// Visitor addresses as frontends pass them: IPv4 or IPv6 text.
enum IPAddress {
    static func validate(_ value: String, field: String) throws(ResponseError) -> String {
        var v4 = in_addr()
        var v6 = in6_addr()
        guard value.utf8.count <= 45, inet_pton(AF_INET, value, &v4) == 1 || inet_pton(AF_INET6, value, &v6) == 1 else {
            throw .invalidParams(field: field, reason: "must be an IPv4 or IPv6 address")
        }
        return value
    }
}
