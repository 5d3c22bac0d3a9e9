import CampaignProtocol

/// Results on the hot paths write their own JSON: `JSONEncoder` showed in the signing profile. The
/// bytes are exactly what the shared encoder writes (sorted keys, compact); a test holds them equal.
protocol DirectJSON {
    func writeJSON(into out: inout [UInt8])
}

extension DirectJSON {
    var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        writeJSON(into: &out)
        return out
    }
}

extension Array where Element == UInt8 {
    fileprivate mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }

    fileprivate mutating func append(_ value: Int) { append(contentsOf: String(value).utf8) }
}

extension SignatureCounts: DirectJSON {
    func writeJSON(into out: inout [UInt8]) {
        out.append(#"{"confirmed":"#)
        out.append(confirmed)
        out.append(#","customers":"#)
        out.append(customers)
        out.append(#","goal":"#)
        if let goal { out.append(goal) } else { out.append("null") }
        out.append(#","organizations":"#)
        out.append(organizations)
        if let pending {
            out.append(#","pending":"#)
            out.append(pending)
        }
        out.append(UInt8(ascii: "}"))
    }
}

extension Acceptance: DirectJSON {
    func writeJSON(into out: inout [UInt8]) {
        out.append(#"{"accepted":"#)
        out.append(accepted ? "true" : "false")
        out.append(#","confirmationRequired":"#)
        out.append(confirmationRequired ? "true" : "false")
        out.append(UInt8(ascii: "}"))
    }
}

extension Array where Element == UInt8 {
    /// A JSON string as the shared encoder writes it: `"` and `\` escaped, control characters as `\b`,
    /// `\f`, `\n`, `\r`, `\t` or `\u00xx`, everything else (slashes, non-ASCII) as it is.
    fileprivate mutating func appendJSONString(_ text: String) {
        append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): append(#"\""#)
            case UInt8(ascii: "\\"): append(#"\\"#)
            case 0x08: append(#"\b"#)
            case 0x0C: append(#"\f"#)
            case 0x0A: append(#"\n"#)
            case 0x0D: append(#"\r"#)
            case 0x09: append(#"\t"#)
            case 0..<0x20:
                append(#"\u00"#)
                append(Self.hexDigits[Int(byte >> 4)])
                append(Self.hexDigits[Int(byte & 15)])
            default: append(byte)
            }
        }
        append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}

/// `outbox.claim`: up to 100 messages a call, the mailer's whole diet.
extension ClaimOutbox.Result: DirectJSON {
    func writeJSON(into out: inout [UInt8]) {
        out.reserveCapacity(messages.count * 400 + 16)
        out.append(#"{"messages":["#)
        for (index, message) in messages.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(#"{"createdAt":"#)
            out.appendJSONString(message.createdAt.description)
            out.append(#","id":"#)
            out.appendJSONString(message.id)
            out.append(#","kind":"#)
            out.appendJSONString(message.kind.rawValue)
            out.append(#","leaseExpiresAt":"#)
            out.appendJSONString(message.leaseExpiresAt.description)
            out.append(#","subject":{"id":"#)
            out.appendJSONString(message.subject.id)
            out.append(#","kind":"#)
            out.appendJSONString(message.subject.kind.rawValue)
            out.append(#","title":"#)
            out.appendJSONString(message.subject.title)
            out.append(#"},"to":{"email":"#)
            out.appendJSONString(message.to.email)
            out.append(#","name":"#)
            out.appendJSONString(message.to.name)
            out.append(UInt8(ascii: "}"))
            if let token = message.token {
                out.append(#","token":"#)
                out.appendJSONString(token)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append("]}")
    }
}
