/// `tweets.list`: the ready-made tweets, in the organisers' order.
public struct ListTweets: ParameterlessMethod {
    public static let method = "tweets.list"
    public static let role = Role.public
    public init() {}

    public struct Result: Codable, Sendable, Hashable {
        public var items: [Tweet]
        public init(items: [Tweet]) { self.items = items }
    }
}

/// `tweets.set`: replaces the tweets (click counts of ids kept are kept).
public struct SetTweets: RPCMethod {
    public static let method = "tweets.set"
    public static let role = Role.admin
    public typealias Result = ListTweets.Result

    public var items: [TweetDefinition]
    public init(items: [TweetDefinition]) { self.items = items }
}

/// `tweets.click`: a notification that counts a click (sent with an id, it is answered too).
public struct ClickTweet: RPCMethod, RPCNotification {
    public static let method = "tweets.click"
    public static let role = Role.public

    public var tweetId: String
    /// The visitor who clicked, for a frontend that sends every visitor's clicks over one connection:
    /// a tweet counts at most once a minute per connection and visitor address.
    public var client: ClientInfo?

    public init(tweetId: String, client: ClientInfo? = nil) {
        self.tweetId = tweetId
        self.client = client
    }

    public struct Result: Codable, Sendable, Hashable {
        public var counted: Bool
        public init(counted: Bool) { self.counted = counted }
    }
}
