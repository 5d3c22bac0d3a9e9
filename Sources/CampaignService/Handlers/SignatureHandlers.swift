import CampaignProtocol

extension MethodRegistry {
    /// `letter.sign`, `signatures.count`, `signatures.list`, `signatures.export`, `signatures.moderate`.
    mutating func registerSignatureHandlers(store: CampaignStore) {
        register(SignLetter.self) { params, context in
            try await store.sign(try NewSignature(validating: params), whileWaiting: context.whileWaitingForCommit)
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
        contact = try ValidatedContact(name: p.name, email: p.email, contactOptIn: p.contactOptIn, source: p.source, client: p.client)
        organization = try TextRules.optional(p.organization, field: "organization", max: TextRules.organization)
        jobTitle = try TextRules.optional(p.jobTitle, field: "jobTitle", max: TextRules.jobTitle)
        isCustomer = p.isCustomer ?? false
        country = try TextRules.country(p.country, field: "country")
        postalCode = try TextRules.optional(p.postalCode, field: "postalCode", max: TextRules.postalCode)
        comment = try TextRules.optional(p.comment, field: "comment", max: TextRules.comment, multiline: true)
        showName = p.showName ?? false
    }
}
