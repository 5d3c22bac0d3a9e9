/// A ready-made tweet with its intent link.
public struct Tweet: Codable, Sendable, Hashable {
    public var id: String
    public var target: TweetTarget
    public var text: String
    /// `https://twitter.com/intent/tweet?text=…`, the text percent-encoded per RFC 3986.
    public var url: String

    public init(id: String, target: TweetTarget, text: String, url: String) {
        self.id = id
        self.target = target
        self.text = text
        self.url = url
    }
}
