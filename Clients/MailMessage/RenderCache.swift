import Foundation
import Mustache

/// Templates rendered once per kind, part, title and set of values present, with a marker where each of
/// a message's own values (name and links) goes; a message then costs a concatenation instead of a
/// mustache rendering. Only for templates whose output takes these values as they are: one with a
/// transform (`{{uppercased(name)}}`) is rendered for every message, and so is any output in which a
/// marker did not come out whole.
final class RenderCache: @unchecked Sendable {
    /// The values that differ from message to message, in the order of their markers.
    static let slots = ["name", "confirmURL", "withdrawURL"]

    enum Segment: Equatable {
        case text(String)
        case slot(Int)
    }

    struct Key: Hashable {
        var template: String
        var title: String
        var present: [Bool]
    }

    /// Titles come from the campaign's letter, fundraiser and events: few, but bounded all the same.
    static let maximumEntries = 1024

    private let lock = NSLock()
    /// `nil`: rendered once, and the markers did not survive; render every time.
    private var entries: [Key: [Segment]?] = [:]

    /// A private-use character, a letter whose case a transform would change, the slot, another.
    static func marker(_ slot: Int) -> String { "\u{E000}m\(slot)Q\u{E001}" }

    /// Whether a template's source has a transform in a tag: its output may depend on a value's content.
    static func transforms(_ source: String) -> Bool {
        source.range(of: #"\{\{[^}]*\("#, options: .regularExpression) != nil
    }

    /// `template` rendered with `values`; `escape` is what the template does to a value (HTML escaping, or nothing).
    func render(
        _ template: MustacheTemplate, id: String, cacheable: Bool, values: [String: Any], escape: (String) -> String
    ) -> String {
        guard cacheable else { return template.render(values) }
        let own = Self.slots.map { values[$0] as? String }
        let key = Key(template: id, title: values["title"] as? String ?? "", present: own.map { $0 != nil })
        let cached = lock.withLock { entries[key] }
        let segments: [Segment]?
        if let cached {
            segments = cached
        } else {
            var marked = values
            for (slot, name) in Self.slots.enumerated() where own[slot] != nil { marked[name] = Self.marker(slot) }
            segments = Self.segments(of: template.render(marked), present: key.present)
            lock.withLock {
                if entries.count >= Self.maximumEntries { entries.removeAll() }
                entries[key] = .some(segments)
            }
        }
        guard let segments else { return template.render(values) }
        var out = ""
        for segment in segments {
            switch segment {
            case .text(let text): out += text
            case .slot(let slot): out += escape(own[slot] ?? "")
            }
        }
        return out
    }

    /// The output cut at its markers; `nil` when a marker is broken, or stands for a value not present.
    static func segments(of output: String, present: [Bool]) -> [Segment]? {
        var segments: [Segment] = []
        var rest = Substring(output)
        while let start = rest.range(of: "\u{E000}") {
            if start.lowerBound > rest.startIndex { segments.append(.text(String(rest[..<start.lowerBound]))) }
            let afterStart = rest[start.upperBound...]
            guard let slot = slots.indices.first(where: { afterStart.hasPrefix(marker($0).dropFirst()) }), present[slot] else {
                return nil
            }
            segments.append(.slot(slot))
            rest = afterStart.dropFirst(marker(slot).count - 1)
        }
        if rest.contains("\u{E001}") { return nil }
        if !rest.isEmpty { segments.append(.text(String(rest))) }
        return segments
    }
}
