import NIOCore

/// Pre-built request bytes for one connection: everything but the id is fixed, so a request is a few
/// `memcpy`s and a decimal integer. Emails embed the id, which is unique per connection, the connection
/// index and a per-run tag, so every `sign` and `rsvp` creates a new record, even across runs against
/// the same database.
struct RequestTemplates: Sendable {
    private struct Template: Sendable {
        /// Bytes after the id; for `sign` and `rsvp` they end inside the email, which continues with the
        /// id again and then `tail`.
        var afterId: [UInt8]
        var tail: [UInt8]?
    }

    private static let head = Array(#"{"jsonrpc":"2.0","id":"#.utf8)
    private var templates: [Template]

    init(runTag: String, connection: Int, eventId: String) {
        let emailDomain = #"@example.org"}}"# + "\n"
        templates = RequestKind.allCases.map { kind in
            let method = #","method":"# + jsonString(kind.method)
            switch kind {
            case .count:
                return Template(afterId: Array((method + "}\n").utf8), tail: nil)
            case .list:
                return Template(afterId: Array((method + #","params":{"limit":20}}"# + "\n").utf8), tail: nil)
            case .sign:
                let params = #","params":{"name":"Bench Signer","email":"b\#(runTag).\#(connection)."#
                return Template(afterId: Array((method + params).utf8), tail: Array(emailDomain.utf8))
            case .rsvp:
                let params =
                    #","params":{"eventId":"# + jsonString(eventId)
                    + #","name":"Bench Guest","email":"r\#(runTag).\#(connection)."#
                return Template(afterId: Array((method + params).utf8), tail: Array(emailDomain.utf8))
            case .repeat:
                // One email per connection: the first request signs, every later one is a repeat.
                let params = #","params":{"name":"Bench Signer","email":"b\#(runTag).\#(connection).0"# + emailDomain
                return Template(afterId: Array((method + params).utf8), tail: nil)
            }
        }
    }

    /// Appends one request line for `kind` with `id` to `buffer`.
    @inline(__always)
    func write(_ kind: RequestKind, id: Int, into buffer: inout ByteBuffer) {
        let template = templates[kind.index]
        buffer.writeBytes(Self.head)
        buffer.writeDecimal(id)
        buffer.writeBytes(template.afterId)
        if let tail = template.tail {
            buffer.writeDecimal(id)
            buffer.writeBytes(tail)
        }
    }
}

extension RequestKind {
    /// Position in `allCases`, for array lookups on the hot path.
    var index: Int {
        switch self {
        case .count: 0
        case .list: 1
        case .sign: 2
        case .rsvp: 3
        case .repeat: 4
        }
    }
}

extension ByteBuffer {
    /// Writes a non-negative integer in decimal without building a String.
    @inline(__always)
    mutating func writeDecimal(_ value: Int) {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        let start = writerIndex
        writeRepeatingByte(UInt8(ascii: "0"), count: digits)
        var v = value
        var at = start + digits - 1
        while v > 0 {
            setInteger(UInt8(truncatingIfNeeded: 48 + v % 10), at: at)
            v /= 10
            at -= 1
        }
    }
}

/// A JSON string literal for `text` (quotes, backslashes and control characters escaped).
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
