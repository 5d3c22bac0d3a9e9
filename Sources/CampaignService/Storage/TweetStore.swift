import CampaignProtocol
import GRDB

/// Tweet-intent links. RFC 3986: everything outside the unreserved set is percent-encoded (`&`, `#`,
/// `@`, spaces, accents, emoji), so the text decoded from the URL equals the text.
enum TweetIntent {
    static let base = "https://twitter.com/intent/tweet?text="

    static func url(for text: String) -> String { base + percentEncode(text) }

    static func percentEncode(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count * 3)
        let hex = Array("0123456789ABCDEF")
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out.append("%")
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return out
    }
}

extension CampaignStore {
    static func tweets(_ db: Database) throws -> [Tweet] {
        try Row.fetchAll(db, sql: "SELECT * FROM tweet ORDER BY position").map { row in
            let text: String = try row.decode(forColumn: "text")
            return Tweet(
                id: try row.decode(forColumn: "id"),
                target: TweetTarget(name: try row.decode(forColumn: "targetName"), handle: try row.decode(forColumn: "targetHandle")),
                text: text, url: TweetIntent.url(for: text))
        }
    }

    func tweets() async throws -> [Tweet] {
        try reading { db in try Self.tweets(db) }
    }

    /// Replaces the tweets; a tweet whose id stays keeps its clicks.
    static func setTweets(_ db: Database, _ items: [TweetDefinition]) throws {
        let ids = items.map(\.id)
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
        try db.execute(
            sql: ids.isEmpty ? "DELETE FROM tweet" : "DELETE FROM tweet WHERE id NOT IN (\(placeholders))",
            arguments: StatementArguments(ids))
        for (position, t) in items.enumerated() {
            try db.execute(
                sql: """
                    INSERT INTO tweet (id, position, targetName, targetHandle, text) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET position = excluded.position, targetName = excluded.targetName,
                        targetHandle = excluded.targetHandle, text = excluded.text
                    """,
                arguments: [t.id, position, t.target.name, t.target.handle, t.text])
        }
    }

    func setTweets(_ items: [TweetDefinition]) async throws -> [Tweet] {
        try await writes.write { db in
            try Self.setTweets(db, items)
            return try Self.tweets(db)
        }
    }

    func clickTweet(id: String) async throws {
        try await writes.write { db in
            try db.execute(sql: "UPDATE tweet SET clicks = clicks + 1 WHERE id = ?", arguments: [id])
            guard db.changesCount == 1 else { throw ResponseError.notFound("tweet \(id)") }
        }
    }
}
