import Foundation

/// Recognises, without building a tree, a frame that is exactly one request (or notification) of a
/// parameterless method: `jsonrpc` "2.0", the method, an optional id, and `params` absent or `{}`.
/// Anything else — escapes, unknown members, duplicates, any doubt — is not matched, and takes the full
/// path with its errors. It serves the hottest read of a campaign.
public enum FastRequestMatch {
    public enum Match: Equatable, Sendable {
        /// The id's bytes as written: `start..<end` of the frame.
        case request(idStart: Int, idEnd: Int)
        case notification
    }

    public static func parameterless(_ bytes: UnsafeBufferPointer<UInt8>, method: [UInt8]) -> Match? {
        var c = JSONParser.Cursor(bytes: bytes, maxDepth: 2)
        func at(_ ascii: Unicode.Scalar) -> Bool { c.index < bytes.count && bytes[c.index] == UInt8(ascii: ascii) }
        /// The bytes of a string without escapes or non-ASCII, quotes included; nil otherwise.
        func plainString() -> Range<Int>? {
            guard at("\"") else { return nil }
            let start = c.index
            c.index += 1
            while c.index < bytes.count {
                let b = bytes[c.index]
                if b == UInt8(ascii: "\"") {
                    c.index += 1
                    return start..<c.index
                }
                guard b >= 0x20, b < 0x80, b != UInt8(ascii: "\\") else { return nil }
                c.index += 1
            }
            return nil
        }
        func equals(_ range: Range<Int>, _ expected: [UInt8]) -> Bool {
            // memcmp: this runs on every frame, and a generic comparison is slow in debug builds.
            guard range.count == expected.count + 2, let base = bytes.baseAddress else { return false }
            return expected.withUnsafeBytes { e in e.baseAddress.map { memcmp(base + range.lowerBound + 1, $0, e.count) == 0 } ?? true }
        }

        c.skipWhitespace()
        guard at("{") else { return nil }
        c.index += 1
        var seenVersion = false
        var seenMethod = false
        var seenParams = false
        var id: Range<Int>? = nil
        var seenID = false
        c.skipWhitespace()
        if at("}") { return nil }
        while true {
            c.skipWhitespace()
            guard let key = plainString() else { return nil }
            c.skipWhitespace()
            guard at(":") else { return nil }
            c.index += 1
            c.skipWhitespace()
            if equals(key, Array("jsonrpc".utf8)) {
                guard !seenVersion, let value = plainString(), equals(value, Array("2.0".utf8)) else { return nil }
                seenVersion = true
            } else if equals(key, Array("method".utf8)) {
                guard !seenMethod, let value = plainString(), equals(value, method) else { return nil }
                seenMethod = true
            } else if equals(key, Array("params".utf8)) {
                guard !seenParams, at("{") else { return nil }
                c.index += 1
                c.skipWhitespace()
                guard at("}") else { return nil }
                c.index += 1
                seenParams = true
            } else if equals(key, Array("id".utf8)) {
                guard !seenID else { return nil }
                seenID = true
                let start = c.index
                if at("\"") {
                    guard let value = plainString() else { return nil }
                    id = value
                } else if at("n") {
                    guard (try? c.expectLiteral("null")) != nil else { return nil }
                    id = start..<c.index
                } else {
                    guard (try? c.parseNumber()) != nil else { return nil }
                    id = start..<c.index
                }
            } else {
                return nil
            }
            c.skipWhitespace()
            if at(",") {
                c.index += 1
                continue
            }
            guard at("}") else { return nil }
            c.index += 1
            break
        }
        c.skipWhitespace()
        guard c.index == bytes.count, seenVersion, seenMethod else { return nil }
        guard let id else { return .notification }
        return .request(idStart: id.lowerBound, idEnd: id.upperBound)
    }
}
