import CampaignProtocol

extension MethodRegistry {
    /// `outbox.claim`, `outbox.ack`, `outbox.fail`.
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
            AckOutbox.Result(acknowledged: try await store.ackOutbox(ids: try OutboxIDs.validate(params.ids)))
        }
        register(FailOutbox.self) { params, _ in
            let ids = try OutboxIDs.validate(params.ids)
            let reason = try TextRules.required(params.reason, field: "reason", max: TextRules.message)
            if let seconds = params.retryAfterSeconds, !(1...86400).contains(seconds) {
                throw ResponseError.invalidParams(field: "retryAfterSeconds", reason: "must be between 1 and 86400")
            }
            return try await store.failOutbox(
                ids: ids, permanent: params.permanent, reason: reason, retryAfterSeconds: params.retryAfterSeconds)
        }
    }
}

/// Message ids as `outbox.claim` gives them: at most 1000 a call.
enum OutboxIDs {
    static func validate(_ ids: [String]) throws(ResponseError) -> [Int64] {
        guard ids.count <= 1000 else { throw .invalidParams(field: "ids", reason: "at most 1000 ids") }
        var out: [Int64] = []
        for (i, id) in ids.enumerated() {
            guard let n = Int64(id) else { throw .invalidParams(field: "ids[\(i)]", reason: "is not a message id") }
            out.append(n)
        }
        return out
    }
}
