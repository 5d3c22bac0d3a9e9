import CampaignProtocol

extension MethodRegistry {
    /// `fundraiser.get`, `fundraiser.update`, `pledges.create`, `pledges.recent`, `pledges.export`, `pledges.setStatus`.
    mutating func registerFundraiserHandlers(store: CampaignStore) {
        register(GetFundraiser.self) { _, _ in try await store.fundraiser() }
        register(UpdateFundraiser.self) { params, _ in try await store.updateFundraiser(try FundraiserChanges(validating: params)) }
        register(CreatePledge.self) { params, context in
            try await store.createPledge(try NewPledge(validating: params), whileWaiting: context.whileWaitingForCommit)
        }
        register(RecentPledges.self) { params, _ in
            RecentPledges.Result(items: try await store.recentPledges(limit: try TextRules.limit(params.limit, default: 10, max: 100)))
        }
        register(ExportPledges.self) { params, _ in
            try await store.exportPledges(
                limit: try TextRules.limit(params.limit, default: 100, max: 1000), after: try Cursor.decode(params.after),
                status: params.status)
        }
        register(SetPledgeStatus.self) { params, _ in try await store.setPledgeStatus(pledgeID: params.pledgeId, status: params.status) }
    }
}

extension NewPledge {
    init(validating p: CreatePledge) throws(ResponseError) {
        contact = try ValidatedContact(name: p.name, email: p.email, contactOptIn: p.contactOptIn, source: p.source, client: p.client)
        amount = try MoneyRules.amount(p.amount, field: "amount")
        showName = p.showName ?? false
        message = try TextRules.optional(p.message, field: "message", max: TextRules.message, multiline: true)
        idempotencyKey = try TextRules.optional(p.idempotencyKey, field: "idempotencyKey", max: 128)
    }
}
