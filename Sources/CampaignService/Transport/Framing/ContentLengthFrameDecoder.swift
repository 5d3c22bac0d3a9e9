import NIOCore

/// LSP-style framing: a block of `Name: value` header lines, an empty line, then a body of exactly
/// `Content-Length` bytes. Other headers are ignored. Stricter than NIOExtras' decoder, which it
/// replaces: a length over the frame limit is refused at its header (not after waiting for the body),
/// a second `Content-Length` in one block is refused (two parsers could read two different frames),
/// and a header block is bounded.
struct ContentLengthFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// What closes the connection, with the reason its error reply gives.
    enum DecodingError: Error, Equatable, CustomStringConvertible {
        case frameTooLarge(limit: Int)
        case duplicateContentLength
        case missingContentLength
        case badContentLength
        case malformedHeader
        case headerBlockTooLarge
        case incompleteFrame

        var description: String {
            switch self {
            case .frameTooLarge(let limit): "Content-Length over the frame limit of \(limit) bytes"
            case .duplicateContentLength: "more than one Content-Length header"
            case .missingContentLength: "missing Content-Length header"
            case .badContentLength: "bad Content-Length header"
            case .malformedHeader: "malformed header line"
            case .headerBlockTooLarge: "header block over \(ContentLengthFrameDecoder.maxHeaderBytes) bytes"
            case .incompleteFrame: "incomplete frame at end of stream"
            }
        }
    }

    /// LSP's headers take some 60 bytes; this leaves room for others without holding much.
    static let maxHeaderBytes = 1024

    let maxFrameBytes: Int
    /// The block being read: its `Content-Length` once seen, and its size so far.
    private var contentLength: Int?
    private var headerBytes = 0
    /// Set once the block has ended: the body being waited for.
    private var bodyLength: Int?

    init(maxFrameBytes: Int) { self.maxFrameBytes = maxFrameBytes }

    /// Whether a frame has begun and not ended.
    var isMidFrame: Bool { bodyLength != nil || headerBytes > 0 }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try nextFrame(&buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    /// Reads header lines, then the body; nil until the body is complete.
    mutating func nextFrame(_ buffer: inout ByteBuffer) throws -> ByteBuffer? {
        while true {
            if let length = bodyLength {
                guard let body = buffer.readSlice(length: length) else { return nil }
                bodyLength = nil
                return body
            }
            guard let line = try nextHeaderLine(&buffer) else { return nil }
            try readHeader(line)
        }
    }

    /// A header line without its line end, once it is complete; the block stays within its bound.
    private mutating func nextHeaderLine(_ buffer: inout ByteBuffer) throws -> [UInt8]? {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            guard headerBytes + buffer.readableBytes <= Self.maxHeaderBytes else { throw DecodingError.headerBlockTooLarge }
            return nil
        }
        let length = newline - buffer.readerIndex + 1
        headerBytes += length
        guard headerBytes <= Self.maxHeaderBytes, let bytes = buffer.readBytes(length: length) else {
            throw DecodingError.headerBlockTooLarge
        }
        // CRLF as LSP writes it; a bare LF as well.
        var line = bytes.dropLast()
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return Array(line)
    }

    /// Takes in one header line; the empty line ends the block.
    private mutating func readHeader(_ line: [UInt8]) throws {
        guard !line.isEmpty else {
            guard let length = contentLength else { throw DecodingError.missingContentLength }
            contentLength = nil
            headerBytes = 0
            bodyLength = length
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw DecodingError.malformedHeader }
        let name = Self.trimmed(line[..<colon])
        // Any other header is ignored.
        guard name.count == Self.headerName.count, zip(name, Self.headerName).allSatisfy({ Self.lowercased($0) == $1 }) else { return }
        guard contentLength == nil else { throw DecodingError.duplicateContentLength }
        contentLength = try parseLength(Self.trimmed(line[(colon + 1)...]))
    }

    /// Decimal digits only; a length past the limit is refused before its body is waited for.
    private func parseLength(_ digits: some Collection<UInt8>) throws -> Int {
        guard !digits.isEmpty, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw DecodingError.badContentLength
        }
        var value = 0
        for digit in digits {
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
            if value > maxFrameBytes { throw DecodingError.frameTooLarge(limit: maxFrameBytes) }
        }
        return value
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // A frame cut off by the end of the stream is answered, not dropped in silence.
        if isMidFrame || buffer.readableBytes > 0 {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            throw DecodingError.incompleteFrame
        }
        return .needMoreData
    }

    static let headerName = Array("content-length".utf8)

    static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }

    static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let start = bytes.firstIndex { !isBlank($0) } ?? bytes.endIndex
        let end = bytes.lastIndex { !isBlank($0) }.map { $0 + 1 } ?? start
        return bytes[start..<end]
    }
}
