import Foundation

/// An address with an optional display name, as in `From: Name <addr>`.
public struct MailAddress: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var address: String

    public init(name: String = "", address: String) throws(MailMessageError) {
        guard Self.isAddress(address) else { throw .invalidAddress(address) }
        self.name = name
        self.address = address
    }

    /// `Name <addr>`, `"Name" <addr>`, `<addr>` or `addr`: the form of the mailer's `--from`.
    public init(parsing text: String) throws(MailMessageError) {
        let trimmed = text.trimmingSpaces
        if trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") {
            var name = trimmed[..<open].trimmingSpaces
            if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") {
                name = String(name.dropFirst().dropLast()).replacingEscapes
            } else if name.contains(where: { "<>\",;:@\\".contains($0) }) {
                // Unquoted, these would make a second address or a group: `A <a@x>, <b@y>`.
                throw .invalidAddress(text)
            }
            let address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            try self.init(name: name, address: address)
        } else {
            try self.init(address: trimmed)
        }
    }

    /// The part after the last `@`: a sender's Message-IDs are on its domain.
    public var domain: Substring {
        guard let at = address.lastIndex(of: "@") else { return "" }
        return address[address.index(after: at)...]
    }

    /// Needs SMTPUTF8 (RFC 6531) to be sent: a local part or domain outside ASCII.
    public var isInternational: Bool { !address.unicodeScalars.allSatisfy(\.isASCII) }

    public var description: String { name.isEmpty ? "<\(address)>" : "\(name) <\(address)>" }

    /// A dot-atom local part and domain (RFC 5322 §3.4.1), letters beyond ASCII allowed (RFC 6532).
    /// Nothing a header could be split or an address list extended with: no space, control,
    /// quote, bracket, comma or second `@`.
    static func isAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, text.utf8.count <= 254 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && !part.hasPrefix(".") && !part.hasSuffix(".") && !part.contains("..")
                && part.unicodeScalars.allSatisfy { s in
                    s.isASCII ? atext.contains(s) || s == "." : !(s.properties.isWhitespace || s.properties.generalCategory == .control)
                }
        }
    }

    static let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~".unicodeScalars)
}

public enum MailMessageError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidAddress(String)
    case invalidSiteURL(String)
    /// Neither a shipped template nor an override for this kind and part.
    case noTemplate(kind: String, part: String)
    /// A template that does not parse, or breaks a rule of its part; `file` is empty for a shipped one.
    case badTemplate(file: String, reason: String)

    public var description: String {
        switch self {
        case .invalidAddress(let a): "not a usable email address: \(a.debugDescription)"
        case .invalidSiteURL(let u): "the site URL must be http(s)://host[/path] without query or fragment: \(u.debugDescription)"
        case .noTemplate(let kind, let part): "no \(part) template for \(kind)"
        case .badTemplate(let file, let reason): "template \(file.isEmpty ? "(shipped)" : file): \(reason)"
        }
    }
}

extension StringProtocol {
    var trimmingSpaces: String { trimmingCharacters(in: .whitespaces) }

    /// `\x` → `x`, as in a quoted-string.
    var replacingEscapes: String {
        var out = ""
        var escaped = false
        for c in self {
            if !escaped, c == "\\" {
                escaped = true
                continue
            }
            escaped = false
            out.append(c)
        }
        return out
    }
}
