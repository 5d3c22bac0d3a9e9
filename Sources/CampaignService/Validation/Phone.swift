import CampaignProtocol

/// Phone numbers as people type them: digits with `+`, spaces, dots, dashes and parentheses.
enum Phone {
    static func validate(_ value: String, field: String) throws(ResponseError) -> String? {
        guard let text = try TextRules.optional(value, field: field, max: TextRules.phone) else { return nil }
        let digits = text.unicodeScalars.filter { ("0"..."9").contains($0) }.count
        let allowed = text.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || "+ .-()".unicodeScalars.contains($0) }
        guard allowed, (5...20).contains(digits) else { throw .invalidParams(field: field, reason: "must be a phone number") }
        return text
    }
}
