import NIOCore

/// What the generator needs from a reply line, found by scanning bytes instead of parsing JSON: the
/// integer id (the generator only sends integer ids) and whether it is an error, with its code.
struct ReplySummary {
    /// nil for `"id":null` (the server could not read the request) or a reply without a numeric id.
    var id: Int?
    var isError: Bool
    /// The error's `code`, when `isError` and one could be read.
    var errorCode: Int?
}

enum ReplyScanner {
    private static let idKey = Array(#""id":"#.utf8)
    private static let errorKey = Array(#""error":"#.utf8)
    private static let codeKey = Array(#""code":"#.utf8)
    private static let resultMember = Array(#""result""#.utf8)
    private static let errorMember = Array(#""error""#.utf8)

    static func scan(_ line: ByteBuffer) -> ReplySummary {
        line.withUnsafeReadableBytes { scan($0) }
    }

    static func scan(_ bytes: UnsafeRawBufferPointer) -> ReplySummary {
        // The first `"id":` followed by a number. campaignd (and the transport floor) write the id first;
        // ids nested in these methods' results are strings, so they are skipped.
        var id: Int?
        var afterId = 0
        var from = 0
        while let key = find(idKey, in: bytes, from: from) {
            let value = skipSpaces(bytes, key + idKey.count)
            if let (number, end) = readInteger(bytes, value) {
                id = number
                afterId = end
                break
            }
            from = key + 1
        }
        // Fast path: the member after the id says which it is.
        if id != nil {
            var next = skipSpaces(bytes, afterId)
            if next < bytes.count, bytes[next] == UInt8(ascii: ",") { next = skipSpaces(bytes, next + 1) }
            if hasPrefix(resultMember, bytes, at: next) { return ReplySummary(id: id, isError: false, errorCode: nil) }
            if hasPrefix(errorMember, bytes, at: next) {
                return ReplySummary(id: id, isError: true, errorCode: errorCode(bytes, from: next))
            }
        }
        // Other member orders: search the whole line.
        guard let error = find(errorKey, in: bytes, from: 0) else { return ReplySummary(id: id, isError: false, errorCode: nil) }
        return ReplySummary(id: id, isError: true, errorCode: errorCode(bytes, from: error))
    }

    private static func errorCode(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let key = find(codeKey, in: bytes, from: from) else { return nil }
        return readInteger(bytes, skipSpaces(bytes, key + codeKey.count))?.value
    }

    @inline(__always)
    private static func skipSpaces(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int {
        var i = start
        while i < bytes.count, bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "\t") { i += 1 }
        return i
    }

    /// A decimal integer (optionally negative) at `start`, and the index after it.
    @inline(__always)
    private static func readInteger(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> (value: Int, end: Int)? {
        var i = start
        var negative = false
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        let digitsStart = i
        var value = 0
        while i < bytes.count, bytes[i] &- UInt8(ascii: "0") < 10, i - digitsStart < 18 {
            value = value * 10 + Int(bytes[i] &- UInt8(ascii: "0"))
            i += 1
        }
        guard i > digitsStart else { return nil }
        return (negative ? -value : value, i)
    }

    @inline(__always)
    private static func hasPrefix(_ pattern: [UInt8], _ bytes: UnsafeRawBufferPointer, at start: Int) -> Bool {
        guard start + pattern.count <= bytes.count else { return false }
        for j in 0..<pattern.count where bytes[start + j] != pattern[j] { return false }
        return true
    }

    private static func find(_ pattern: [UInt8], in bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let first = pattern.first, pattern.count <= bytes.count else { return nil }
        var i = from
        let last = bytes.count - pattern.count
        while i <= last {
            if bytes[i] == first, hasPrefix(pattern, bytes, at: i) { return i }
            i += 1
        }
        return nil
    }
}
