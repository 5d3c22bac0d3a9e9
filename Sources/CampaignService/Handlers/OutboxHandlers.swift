import CampaignProtocol

extension MethodRegistry {
    /// `outbox.claim`, `outbox.ack`.
    mutating func registerOutboxHandlers(store: CampaignStore) {
        register(ClaimOutbox.self) { params, _ in
            let limit = try TextRules.limit(params.limit, default: 20, max: 100)
            let lease = params.leaseSeconds ?? 300
            guard (10...3600).contains(lease) else {
                throw ResponseError.invalidParams(field: "leaseSeconds", reason: "must be between 10 and 3600")
            }
            return ClaimOutbox.Result(messages: try await store.claimOutbox(limit: limit, leaseSeconds: lease))
        }
        register(AckOutbox.self) { params, _ in
            guard params.ids.count <= 1000 else { throw ResponseError.invalidParams(field: "ids", reason: "at most 1000 ids") }
            var ids: [Int64] = []
            for (i, id) in params.ids.enumerated() {
                guard let n = Int64(id) else { throw ResponseError.invalidParams(field: "ids[\(i)]", reason: "is not a message id") }
                ids.append(n)
            }
            return AckOutbox.Result(acknowledged: try await store.ackOutbox(ids: ids))
        }
    }
}
