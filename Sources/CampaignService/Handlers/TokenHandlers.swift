import CampaignProtocol

extension MethodRegistry {
    /// `tokens.get`, `tokens.confirm`, `tokens.cancel`.
    mutating func registerTokenHandlers(store: CampaignStore) {
        register(GetToken.self) { params, _ in try await store.tokenRecord(token: try Self.token(params.token)) }
        register(ConfirmToken.self) { params, _ in try await store.confirm(token: try Self.token(params.token)) }
        register(CancelToken.self) { params, _ in try await store.cancel(token: try Self.token(params.token)) }
    }

    static func token(_ value: String) throws(ResponseError) -> String {
        guard !value.isEmpty, value.utf8.count <= 128 else {
            throw .invalidParams(field: "token", reason: "must be a token from a message")
        }
        return value
    }
}
