import CampaignProtocol
import Foundation
import Mustache

/// The templates of every kind: the shipped ones, each replaced by a file of the same name in the
/// override directory when there is one (`signature.confirm.text.mustache`,
/// `signature.confirm.html.mustache`).
public struct MailTemplates: Sendable {
    public enum Part: String, Sendable, CaseIterable {
        case text, html
    }

    struct Text: Sendable {
        var subject: MustacheTemplate
        var body: MustacheTemplate
    }

    var texts: [String: Text] = [:]
    var htmls: [String: MustacheTemplate] = [:]
    /// Templates (by file name) with a transform in a tag: rendered for every message, never cached.
    var transforming: Set<String> = []
    /// The override files in use, for the mailer to log.
    public private(set) var overrides: [String] = []
    /// `.mustache` files in the override directory that name no kind and part (a typo, or a kind
    /// this mailer does not know): never used, worth a warning.
    public private(set) var unused: [String] = []

    /// The shipped templates, each replaced by its file in `directory` when that file exists.
    public init(overridesIn directory: URL? = nil) throws(MailMessageError) {
        let kinds = Set(ShippedTemplates.all.keys).union(MessageKind.allCases.map(\.rawValue))
        if let directory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                // A mistyped --templates would otherwise send the shipped wording without a word.
                throw .badTemplate(file: directory.path, reason: "no such directory")
            }
        }
        var expected: Set<String> = []
        for kind in kinds.sorted() {
            for part in Part.allCases {
                let file = Self.fileName(kind: kind, part: part)
                expected.insert(file)
                var source = part == .text ? ShippedTemplates.all[kind]?.text : ShippedTemplates.all[kind]?.html
                var origin = ""
                if let directory {
                    let url = directory.appendingPathComponent(file)
                    if FileManager.default.fileExists(atPath: url.path) {
                        do {
                            source = try String(contentsOf: url, encoding: .utf8)
                        } catch {
                            throw .badTemplate(file: url.path, reason: "cannot be read as UTF-8: \(error)")
                        }
                        origin = url.path
                        overrides.append(file)
                    }
                }
                guard let source else { continue }
                if RenderCache.transforms(source) { transforming.insert(file) }
                switch part {
                case .text: texts[kind] = try Self.text(source, origin: origin)
                case .html: htmls[kind] = try Self.html(source, origin: origin)
                }
            }
        }
        if let directory, let files = try? FileManager.default.contentsOfDirectory(atPath: directory.path) {
            unused = files.filter { $0.hasSuffix(".mustache") && !expected.contains($0) }.sorted()
        }
    }

    /// `<kind>.<part>.mustache`: the name of an override file.
    public static func fileName(kind: String, part: Part) -> String { "\(kind).\(part.rawValue).mustache" }

    /// A shipped template's source, for organisers who start an override from it.
    public static func shippedSource(kind: String, part: Part) -> String? {
        part == .text ? ShippedTemplates.all[kind]?.text : ShippedTemplates.all[kind]?.html
    }

    /// Whether both parts of a kind have a template.
    public func covers(kind: String) -> Bool { texts[kind] != nil && htmls[kind] != nil }

    /// The first line is `Subject: …`, the body starts after the blank line. Values go in
    /// unescaped: this is plain text.
    static func text(_ source: String, origin: String) throws(MailMessageError) -> Text {
        let normalized = source.replacingOccurrences(of: "\r\n", with: "\n")
        let lines = normalized.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = lines.first, first.hasPrefix("Subject:") else {
            throw .badTemplate(file: origin, reason: "the first line of a text template is `Subject: …`")
        }
        let subject = String(first.dropFirst("Subject:".count))
        var body = lines.count > 1 ? String(lines[1]) : ""
        while body.hasPrefix("\n") { body.removeFirst() }
        return Text(subject: try parse(textPragma + subject, origin: origin), body: try parse(textPragma + body, origin: origin))
    }

    /// HTML escapes every value: a template that could print one unescaped (`{{{x}}}`, `{{&x}}`),
    /// change the delimiters or the content type is refused.
    static func html(_ source: String, origin: String) throws(MailMessageError) -> MustacheTemplate {
        if source.range(of: #"\{\{\s*[{&=%]"#, options: .regularExpression) != nil {
            throw .badTemplate(
                file: origin, reason: "an HTML template escapes every value: no {{{…}}}, {{&…}}, {{=…=}} or {{%…}}")
        }
        return try parse(htmlPragma + source, origin: origin)
    }

    static let textPragma = "{{% CONTENT_TYPE: TEXT}}"

    /// HTML templates escape with `MailHTML`, registered under this name before the first one is parsed.
    static let htmlPragma: String = {
        MustacheContentTypes.register(MailHTML(), named: "CAMPAIGN_MAIL_HTML")
        return "{{% CONTENT_TYPE: CAMPAIGN_MAIL_HTML}}"
    }()

    static func parse(_ source: String, origin: String) throws(MailMessageError) -> MustacheTemplate {
        do {
            return try MustacheTemplate(string: source)
        } catch {
            throw .badTemplate(file: origin, reason: "\(error)")
        }
    }
}

/// The five characters swift-mustache's HTML content type escapes, escaped the same way on UTF-8 bytes:
/// its own looks every Character up in a dictionary, a large share of a message's rendering.
struct MailHTML: MustacheContentType {
    func escapeText(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x3C || $0 == 0x3E || $0 == 0x26 || $0 == 0x22 || $0 == 0x27 }) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 32)
        for byte in text.utf8 {
            switch byte {
            case 0x3C: out += "&lt;".utf8
            case 0x3E: out += "&gt;".utf8
            case 0x26: out += "&amp;".utf8
            case 0x22: out += "&quot;".utf8
            case 0x27: out += "&#39;".utf8
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
