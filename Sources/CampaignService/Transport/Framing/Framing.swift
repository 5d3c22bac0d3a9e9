import NIOCore

/// How a connection's messages are delimited, decided from its first bytes (see `FramingDetector`).
enum Framing: Sendable, Equatable {
    /// Newline-delimited JSON.
    case newline
    /// LSP-style `Content-Length` headers.
    case contentLength

    /// Adds the framing handlers to a new connection.
    static func add(to pipeline: ChannelPipeline.SynchronousOperations, maxFrameBytes: Int) throws {
        let encoder = LineEncoder()
        try pipeline.addHandler(encoder)
        try pipeline.addHandler(FramingDetector(maxFrameBytes: maxFrameBytes, lineEncoder: encoder))
        try pipeline.addHandler(FrameTagger())
    }

    /// The first bytes that select headers, compared without case as LSP's header names are.
    static let contentLengthHeader = Array("content-length:".utf8)

    /// Which framing these first bytes select, with the white space before them; nil until it is
    /// known. Leading white space is skipped, as blank lines are, but not without bound.
    static func detect(_ bytes: ByteBufferView, limit: Int) -> (framing: Framing, leadingSpace: Int)? {
        var leadingSpace = 0
        var matched = 0
        for byte in bytes {
            if matched == 0, isSpace(byte) {
                leadingSpace += 1
                continue
            }
            // Only a `Content-Length` header selects headers: a JSON literal (`null`, `true`) or any
            // other text is a newline-delimited frame and gets its error reply.
            guard ContentLengthFrameDecoder.lowercased(byte) == contentLengthHeader[matched] else { return (.newline, leadingSpace) }
            matched += 1
            if matched == contentLengthHeader.count { return (.contentLength, leadingSpace) }
        }
        return matched == 0 && leadingSpace > limit ? (.newline, leadingSpace) : nil
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")
    }
}
