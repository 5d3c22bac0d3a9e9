import CampaignProtocol
import Foundation

/// The text rules of SPEC §3: trimmed, NFC-normalised, no control characters, bounded length.
/// Each check names the field it refuses, so the reply's `data.field` points at it.
enum TextRules {
    static let name = 100
    static let organization = 120
    static let jobTitle = 100
    static let comment = 500
    static let email = 254
    static let message = 500
    static let postalCode = 20
    static let source = 64
    static let userAgent = 512
    static let title = 200
    static let body = 100_000
    static let description = 5000
    static let phone = 32
    static let locationField = 200
    static let recipientField = 120
    static let handle = 50

    /// A required text: trimmed and normalised, not empty, at most `max` characters.
    static func required(_ value: String, field: String, max: Int, multiline: Bool = false) throws(ResponseError) -> String {
        let text = try clean(value, field: field, max: max, multiline: multiline)
        guard !text.isEmpty else { throw .invalidParams(field: field, reason: "must not be empty") }
        return text
    }

    /// An optional text: absent or empty after trimming becomes nil.
    static func optional(_ value: String?, field: String, max: Int, multiline: Bool = false) throws(ResponseError) -> String? {
        guard let value else { return nil }
        let text = try clean(value, field: field, max: max, multiline: multiline)
        return text.isEmpty ? nil : text
    }

    static func clean(_ value: String, field: String, max: Int, multiline: Bool) throws(ResponseError) -> String {
        // Printable ASCII is already NFC and has no control characters: trim it without Foundation.
        let utf8 = value.utf8
        if utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            guard let first = utf8.firstIndex(where: { $0 != 0x20 }), let last = utf8.lastIndex(where: { $0 != 0x20 }) else { return "" }
            let text = String(value[first...last])
            guard text.utf8.count <= max else { throw .invalidParams(field: field, reason: "must be at most \(max) characters") }
            return text
        }
        let text = value.precomposedStringWithCanonicalMapping.trimmingCharacters(in: .whitespacesAndNewlines)
        for scalar in text.unicodeScalars {
            let isControl = scalar.properties.generalCategory == .control
            let allowedBreak = multiline && (scalar == "\n" || scalar == "\r" || scalar == "\t")
            if isControl && !allowedBreak {
                throw .invalidParams(field: field, reason: "must not contain control characters")
            }
            if scalar == "\u{2028}" || scalar == "\u{2029}" || scalar == "\u{FEFF}" {
                throw .invalidParams(field: field, reason: "must not contain control characters")
            }
        }
        guard text.count <= max else { throw .invalidParams(field: field, reason: "must be at most \(max) characters") }
        return text
    }

    /// ISO 3166-1 alpha-2: two upper-case letters (`GB`, `US`).
    static func country(_ value: String?, field: String) throws(ResponseError) -> String? {
        guard let value else { return nil }
        let bytes = Array(value.utf8)
        guard bytes.count == 2, bytes.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
            throw .invalidParams(field: field, reason: "must be an ISO 3166-1 alpha-2 code such as \"GB\"")
        }
        return value
    }

    static func limit(_ value: Int?, field: String = "limit", default defaultValue: Int, max: Int) throws(ResponseError) -> Int {
        guard let value else { return defaultValue }
        guard (1...max).contains(value) else { throw .invalidParams(field: field, reason: "must be between 1 and \(max)") }
        return value
    }

    static func positive(_ value: Int?, field: String) throws(ResponseError) -> Int? {
        guard let value else { return nil }
        guard value > 0 else { throw .invalidParams(field: field, reason: "must be a positive integer") }
        return value
    }
}
