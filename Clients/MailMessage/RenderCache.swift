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

    /// A line of a part in quoted-printable: encoded once when it holds no value of the message's own.
    enum EncodedLine: Equatable {
        case constant([UInt8])
        case mixed([Segment])
    }

    /// A template's output cut at its markers, and the same as quoted-printable lines.
    struct Entry {
        var segments: [Segment]
        var lines: [EncodedLine]
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
    private var entries: [Key: Entry?] = [:]

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
        guard cacheable, let (entry, own) = entry(template, id: id, values: values) else { return template.render(values) }
        var out = ""
        for segment in entry.segments {
            switch segment {
            case .text(let text): out += text
            case .slot(let slot): out += escape(own[slot] ?? "")
            }
        }
        return out
    }

    /// The same as `QuotedPrintable.encode(render(…))`, with only the lines that hold a message's own values
    /// encoded for each message.
    func renderQuotedPrintable(
        _ template: MustacheTemplate, id: String, cacheable: Bool, values: [String: Any], escape: (String) -> String
    ) -> [UInt8] {
        guard cacheable, let (entry, own) = entry(template, id: id, values: values) else {
            return QuotedPrintable.encode(template.render(values))
        }
        let escaped = own.map { $0.map(escape) }
        // A value with a line end, or an empty one between a CR and an LF, would move the lines.
        guard escaped.allSatisfy({ $0.map { !$0.isEmpty && !$0.utf8.contains(where: { $0 == 13 || $0 == 10 }) } ?? true }) else {
            return QuotedPrintable.encode(render(template, id: id, cacheable: true, values: values, escape: escape))
        }
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        var raw: [UInt8] = []
        for (index, line) in entry.lines.enumerated() {
            if index > 0 { out += [13, 10] }
            switch line {
            case .constant(let bytes):
                out += bytes
            case .mixed(let segments):
                raw.removeAll(keepingCapacity: true)
                for segment in segments {
                    switch segment {
                    case .text(let text): raw += text.utf8
                    case .slot(let slot): raw += (escaped[slot] ?? "").utf8
                    }
                }
                QuotedPrintable.encodeLine(raw[...], into: &out)
            }
        }
        return out
    }

    /// The cached cut of `template` for these values (rendered and cut on first use), and the message's own
    /// values by slot; nil when its output cannot be cut.
    private func entry(_ template: MustacheTemplate, id: String, values: [String: Any]) -> (Entry, [String?])? {
        let own = Self.slots.map { values[$0] as? String }
        let key = Key(template: id, title: values["title"] as? String ?? "", present: own.map { $0 != nil })
        if let cached = lock.withLock({ entries[key] }) { return cached.map { ($0, own) } }
        var marked = values
        for (slot, name) in Self.slots.enumerated() where own[slot] != nil { marked[name] = Self.marker(slot) }
        let entry = Self.segments(of: template.render(marked), present: key.present).map { Entry(segments: $0, lines: Self.lines(of: $0)) }
        lock.withLock {
            if entries.count >= Self.maximumEntries { entries.removeAll() }
            entries[key] = .some(entry)
        }
        return entry.map { ($0, own) }
    }

    /// Segments as lines (line ends as `QuotedPrintable` takes them), those without a value encoded.
    static func lines(of segments: [Segment]) -> [EncodedLine] {
        var lines: [[Segment]] = [[]]
        for segment in segments {
            guard case .text(let text) = segment else {
                lines[lines.count - 1].append(segment)
                continue
            }
            for (index, part) in QuotedPrintable.lines(Array(text.utf8)).enumerated() {
                if index > 0 { lines.append([]) }
                if !part.isEmpty { lines[lines.count - 1].append(.text(String(decoding: part, as: UTF8.self))) }
            }
        }
        return lines.map { line in
            guard !line.contains(where: { if case .slot = $0 { true } else { false } }) else { return .mixed(line) }
            var raw: [UInt8] = []
            for case .text(let text) in line { raw += text.utf8 }
            var encoded: [UInt8] = []
            QuotedPrintable.encodeLine(raw[...], into: &encoded)
            return .constant(encoded)
        }
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
