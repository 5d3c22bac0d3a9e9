import Foundation

/// Header fields as RFC 5322 and RFC 2047 write them: one value can never become two fields.
enum HeaderField {
    static let maxLine = 78
    /// Bytes of text per encoded word: 39 bytes are 52 base64 characters, a word of 64 with
    /// `=?UTF-8?B?` and `?=`, so that even the first word fits after `Subject: `.
    static let bytesPerWord = 39

    /// Every control character (CR and LF among them), and the Unicode line and paragraph
    /// separators, becomes a space; runs of spaces become one. A value with these can end no line.
    static func clean(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var lastWasSpace = true
        for s in text.unicodeScalars {
            // ASCII, the usual name or title, needs no Unicode property look-up: controls, DEL and space.
            let space =
                s.isASCII
                ? s.value <= 0x20 || s.value == 0x7F
                : s.properties.generalCategory == .control || s == "\u{2028}" || s == "\u{2029}" || s.properties.isWhitespace
            if space {
                if !lastWasSpace { out.append(0x20) }
                lastWasSpace = true
            } else {
                UTF8.encode(s) { out.append($0) }
                lastWasSpace = false
            }
        }
        // Every whitespace became one space and none leads: only a trailing one is left to trim.
        if out.last == 0x20 { out.removeLast() }
        return String(decoding: out, as: UTF8.self)
    }

    /// `Name: value`, folded, CRLF at the end. The tokens go on one line while they fit in 78
    /// characters, the rest on continuation lines that start with a space.
    static func fold(name: String, tokens: [String]) -> String {
        var out = "\(name):"
        var lineLength = out.utf8.count
        var lineHasToken = false
        for token in tokens {
            let length = token.utf8.count
            if lineLength + 1 + length > maxLine, lineHasToken {
                out += "\r\n"
                lineLength = 0
            }
            out += " " + token
            lineLength += 1 + length
            lineHasToken = true
        }
        return out + "\r\n"
    }

    /// An unstructured field (`Subject`): ASCII words as they are, anything else as encoded words.
    static func unstructured(name: String, value: String) -> String {
        fold(name: name, tokens: words(clean(value)))
    }

    /// An address field: a display name, quoted or encoded, and the address in angle brackets.
    static func address(name: String, _ mailbox: MailAddress) -> String {
        let display = clean(mailbox.name)
        guard !display.isEmpty else { return fold(name: name, tokens: [mailbox.address]) }
        let angle = "<\(mailbox.address)>"
        if isPlain(display) {
            let phrase = quoted(display)
            if phrase.utf8.count <= maxLine - name.utf8.count - 2 { return fold(name: name, tokens: [phrase, angle]) }
        }
        return fold(name: name, tokens: encodedWords(display) + [angle])
    }

    /// Text that needs no encoding: printable ASCII, no word too long to fold (one fits after
    /// `Subject: `, as an encoded word does), nothing a reader would take for an encoded word.
    /// Byte by byte (every message's name and subject pass here): no Foundation search, no `Character`s.
    static func isPlain(_ text: String) -> Bool {
        var run = 0
        var previous: UInt8 = 0
        for byte in text.utf8 {
            guard byte >= 0x20 && byte < 0x7F, !(previous == UInt8(ascii: "=") && byte == UInt8(ascii: "?")) else { return false }
            run = byte == 0x20 ? 0 : run + 1
            if run > 64 { return false }
            previous = byte
        }
        return true
    }

    /// A plain display name as a quoted string: `\` and `"` escaped.
    static func quoted(_ plain: String) -> String {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        out.reserveCapacity(plain.utf8.count + 4)
        for byte in plain.utf8 {
            if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") { out.append(UInt8(ascii: "\\")) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }

    static func words(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        return isPlain(text) ? text.utf8.split(separator: 0x20).map { String(decoding: $0, as: UTF8.self) } : encodedWords(text)
    }

    /// RFC 2047 B-encoded words, each at most 75 characters, never splitting a character's bytes.
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in text.unicodeScalars {
            if chunk.count + UTF8.width(scalar) > bytesPerWord {
                words.append(encodedWord(chunk))
                chunk = []
            }
            UTF8.encode(scalar) { chunk.append($0) }
        }
        if !chunk.isEmpty { words.append(encodedWord(chunk)) }
        return words
    }

    static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?" + Data(bytes).base64EncodedString() + "?="
    }
}
