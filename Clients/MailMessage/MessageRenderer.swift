import CampaignProtocol
import Foundation
import SecureRandom

/// The links of a message, its token percent-encoded. `confirm` confirms on GET (idempotent);
/// `withdraw` opens a page whose button withdraws.
public struct MessageLinks: Sendable, Hashable {
    public var confirm: String?
    public var withdraw: String?
}

/// One message, ready for a transport: the envelope and the bytes of an RFC 5322 message (CRLF).
public struct RenderedMessage: Sendable {
    /// The envelope sender (`MAIL FROM`): the sender's address.
    public var envelopeFrom: String
    /// The envelope recipient (`RCPT TO`).
    public var recipient: String
    /// Without angle brackets.
    public var messageID: String
    /// As decoded, before encoding into the header.
    public var subject: String
    public var links: MessageLinks
    /// Whether the message asks its reader to open the confirm link (what `make run` prints).
    public var asksForConfirmation: Bool
    /// The recipient's address is beyond ASCII: the transport needs SMTPUTF8 (RFC 6531).
    public var requiresSMTPUTF8: Bool
    public var bytes: [UInt8]
}

/// Turns outbox messages into mail.
public struct MessageRenderer: Sendable {
    public let sender: MailAddress
    public let siteURL: String
    public let templates: MailTemplates
    let cache = RenderCache()
    let dates = DateHeaders()

    /// `siteURL`: `http(s)://host[/path]`, links are `{siteURL}/confirm?token=…`. The sender's address
    /// must be ASCII: its domain names every Message-ID.
    public init(sender: MailAddress, siteURL: String, templates: MailTemplates) throws(MailMessageError) {
        guard !sender.isInternational, !sender.domain.isEmpty else { throw .invalidAddress(sender.address) }
        var site = siteURL
        while site.hasSuffix("/") { site.removeLast() }
        guard let url = URLComponents(string: site), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil,
            site.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F })
        else { throw .invalidSiteURL(siteURL) }
        self.sender = sender
        self.siteURL = site
        self.templates = templates
    }

    /// Kinds whose message asks to confirm; by wire name, like the templates.
    static let confirmingKinds: Set<String> = ["signature.confirm", "signature.remind", "pledge.confirm", "rsvp.confirm", "rsvp.promoted"]

    public func links(for message: OutboxMessage) -> MessageLinks {
        guard let token = message.token else { return MessageLinks() }
        let encoded = token.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? ""
        return MessageLinks(confirm: "\(siteURL)/confirm?token=\(encoded)", withdraw: "\(siteURL)/withdraw?token=\(encoded)")
    }

    /// RFC 3986 unreserved characters: everything else in a token is percent-encoded.
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    public func render(_ message: OutboxMessage, date: Date = Date()) throws(MailMessageError) -> RenderedMessage {
        try render(message, kind: message.kind.rawValue, date: date)
    }

    /// By wire name: a kind can be rendered (and tested) before `MessageKind` has its case.
    func render(_ message: OutboxMessage, kind: String, date: Date) throws(MailMessageError) -> RenderedMessage {
        guard let text = templates.texts[kind] else { throw .noTemplate(kind: kind, part: "text") }
        guard let html = templates.htmls[kind] else { throw .noTemplate(kind: kind, part: "html") }
        let recipient = try MailAddress(name: message.to.name, address: message.to.email)
        let links = links(for: message)

        // Names and titles go into the body without control characters too: no line of theirs.
        var values: [String: Any] = [
            "title": HeaderField.clean(message.subject.title),
            "siteURL": siteURL,
            "sender": sender.name.isEmpty ? String(sender.domain) : HeaderField.clean(sender.name),
            "kind": kind,
        ]
        let name = HeaderField.clean(message.to.name)
        if !name.isEmpty { values["name"] = name }
        if let confirm = links.confirm { values["confirmURL"] = confirm }
        if let withdraw = links.withdraw { values["withdrawURL"] = withdraw }

        let textFile = MailTemplates.fileName(kind: kind, part: .text)
        let textCacheable = !templates.transforming.contains(textFile)
        let subject = HeaderField.clean(
            cache.render(text.subject, id: textFile + "#subject", cacheable: textCacheable, values: values, escape: { $0 }))
        let messageID = "\(Self.randomHex(16))@\(sender.domain)"
        let boundary = "=_" + Self.randomHex(16)

        var head = ""
        head += "Date: \(dates.text(for: date))\r\n"
        head += HeaderField.address(name: "From", sender)
        head += HeaderField.address(name: "To", recipient)
        head += HeaderField.unstructured(name: "Subject", value: subject)
        head += "Message-ID: <\(messageID)>\r\n"
        head += "MIME-Version: 1.0\r\n"
        head += "Auto-Submitted: auto-generated\r\n"
        head += "Content-Type: multipart/alternative;\r\n boundary=\"\(boundary)\"\r\n"
        head += "\r\n"

        var bytes = Array(head.utf8)
        let htmlFile = MailTemplates.fileName(kind: kind, part: .html)
        let textBody = cache.renderQuotedPrintable(text.body, id: textFile, cacheable: textCacheable, values: values, escape: { $0 })
        let htmlBody = cache.renderQuotedPrintable(
            html, id: htmlFile, cacheable: !templates.transforming.contains(htmlFile), values: values, escape: MailHTML().escapeText)
        for (type, body) in [("text/plain", textBody), ("text/html", htmlBody)] {
            bytes += Array("--\(boundary)\r\n".utf8)
            bytes += Array("Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n".utf8)
            bytes += body
            bytes += [13, 10]
        }
        bytes += Array("--\(boundary)--\r\n".utf8)

        return RenderedMessage(
            envelopeFrom: sender.address, recipient: recipient.address, messageID: messageID, subject: subject, links: links,
            asksForConfirmation: Self.confirmingKinds.contains(kind) && links.confirm != nil,
            requiresSMTPUTF8: recipient.isInternational, bytes: bytes)
    }

    static let hexDigits = Array("0123456789abcdef".utf8)

    /// `count` random bytes in lowercase hex.
    static func randomHex(_ count: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(count * 2)
        for byte in SecureRandom.bytes(count) {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Mon, 30 Nov 2026 16:09:24 +0000` (RFC 5322 §3.3), in UTC. The civil date and time come from
    /// `Timestamp`'s RFC 3339 text (`2026-11-30T16:09:24Z`): a `Calendar` per message cost more than the rest.
    static func rfc5322Date(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let fields = Timestamp(millisecondsSince1970: seconds * 1000).description.split(whereSeparator: { "-T:Z".contains($0) })
        guard fields.count == 6, let month = Int(fields[1]), (1...12).contains(month) else { return "Thu, 01 Jan 1970 00:00:00 +0000" }
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        // 1970-01-01 was a Thursday.
        let weekday = Int(((days % 7) + 11) % 7)
        return "\(Self.days[weekday]), \(fields[2]) \(months[month - 1]) \(fields[0]) \(fields[3]):\(fields[4]):\(fields[5]) +0000"
    }
}

/// The `Date` header's text, made once a second: a mailer sends thousands of messages in one.
final class DateHeaders: @unchecked Sendable {
    private let lock = NSLock()
    // Under `lock`.
    private var second = Int64.min
    private var text = ""

    func text(for date: Date) -> String {
        let now = Int64(date.timeIntervalSince1970.rounded(.down))
        return lock.withLock {
            if now != second {
                second = now
                text = MessageRenderer.rfc5322Date(date)
            }
            return text
        }
    }
}
