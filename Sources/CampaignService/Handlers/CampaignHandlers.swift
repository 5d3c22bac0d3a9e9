import CampaignProtocol

extension MethodRegistry {
    /// `campaign.get`, `campaign.subscribe`, `campaign.unsubscribe`, `campaign.import`.
    mutating func registerCampaignHandlers(store: CampaignStore, feed: ChangeFeed) {
        // What every page view asks for: answered from bytes kept until the database or the clock changes it.
        registerRaw(GetCampaign.self) { context in try store.encodedCampaign(role: context.role) }
        register(Subscribe.self) { params, context in
            guard let session = context.session else {
                throw ResponseError.unavailable("this connection cannot receive notifications")
            }
            guard !params.topics.isEmpty else { throw ResponseError.invalidParams(field: "topics", reason: "must name at least one topic") }
            return Subscribe.Result(topics: try await feed.subscribe(session, to: params.topics))
        }
        register(Unsubscribe.self) { params, context in
            guard let session = context.session else { return Subscribe.Result(topics: []) }
            return Subscribe.Result(topics: feed.unsubscribe(session, from: params.topics))
        }
        register(ImportCampaign.self) { params, _ in
            let definition = try ValidatedDefinition(params.definition)
            guard let result = try await store.importDefinition(definition, onlyIfNew: false) else {
                throw ResponseError.internalError("the import was not applied")
            }
            return result
        }
    }
}
