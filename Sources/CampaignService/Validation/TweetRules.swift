import CampaignProtocol

/// Validated tweets.
enum TweetRules {
    static let maxTweets = 50

    static func validate(_ items: [TweetDefinition], fieldPrefix p: String) throws(ResponseError) -> [TweetDefinition] {
        guard items.count <= maxTweets else {
            throw .invalidParams(field: p.isEmpty ? "items" : String(p.dropLast()), reason: "at most \(maxTweets) tweets")
        }
        var seen = Set<String>()
        var out: [TweetDefinition] = []
        for (i, t) in items.enumerated() {
            let f = "\(p)[\(i)]."
            let id = try EventFields.id(t.id, field: f + "id")
            guard seen.insert(id).inserted else { throw .invalidParams(field: f + "id", reason: "must be unique") }
            let text = try TextRules.required(t.text, field: f + "text", max: 280, multiline: true)
            let name = try TextRules.required(t.target.name, field: f + "target.name", max: TextRules.name)
            let handle = t.target.handle.hasPrefix("@") ? String(t.target.handle.dropFirst()) : t.target.handle
            guard (1...15).contains(handle.utf8.count),
                handle.utf8.allSatisfy({ b in (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 })
            else { throw .invalidParams(field: f + "target.handle", reason: "must be a handle such as @northwind") }
            out.append(TweetDefinition(id: id, target: TweetTarget(name: name, handle: "@" + handle), text: text))
        }
        return out
    }
}
