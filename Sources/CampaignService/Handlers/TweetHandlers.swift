import CampaignProtocol

extension MethodRegistry {
    /// `tweets.list`, `tweets.set`, `tweets.click`.
    mutating func registerTweetHandlers(store: CampaignStore) {
        register(ListTweets.self) { _, _ in ListTweets.Result(items: try await store.tweets()) }
        register(SetTweets.self) { params, _ in
            ListTweets.Result(items: try await store.setTweets(try TweetRules.validate(params.items, fieldPrefix: "items")))
        }
        register(ClickTweet.self) { params, _ in
            try await store.clickTweet(id: params.tweetId)
            return ClickTweet.Result(counted: true)
        }
    }
}
