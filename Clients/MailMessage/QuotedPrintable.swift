/// Quoted-printable (RFC 2045 §6.7) with CRLF line ends and encoded lines of at most 76 characters.
enum QuotedPrintable {
    static let maxLine = 76

    /// Line ends in `text` (CRLF, LF or CR) become CRLF. The CRLF that ends a part before its
    /// boundary belongs to the boundary (RFC 2046 §5.1.1): the caller writes it.
    static func encode(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8 + 16)
        for (index, line) in lines(bytes).enumerated() {
            if index > 0 { out += [13, 10] }
            encodeLine(line, into: &out)
        }
        return out
    }

    /// The lines between line ends: `a\n` is `a` and an empty last line.
    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var start = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == 13 || bytes[i] == 10 {
                result.append(bytes[start..<i])
                if bytes[i] == 13, i + 1 < bytes.count, bytes[i + 1] == 10 { i += 1 }
                start = i + 1
            }
            i += 1
        }
        result.append(bytes[start...])
        return result
    }

    static func encodeLine(_ line: ArraySlice<UInt8>, into out: inout [UInt8]) {
        line.withUnsafeBufferPointer { line in
            var length = 0
            let last = line.count - 1
            for index in 0..<line.count {
                let byte = line[index]
                let isLast = index == last
                // A soft break needs one column for its `=`, unless this is the line's last byte.
                let limit = isLast ? maxLine : maxLine - 1
                var literal = isLiteral(byte, isLast: isLast, atStart: length == 0)
                if length + (literal ? 1 : 3) > limit {
                    out.append(61)
                    out.append(13)
                    out.append(10)
                    length = 0
                    literal = isLiteral(byte, isLast: isLast, atStart: true)
                }
                if literal {
                    out.append(byte)
                    length += 1
                } else {
                    out.append(61)
                    out.append(hexDigit(byte >> 4))
                    out.append(hexDigit(byte & 15))
                    length += 3
                }
            }
        }
    }

    /// Upper-case, as RFC 2045 asks.
    @inline(__always) static func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 48 + nibble : 55 + nibble }

    /// Printable ASCII but `=` as itself; spaces and tabs too except at the end of a line; a
    /// leading `.` encoded, so that no relay that forgets dot-stuffing can end the message early.
    @inline(__always) static func isLiteral(_ byte: UInt8, isLast: Bool, atStart: Bool) -> Bool {
        (byte >= 33 && byte <= 126 && byte != 61 && !(atStart && byte == 46)) || ((byte == 32 || byte == 9) && !isLast)
    }
}
