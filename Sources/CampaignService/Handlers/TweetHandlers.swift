import CampaignProtocol
import NIOConcurrencyHelpers

extension MethodRegistry {
    /// `tweets.list`, `tweets.set`, `tweets.click`.
    mutating func registerTweetHandlers(store: CampaignStore) {
        register(ListTweets.self) { _, _ in ListTweets.Result(items: try await store.tweets()) }
        register(SetTweets.self) { params, _ in
            ListTweets.Result(items: try await store.setTweets(try TweetRules.validate(params.items, fieldPrefix: "items")))
        }
        register(ClickTweet.self) { params, context in
            let visitor = try params.client?.ip.map { v throws(ResponseError) in try IPAddress.validate(v, field: "client.ip").rateKey }
            let key = ClickThrottle.Key(tweetID: params.tweetId, visitor: visitor)
            guard context.clicks?.reserve(key, at: store.clock()) ?? true else { return ClickTweet.Result(counted: false) }
            do {
                try await store.clickTweet(id: params.tweetId)
            } catch {
                context.clicks?.release(key)
                throw error
            }
            return ClickTweet.Result(counted: true)
        }
    }
}

/// One connection's recent `tweets.click`s: a tweet counts at most once a minute per connection (and
/// visitor, where a frontend names them), so a script repeating the notification cannot inflate the
/// figure. Bounded: entries older than the window go, and a connection holds at most `capacity`.
public final class ClickThrottle: Sendable {
    struct Key: Hashable {
        var tweetID: String
        /// `IPAddress.rateKey`: one visitor however their address is spelled, an IPv6 /64 as one.
        var visitor: [UInt8]?
    }

    static let windowMs: Int64 = 60_000
    static let capacity = 4096
    private let counted = NIOLockedValueBox<[Key: Timestamp]>([:])

    public init() {}

    /// Whether a click at `now` counts; if so it is reserved.
    func reserve(_ key: Key, at now: Timestamp) -> Bool {
        counted.withLockedValue { counted in
            if counted.count >= Self.capacity / 2 {
                counted = counted.filter { now.millisecondsSince1970 - $0.value.millisecondsSince1970 < Self.windowMs }
            }
            if let last = counted[key], now.millisecondsSince1970 - last.millisecondsSince1970 < Self.windowMs { return false }
            guard counted.count < Self.capacity else { return false }
            counted[key] = now
            return true
        }
    }

    /// The click was not counted after all (an unknown tweet).
    func release(_ key: Key) {
        _ = counted.withLockedValue { $0.removeValue(forKey: key) }
    }
}
