import NIOCore
import NIOExtras

/// What the connection loop receives: a message, or word that a newline-delimited frame was too large
/// and skipped (the connection stays usable), or a framing failure after which it must close.
enum Frame: Sendable {
    case message(ByteBuffer)
    case oversized
    case broken(reason: String)
}

enum Framing: Sendable {
    case newline
    case contentLength
}

/// Adds the framing handlers to a new connection. Which framing is used is decided per connection from
/// its first bytes: a header name (`Content-Length: ...`) selects LSP-style headers, anything else
/// newline-delimited JSON.
func addFraming(to pipeline: ChannelPipeline.SynchronousOperations, maxFrameBytes: Int) throws {
    let encoder = LineEncoder()
    try pipeline.addHandler(encoder)
    try pipeline.addHandler(FramingDetector(maxFrameBytes: maxFrameBytes, lineEncoder: encoder))
    try pipeline.addHandler(FrameTagger())
}

/// Appends `\n` to each outgoing message until the connection turns out to use headers.
final class LineEncoder: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    var appendsNewline = true

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var buffer = unwrapOutboundIn(data)
        if appendsNewline { buffer.writeInteger(UInt8(ascii: "\n")) }
        context.write(wrapOutboundOut(buffer), promise: promise)
    }
}

/// Holds the first bytes until the framing is known, installs the matching decoder (each in a
/// `ByteToMessageHandler` with a maximum buffer size) and gets out of the way.
final class FramingDetector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let maxFrameBytes: Int
    let lineEncoder: LineEncoder
    var pending: ByteBuffer?

    init(maxFrameBytes: Int, lineEncoder: LineEncoder) {
        self.maxFrameBytes = maxFrameBytes
        self.lineEncoder = lineEncoder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if var pending {
            pending.writeBuffer(&incoming)
            self.pending = pending
        } else {
            pending = incoming
        }
        guard let buffer = pending, let framing = Self.detect(buffer.readableBytesView, limit: maxFrameBytes) else { return }
        let pipeline = context.pipeline.syncOperations
        do {
            switch framing {
            case .newline:
                try pipeline.addHandler(
                    ByteToMessageHandler(OversizeSkippingLineDecoder(maxFrameBytes: maxFrameBytes), maximumBufferSize: maxFrameBytes + 2),
                    position: .after(self))
            case .contentLength:
                lineEncoder.appendsNewline = false
                try pipeline.addHandler(
                    ByteToMessageHandler(NIOJSONRPCFraming.ContentLengthHeaderFrameDecoder(), maximumBufferSize: maxFrameBytes + 1024),
                    position: .after(self))
                try pipeline.addHandler(NIOJSONRPCFraming.ContentLengthHeaderFrameEncoder(), position: .after(lineEncoder))
            }
        } catch {
            context.fireErrorCaught(error)
            return
        }
        self.pending = nil
        context.fireChannelRead(wrapInboundOut(buffer))
        pipeline.removeHandler(context: context, promise: nil)
    }

    /// Nil until a byte other than white space has arrived.
    static func detect(_ bytes: ByteBufferView, limit: Int) -> Framing? {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"): continue
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"): return .contentLength
            default: return .newline
            }
        }
        // Only white space: blank lines are ignored, but not without bound.
        return bytes.count > limit ? .newline : nil
    }
}

/// NIOExtras' `LineBasedFrameDecoder`, with the contract's rule for a line that is too long: report it
/// once, skip to the end of that line, and go on with the next.
struct OversizeSkippingLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    let maxFrameBytes: Int
    var lines = LineBasedFrameDecoder()
    var skipping = false

    init(maxFrameBytes: Int) { self.maxFrameBytes = maxFrameBytes }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if skipping {
            guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
                buffer.moveReaderIndex(to: buffer.writerIndex)
                return .needMoreData
            }
            buffer.moveReaderIndex(to: newline + 1)
            skipping = false
            return .continue
        }
        if let line = try lines.decode(buffer: &buffer) {
            emit(line, context: context)
            return .continue
        }
        // A frame of exactly the limit may still be waiting for the `\n` of its `\r\n`: however the
        // bytes arrive, the same frames come out.
        if buffer.readableBytes > maxFrameBytes + 1 {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            lines = LineBasedFrameDecoder()  // its scan offset referred to the bytes just dropped
            skipping = true
            context.fireUserInboundEventTriggered(FrameTooLarge())
        }
        return .needMoreData
    }

    /// Blank lines are ignored; a line over the limit is reported, not passed on.
    func emit(_ line: ByteBuffer, context: ChannelHandlerContext) {
        guard line.readableBytesView.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") && $0 != UInt8(ascii: "\r") })
        else { return }
        // A `\r` of a `\r\n` cut off by the end of the stream does not count towards the limit.
        let length = line.readableBytes - (line.readableBytesView.last == UInt8(ascii: "\r") ? 1 : 0)
        if length > maxFrameBytes {
            context.fireUserInboundEventTriggered(FrameTooLarge())
        } else {
            context.fireChannelRead(wrapInboundOut(line))
        }
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // A last line without its newline still counts, under the same rules.
        if !skipping, let line = buffer.readSlice(length: buffer.readableBytes), line.readableBytes > 0 {
            emit(line, context: context)
        }
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }
}

struct FrameTooLarge: Sendable {}

/// Turns decoded buffers, oversize reports and decoder errors into `Frame`s for the connection loop.
final class FrameTagger: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = Frame

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(wrapInboundOut(.message(unwrapInboundIn(data))))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is FrameTooLarge {
            context.fireChannelRead(wrapInboundOut(.oversized))
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reason: String
        switch error {
        case is ByteToMessageDecoderError.PayloadTooLargeError:
            reason = "frame too large"
        case let e as NIOJSONRPCFraming.ContentLengthHeaderFrameDecoder.DecodingError:
            switch e {
            case .missingContentLengthHeader: reason = "missing Content-Length header"
            case .illegalContentLengthHeaderValue: reason = "bad Content-Length header"
            }
        case is NIOExtrasErrors.LeftOverBytesError, is ByteToMessageDecoderError:
            reason = "incomplete frame at end of stream"
        default:
            context.fireErrorCaught(error)
            return
        }
        context.fireChannelRead(wrapInboundOut(.broken(reason: reason)))
    }
}
