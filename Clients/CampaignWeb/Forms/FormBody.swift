import Foundation
import Hummingbird

/// An `application/x-www-form-urlencoded` body, as a browser sends a form.
enum FormBody {
    static let limit = 64 * 1024

    /// The fields, the last value winning when a name repeats. nil when the body is not a form.
    static func read(_ request: Request) async throws -> [String: String]? {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else { return nil }
        let buffer = try await request.body.collect(upTo: limit)
        return parse(String(buffer: buffer))
    }

    static func parse(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), !name.isEmpty else { continue }
            fields[name] = parts.count > 1 ? decode(parts[1]) ?? "" : ""
        }
        return fields
    }

    static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// A text field's value; nil when absent or blank, so that the API sees an optional field left out.
    static func text(_ fields: [String: String], _ name: String) -> String? {
        guard let value = fields[name], !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        return value
    }

    /// A checkbox: present and true, or left out.
    static func flag(_ fields: [String: String], _ name: String) -> Bool? {
        FormContext.isTrue(fields[name]) ? true : nil
    }
}
