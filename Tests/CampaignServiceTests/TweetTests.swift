import CampaignProtocol
import Foundation
import Testing

@testable import CampaignService

@Suite struct TweetTests {
    @Test func tweetsListCarriesIntentURLs() async throws {
        let h = try await Harness.make()
        let tweets = try await h.call(ListTweets(), role: .public).items
        #expect(tweets.count == 8)
        for tweet in tweets {
            #expect(tweet.url.hasPrefix("https://twitter.com/intent/tweet?text="))
            #expect(tweet.target.handle.hasPrefix("@"))
        }
    }

    @Test(arguments: [
        "Tom & Jerry #NoContract @dana_whitfield",
        "Café, naïve façade — Zoë 🌍🚌 ✊🏽",
        "100% sure? a+b=c / x;y:z ~ok_ 'quoted' \"double\"",
        "Line one\nline two",
    ])
    func intentURLPercentEncodingRoundTrips(text: String) async throws {
        let h = try await Harness.make()
        let set = try await h.call(
            SetTweets(items: [TweetDefinition(id: "t", target: TweetTarget(name: "CEO", handle: "ceo"), text: text)]))
        let url = try #require(set.items.first?.url)
        let encoded = String(url.dropFirst(TweetIntent.base.count))
        // Nothing outside the unreserved set survives unencoded.
        #expect(
            encoded.unicodeScalars.allSatisfy {
                $0.properties.isASCIIHexDigit || "%-._~".unicodeScalars.contains($0) || ("a"..."z").contains($0) || ("A"..."Z").contains($0)
            })
        #expect(!encoded.contains("&") && !encoded.contains("#") && !encoded.contains("@") && !encoded.contains("+"))
        #expect(encoded.removingPercentEncoding == text)
        #expect(URLComponents(string: url)?.queryItems?.first { $0.name == "text" }?.value == text)
    }

    @Test func textsOver280CharactersAreRefused() async throws {
        let h = try await Harness.make()
        let long = String(repeating: "é", count: 281)
        let reply = await h.raw(
            method: "tweets.set", params: .parse(#"{"items":[{"id":"t","target":{"name":"CEO","handle":"@ceo"},"text":"\#(long)"}]}"#))
        #expect(reply["error"]?["data"]?["field"] == .string("items[0].text"))
        let exactly = String(repeating: "🌍", count: 280)
        _ = try await h.call(SetTweets(items: [TweetDefinition(id: "t", target: TweetTarget(name: "CEO", handle: "@ceo"), text: exactly)]))
        #expect(try await h.call(ListTweets()).items.count == 1)
    }

    @Test func clicksAreCountedInStatsAndKeptAcrossSet() async throws {
        let h = try await Harness.make()
        #expect(await h.frame(#"{"jsonrpc":"2.0","method":"tweets.click","params":{"tweetId":"tweet-1"}}"#, role: .public) == nil)
        #expect(await h.frame(#"{"jsonrpc":"2.0","method":"tweets.click","params":{"tweetId":"tweet-1"}}"#, role: .public) == nil)
        _ = try await h.call(ClickTweet(tweetId: "tweet-2"), role: .public)
        #expect(await h.errorCode("tweets.click", .parse(#"{"tweetId":"nope"}"#), role: .public) == -32001)
        var stats = try await h.call(ServiceStats())
        #expect(stats.tweets.clicks == 3 && stats.tweets.byTweet["tweet-1"] == 2)
        let kept = try await h.call(ListTweets()).items.filter { $0.id == "tweet-1" }
            .map { TweetDefinition(id: $0.id, target: $0.target, text: $0.text) }
        _ = try await h.call(SetTweets(items: kept))
        stats = try await h.call(ServiceStats())
        #expect(stats.tweets.byTweet == ["tweet-1": 2])
    }

    @Test func duplicateIdsAndBadHandlesAreRefused() async throws {
        let h = try await Harness.make()
        let dup = await h.raw(
            method: "tweets.set",
            params: .parse(
                #"{"items":[{"id":"a","target":{"name":"C","handle":"c"},"text":"x"},{"id":"a","target":{"name":"C","handle":"c"},"text":"y"}]}"#
            ))
        #expect(dup["error"]?["data"]?["field"] == .string("items[1].id"))
        let handle = await h.raw(
            method: "tweets.set", params: .parse(#"{"items":[{"id":"a","target":{"name":"C","handle":"not a handle"},"text":"x"}]}"#))
        #expect(handle["error"]?["data"]?["field"] == .string("items[0].target.handle"))
        #expect(try await h.call(ListTweets()).items.count == 8)
    }

    @Test func aTweetCountsOnceAMinutePerConnectionAndVisitor() async throws {
        let h = try await Harness.make()
        let connection = CallContext(role: .public, clicks: ClickThrottle())
        func click(_ params: String) async -> Bool? {
            let frame = #"{"jsonrpc":"2.0","id":1,"method":"tweets.click","params":\#(params)}"#
            guard let reply = await h.core.dispatcher.respond(to: Array(frame.utf8), context: connection) else { return nil }
            guard case .bool(let counted)? = (try? JSONParser.parse(reply))?["result"]?["counted"] else { return nil }
            return counted
        }
        #expect(await click(#"{"tweetId":"tweet-1"}"#) == true)
        #expect(await click(#"{"tweetId":"tweet-1"}"#) == false)
        #expect(await click(#"{"tweetId":"tweet-2"}"#) == true)
        // A frontend relaying many visitors on one connection names each.
        #expect(await click(#"{"tweetId":"tweet-1","client":{"ip":"192.0.2.1"}}"#) == true)
        #expect(await click(#"{"tweetId":"tweet-1","client":{"ip":"192.0.2.1"}}"#) == false)
        #expect(await click(#"{"tweetId":"tweet-1","client":{"ip":"192.0.2.2"}}"#) == true)
        h.clock.advance(seconds: 61)
        #expect(await click(#"{"tweetId":"tweet-1"}"#) == true)
        // A click on an unknown tweet is not held against a later one.
        #expect(await click(#"{"tweetId":"nope"}"#) == nil)
        let stats = try await h.call(ServiceStats())
        #expect(stats.tweets.byTweet["tweet-1"] == 4 && stats.tweets.byTweet["tweet-2"] == 1)
    }
}
