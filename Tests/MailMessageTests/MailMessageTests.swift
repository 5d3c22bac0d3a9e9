import CampaignProtocol
import Foundation
import Testing

@testable import MailMessage

/// What Python's `email` package read from a message (parse_message.py).
struct Parsed: Decodable {
    struct Address: Decodable {
        var name: String
        var address: String
    }
    struct Part: Decodable {
        var contentType: String
        var charset: String?
        var transferEncoding: String?
        var content: String
    }
    var headerNames: [String]
    var subject: String
    var from: [Address]?
    var to: [Address]?
    var toDecoded: String
    var messageID: String
    var mimeVersion: String
    var autoSubmitted: String
    var date: String?
    var contentType: String
    var parts: [Part]
    var defects: [String]

    func part(_ type: String) -> Part? { parts.first { $0.contentType == type } }
}

enum Fixture {

    static func renderer(templates: MailTemplates? = nil) throws -> MessageRenderer {
        let sender = try MailAddress(parsing: "Northwind Campaign <campaign@northwind.example>")
        return try MessageRenderer(
            sender: sender, siteURL: "https://act.northwind.example/letter/", templates: templates ?? MailTemplates())
    }

    static func message(
        kind: MessageKind = .signatureConfirm, name: String = "Ada Lovelace", email: String = "ada@example.org",
        token: String? = "tok_AbC-123_xyz", title: String = "Keep the library open"
    ) -> OutboxMessage {
        OutboxMessage(
            id: "1", kind: kind, to: Addressee(name: name, email: email), token: token,
            subject: MessageSubject(kind: .signature, id: "sig_1", title: title),
            createdAt: Timestamp(millisecondsSince1970: 1_796_054_400_000),
            leaseExpiresAt: Timestamp(millisecondsSince1970: 1_796_054_700_000))
    }

    static func parse(_ bytes: [UInt8]) throws -> Parsed {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("parse_message.py")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mail-\(UUID().uuidString).eml")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try JSONDecoder().decode(Parsed.self, from: data)
    }

    /// A new empty folder for template overrides; the test removes it.
    static func directory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("templates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// The message's lines, split on CRLF; a bare CR or LF is recorded as a failure.
    static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == 13, i + 1 < bytes.count, bytes[i + 1] == 10 {
                lines.append(current)
                current = []
                i += 2
                continue
            }
            #expect(bytes[i] != 13 && bytes[i] != 10, "a bare CR or LF")
            current.append(bytes[i])
            i += 1
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    static func headerLines(_ bytes: [UInt8]) -> [String] {
        Array(lines(bytes).prefix { !$0.isEmpty }.map { String(decoding: $0, as: UTF8.self) })
    }
}

@Suite struct MailMessageTests {
    @Test func everyKindHasBothTemplates() throws {
        let templates = try MailTemplates()
        for kind in MessageKind.allCases {
            #expect(templates.covers(kind: kind.rawValue), "\(kind.rawValue)")
            #expect(MailTemplates.shippedSource(kind: kind.rawValue, part: .text) != nil)
            #expect(MailTemplates.shippedSource(kind: kind.rawValue, part: .html) != nil)
        }
        // Shipped ahead of its case in MessageKind.
        #expect(templates.covers(kind: "signature.remind"))
    }

    @Test func everyKindRendersAndParsesBack() throws {
        let renderer = try Fixture.renderer()
        let kinds = Set(MessageKind.allCases.map(\.rawValue)).union(ShippedTemplates.all.keys)
        for kind in kinds.sorted() {
            let message = Fixture.message()
            let rendered = try renderer.render(message, kind: kind, date: Date(timeIntervalSince1970: 1_796_054_400))
            let parsed = try Fixture.parse(rendered.bytes)
            #expect(parsed.defects.isEmpty, "\(kind): \(parsed.defects)")
            #expect(parsed.subject == rendered.subject && parsed.subject.contains("Keep the library open"), "\(kind)")
            #expect(parsed.from?.first?.name == "Northwind Campaign")
            #expect(parsed.from?.first?.address == "campaign@northwind.example")
            #expect(parsed.to?.first?.name == "Ada Lovelace")
            #expect(parsed.to?.first?.address == "ada@example.org")
            #expect(parsed.messageID == "<\(rendered.messageID)>")
            #expect(parsed.mimeVersion == "1.0")
            #expect(parsed.autoSubmitted == "auto-generated")
            #expect(parsed.date == "2026-11-30T16:00:00+00:00")
            #expect(parsed.contentType == "multipart/alternative")
            #expect(parsed.parts.map(\.contentType) == ["text/plain", "text/html"])
            for part in parsed.parts {
                #expect(part.charset == "utf-8")
                #expect(part.transferEncoding == "quoted-printable")
                #expect(part.content.contains("Ada Lovelace"), "\(kind) \(part.contentType)")
                if rendered.asksForConfirmation {
                    #expect(part.content.contains("https://act.northwind.example/letter/confirm?token=tok_AbC-123_xyz"), "\(kind)")
                }
                if kind != "event.cancelled" {
                    #expect(part.content.contains("https://act.northwind.example/letter/withdraw?token=tok_AbC-123_xyz"), "\(kind)")
                }
            }
            let text = parsed.part("text/plain")?.content ?? ""
            #expect(!text.contains("{{") && !text.contains("&quot;") && !text.contains("&amp;"), "\(kind): text is not escaped")
        }
    }

    @Test func confirmingKindsAskForConfirmation() throws {
        let renderer = try Fixture.renderer()
        #expect(try renderer.render(Fixture.message(kind: .signatureConfirm)).asksForConfirmation)
        #expect(try renderer.render(Fixture.message(kind: .rsvpConfirm)).asksForConfirmation)
        #expect(try !renderer.render(Fixture.message(kind: .signatureReceipt)).asksForConfirmation)
        #expect(try !renderer.render(Fixture.message(kind: .eventCancelled)).asksForConfirmation)
    }

    @Test func namesAndTitlesInOtherScriptsDecode() throws {
        let renderer = try Fixture.renderer()
        let cases = [
            ("山田 太郎", "図書館を開けておいてください、そして閲覧室の開館時間を延長してください。署名をお願いします"),
            ("Александра Łukasiewicz-Çelik", "Сохраните библиотеку открытой"),
            ("سارة الأحمد", "أبقوا المكتبة مفتوحة"),
            ("Zoë 🌍 O'Brien \"Zo\"", "Ünïcödé — naïve café 🎉"),
            ("Ada Lovelace", "A very long title in ASCII that is longer than one header line of seventy-eight characters, to be folded"),
            // Quoted, encoded because a reader would take it for an encoded word, encoded because a word is too long to fold.
            (#"Ada "the Count" Back\slash"#, #"A title with "quotes" and a back\slash"#),
            ("=?UTF-8?B?QWRh?= Lovelace", "=?UTF-8?B?QWRh?= in a title"),
            ("Ada Lovelace", "Word " + String(repeating: "y", count: 70)),
        ]
        for (name, title) in cases {
            let rendered = try renderer.render(Fixture.message(name: name, title: title))
            let parsed = try Fixture.parse(rendered.bytes)
            #expect(parsed.defects.isEmpty, "\(parsed.defects)")
            if name.unicodeScalars.allSatisfy(\.isASCII) {
                #expect(parsed.to?.first?.name == name)
            } else {
                #expect(parsed.toDecoded == "\(name) <ada@example.org>")
            }
            #expect(parsed.subject.contains(title))
            for part in parsed.parts where part.contentType == "text/plain" {
                #expect(part.content.contains(name) && part.content.contains(title))
            }
            for line in Fixture.headerLines(rendered.bytes) {
                #expect(line.utf8.allSatisfy { $0 < 0x80 }, "\(line)")
                #expect(line.utf8.count <= 78, "\(line)")
            }
            for word in Fixture.headerLines(rendered.bytes).flatMap({ $0.split(separator: " ") }) where word.hasPrefix("=?") {
                #expect(word.utf8.count <= 75 && word.hasPrefix("=?UTF-8?B?"), "\(word)")
            }
        }
    }

    @Test func headerInjectionThroughNameOrTitleAddsNoHeader() throws {
        let renderer = try Fixture.renderer()
        let attacks = [
            ("Eve\r\nBcc: victim@example.net", "Title"),
            ("Eve\nBcc: victim@example.net\n\nbody", "Title"),
            ("Eve\rBcc: victim@example.net", "Title\r\nBcc: victim@example.net"),
            ("Eve", "Title\nBcc: victim@example.net\r\nX-Evil: 1"),
            ("Ève\u{2028}Bcc: victim@example.net", "Tïtle\u{85}Bcc: victim@example.net"),
        ]
        for (name, title) in attacks {
            let rendered = try renderer.render(Fixture.message(name: name, title: title))
            let parsed = try Fixture.parse(rendered.bytes)
            #expect(
                parsed.headerNames == [
                    "Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Auto-Submitted", "Content-Type",
                ])
            #expect(parsed.to?.count == 1 && parsed.to?.first?.address == "ada@example.org")
            #expect(parsed.defects.isEmpty, "\(parsed.defects)")
        }
    }

    @Test func anAddressThatCouldAddARecipientIsRefused() throws {
        let renderer = try Fixture.renderer()
        for email in ["ada@example.org\r\nBcc: eve@example.net", "ada@example.org, eve@example.net", "<ada@example.org>", "ada"] {
            #expect(throws: MailMessageError.self) { try renderer.render(Fixture.message(email: email)) }
        }
    }

    @Test func htmlPartEscapesEveryValue() throws {
        let renderer = try Fixture.renderer()
        let rendered = try renderer.render(Fixture.message(name: "<script>alert(1)</script>", title: "Fish & \"Chips\" <b>"))
        let parsed = try Fixture.parse(rendered.bytes)
        let html = parsed.part("text/html")?.content ?? ""
        #expect(!html.contains("<script>") && !html.contains("<b>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("Fish &amp; &quot;Chips&quot; &lt;b&gt;"))
        let text = parsed.part("text/plain")?.content ?? ""
        #expect(text.contains("<script>alert(1)</script>") && text.contains("Fish & \"Chips\" <b>"))
    }

    @Test func htmlEscapesTheFiveCharactersMustacheEscapes() {
        #expect(
            MailHTML().escapeText("<a href='x'>\"Fish & Chips\"</a> Zoë")
                == "&lt;a href=&#39;x&#39;&gt;&quot;Fish &amp; Chips&quot;&lt;/a&gt; Zoë")
        #expect(MailHTML().escapeText("nothing to escape") == "nothing to escape")
    }

    @Test func aPartRenderedFromTheCacheEqualsOneRenderedInFull() throws {
        let templates = try MailTemplates()
        let cache = RenderCache()
        let variants: [[String: Any]] = [
            [
                "name": "Ada Lovelace", "confirmURL": "https://a.example/confirm?token=1",
                "withdrawURL": "https://a.example/withdraw?token=1",
            ],
            ["name": "<b>Zoë & \"O'Brien\"</b>", "confirmURL": "https://a.example/confirm?token=2&x=<y>"],
            ["withdrawURL": "https://a.example/withdraw?token=3"],
            ["name": "\u{E000}m0Q\u{E001}", "confirmURL": "\u{E000}m2Q\u{E001}"],
            // Values that make their line wrap, end in a space, or need encoding.
            [
                "name": String(repeating: "Zoë = ", count: 30) + " ",
                "confirmURL": "https://a.example/confirm?token=" + String(repeating: "x", count: 120),
            ],
            [:],
        ]
        for kind in MessageKind.allCases.map(\.rawValue) {
            let text = try #require(templates.texts[kind])
            let html = try #require(templates.htmls[kind])
            for title in ["Keep the library open", "Fish & <Chips>"] {
                // Twice: the first rendering fills the cache, the second comes from it.
                for variant in variants + variants {
                    var values = variant
                    values["title"] = title
                    values["siteURL"] = "https://a.example"
                    values["sender"] = "Northwind"
                    values["kind"] = kind
                    let pairs = [(text.subject, "s"), (text.body, "t")]
                    for (template, id) in pairs {
                        #expect(
                            cache.render(template, id: kind + id, cacheable: true, values: values, escape: { $0 })
                                == template.render(values))
                    }
                    let cached = cache.render(html, id: kind + "h", cacheable: true, values: values, escape: MailHTML().escapeText)
                    #expect(cached == html.render(values), "\(kind) \(variant)")
                    // And as quoted-printable, each constant line encoded once.
                    #expect(
                        cache.renderQuotedPrintable(text.body, id: kind + "t", cacheable: true, values: values, escape: { $0 })
                            == QuotedPrintable.encode(text.body.render(values)), "\(kind) \(variant)")
                    #expect(
                        cache.renderQuotedPrintable(html, id: kind + "h", cacheable: true, values: values, escape: MailHTML().escapeText)
                            == QuotedPrintable.encode(html.render(values)), "\(kind) \(variant)")
                }
            }
        }
    }

    @Test func aTemplateWithATransformIsRenderedForEveryMessage() throws {
        let source = "Subject: Hello {{uppercased(name)}}\n\nDear {{ lowercased(name) }}, {{name}}"
        #expect(RenderCache.transforms(source))
        #expect(!RenderCache.transforms(try #require(MailTemplates.shippedSource(kind: "signature.confirm", part: .text))))
        let template = try MailTemplates.text(source, origin: "")
        let cache = RenderCache()
        // Even if it were cached, the marker does not come out whole, and each message gets its own.
        for name in ["Ada", "Bob", "Ada"] {
            let values: [String: Any] = ["name": name, "title": "T"]
            #expect(
                cache.render(template.subject, id: "x", cacheable: true, values: values, escape: { $0 }) == " Hello \(name.uppercased())")
            #expect(
                cache.render(template.body, id: "y", cacheable: true, values: values, escape: { $0 })
                    == "Dear \(name.lowercased()), \(name)")
        }
    }

    @Test func overriddenTemplatesAreUsedAndMissingOnesFallBack() throws {
        let directory = try Fixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "Subject: Bitte bestätigen: {{title}}\n\nHallo {{name}}, bitte hier klicken: {{confirmURL}}\n".write(
            to: directory.appendingPathComponent("signature.confirm.text.mustache"), atomically: true, encoding: .utf8)
        let templates = try MailTemplates(overridesIn: directory)
        #expect(templates.overrides == ["signature.confirm.text.mustache"])
        let renderer = try Fixture.renderer(templates: templates)

        let parsed = try Fixture.parse(renderer.render(Fixture.message(name: "Jürgen & Co")).bytes)
        #expect(parsed.subject == "Bitte bestätigen: Keep the library open")
        #expect(
            parsed.part("text/plain")?.content.replacingOccurrences(of: "\r\n", with: "\n")
                == "Hallo Jürgen & Co, bitte hier klicken: https://act.northwind.example/letter/confirm?token=tok_AbC-123_xyz\n")
        // The HTML part of the same kind, and every other kind, are the shipped ones.
        #expect(parsed.part("text/html")?.content.contains("Thank you for signing") == true)
        let receipt = try Fixture.parse(renderer.render(Fixture.message(kind: .signatureReceipt)).bytes)
        #expect(receipt.subject == "Thank you for signing: Keep the library open")
    }

    @Test func anHTMLOverrideThatWouldNotEscapeIsRefused() throws {
        for source in ["<p>{{{name}}}</p>", "<p>{{& name}}</p>", "{{=<% %>=}}<p><%&name%></p>", "{{%CONTENT_TYPE: TEXT}}{{name}}"] {
            let directory = try Fixture.directory()
            defer { try? FileManager.default.removeItem(at: directory) }
            try source.write(to: directory.appendingPathComponent("rsvp.confirm.html.mustache"), atomically: true, encoding: .utf8)
            #expect(throws: MailMessageError.self) { try MailTemplates(overridesIn: directory) }
        }
    }

    @Test func anOverrideThatDoesNotParseIsRefused() throws {
        let directory = try Fixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "Subject: {{title}}\n\n{{#name}}Hello\n".write(
            to: directory.appendingPathComponent("signature.receipt.text.mustache"), atomically: true, encoding: .utf8)
        #expect(throws: MailMessageError.self) { try MailTemplates(overridesIn: directory) }
    }

    @Test func overrideFilesThatNameNoKindAreReportedUnused() throws {
        let directory = try Fixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for file in ["signature.confrm.text.mustache", "pledge.receipt.txt.mustache", "notes.md"] {
            try "Subject: x\n\ny\n".write(to: directory.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }
        let templates = try MailTemplates(overridesIn: directory)
        #expect(templates.overrides.isEmpty)
        #expect(templates.unused == ["pledge.receipt.txt.mustache", "signature.confrm.text.mustache"])
    }

    @Test func aMissingOverrideDirectoryIsRefused() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-templates-\(UUID().uuidString)")
        #expect(throws: MailMessageError.self) { try MailTemplates(overridesIn: missing) }
    }

    @Test func aTextOverrideWithoutItsSubjectLineIsRefused() throws {
        let directory = try Fixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "Hello {{name}}\n".write(
            to: directory.appendingPathComponent("pledge.receipt.text.mustache"), atomically: true, encoding: .utf8)
        #expect(throws: MailMessageError.self) { try MailTemplates(overridesIn: directory) }
    }

    @Test func messageIDsAreUniqueAndOnTheSendersDomain() throws {
        let renderer = try Fixture.renderer()
        var ids = Set<String>()
        for _ in 0..<1000 {
            let id = try renderer.render(Fixture.message()).messageID
            #expect(id.hasSuffix("@northwind.example"))
            ids.insert(id)
        }
        #expect(ids.count == 1000)
    }

    @Test func theDateHeaderIsRFC5322InUTC() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = calendar.timeZone
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        #expect(MessageRenderer.rfc5322Date(Date(timeIntervalSince1970: 1_796_054_964)) == "Mon, 30 Nov 2026 16:09:24 +0000")
        // Leap days, year and century ends, before 1970, and the far future, against Foundation's own.
        let moments: [TimeInterval] = [0, -1, 951_782_400, 951_868_799, 4_107_542_399, 4_107_542_400, -2_208_988_800, 253_402_300_799]
        for moment in moments + (0..<400).map({ TimeInterval($0) * 7_654_321.5 - 1_000_000_000 }) {
            let date = Date(timeIntervalSince1970: moment)
            #expect(MessageRenderer.rfc5322Date(date) == formatter.string(from: date), "\(moment)")
        }
    }

    @Test func headerValuesLoseControlsAndRunsOfSpace() {
        #expect(HeaderField.clean("  Ada \t\r\n Lovelace\u{7F} ") == "Ada Lovelace")
        #expect(HeaderField.clean("Ève\u{2028}Bcc:\u{85}x\u{A0}\u{3000}y\u{0}") == "Ève Bcc: x y")
        #expect(HeaderField.clean("\u{1F}\u{2003}") == "")
        #expect(HeaderField.clean("Zoë O'Brien") == "Zoë O'Brien")
    }

    @Test func linesAreAtMost998OctetsAndQuotedPrintableAtMost76() throws {
        let renderer = try Fixture.renderer()
        let long = String(repeating: "x", count: 1500)
        let spaced = String(repeating: "word ", count: 400)
        let messages = [
            Fixture.message(name: long, title: long), Fixture.message(name: spaced, title: spaced),
            Fixture.message(name: String(repeating: "é", count: 600), token: long, title: String(repeating: "日本", count: 400)),
        ]
        for message in messages {
            let bytes = try renderer.render(message).bytes
            let lines = Fixture.lines(bytes)
            let headerCount = Fixture.headerLines(bytes).count
            for (index, line) in lines.enumerated() {
                #expect(line.count <= 998)
                if index > headerCount { #expect(line.count <= 76, "\(String(decoding: line, as: UTF8.self))") }
            }
            for line in Fixture.headerLines(bytes) { #expect(line.utf8.count <= 78, "\(line)") }
            let parsed = try Fixture.parse(bytes)
            #expect(parsed.defects.isEmpty)
            #expect(parsed.part("text/plain")?.content.contains(HeaderField.clean(message.subject.title)) == true)
        }
    }

    @Test func theTokenIsPercentEncodedInLinks() throws {
        let renderer = try Fixture.renderer()
        let links = renderer.links(for: Fixture.message(token: "a+b/c=d&e f"))
        #expect(links.confirm == "https://act.northwind.example/letter/confirm?token=a%2Bb%2Fc%3Dd%26e%20f")
        #expect(links.withdraw == "https://act.northwind.example/letter/withdraw?token=a%2Bb%2Fc%3Dd%26e%20f")
    }

    @Test func aMessageWithoutATokenHasNoLinks() throws {
        let rendered = try Fixture.renderer().render(Fixture.message(token: nil))
        #expect(rendered.links == MessageLinks())
        #expect(!rendered.asksForConfirmation)
        let parsed = try Fixture.parse(rendered.bytes)
        #expect(parsed.parts.allSatisfy { !$0.content.contains("token=") })
    }

    @Test func theEnvelopeIsTheSenderAndTheRecipient() throws {
        let rendered = try Fixture.renderer().render(Fixture.message(email: "bob+petition@example.org"))
        #expect(rendered.envelopeFrom == "campaign@northwind.example")
        #expect(rendered.recipient == "bob+petition@example.org")
        #expect(!rendered.requiresSMTPUTF8)
    }

    @Test func anInternationalRecipientNeedsSMTPUTF8() throws {
        let rendered = try Fixture.renderer().render(Fixture.message(email: "jürgen@bücher.example"))
        #expect(rendered.requiresSMTPUTF8)
        #expect(rendered.recipient == "jürgen@bücher.example")
    }

    @Test func theSenderIsParsedFromItsConfiguration() throws {
        #expect(
            try MailAddress(parsing: "Northwind <c@northwind.example>") == MailAddress(name: "Northwind", address: "c@northwind.example"))
        #expect(try MailAddress(parsing: "\"Friends of \\\"N\\\"\" <c@n.example>").name == "Friends of \"N\"")
        #expect(try MailAddress(parsing: "c@n.example") == MailAddress(address: "c@n.example"))
        #expect(try MailAddress(parsing: "<c@n.example>").address == "c@n.example")
        for bad in ["Northwind", "N <c@n.example", "N <c d@n.example>", "N <c@n.example>, <d@n.example>"] {
            #expect(throws: MailMessageError.self) { try MailAddress(parsing: bad) }
        }
    }

    @Test func aSiteURLMustBeHTTPWithoutQuery() throws {
        let sender = try MailAddress(address: "c@n.example")
        for bad in ["act.example", "ftp://act.example", "https://act.example/?x=1", "https://act.example/#a", "https://"] {
            #expect(throws: MailMessageError.self) { try MessageRenderer(sender: sender, siteURL: bad, templates: MailTemplates()) }
        }
        #expect(
            try MessageRenderer(sender: sender, siteURL: "https://act.example/", templates: MailTemplates()).siteURL
                == "https://act.example")
    }
}
