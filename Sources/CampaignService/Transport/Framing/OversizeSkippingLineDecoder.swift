import NIOCore
import NIOExtras

/// NIOExtras' `LineBasedFrameDecoder`, with the contract's rule for a line that is too long: report it
/// once (a `FrameTooLarge` event), skip to the end of that line, and go on with the next.
struct OversizeSkippingLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// The inbound event that reports a line over the limit.
    struct FrameTooLarge: Sendable {}

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
            emit(line, endedByStream: false, context: context)
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
    func emit(_ line: ByteBuffer, endedByStream: Bool, context: ChannelHandlerContext) {
        guard line.readableBytesView.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") && $0 != UInt8(ascii: "\r") })
        else { return }
        // A `\r` of a `\r\n` cut off by the end of the stream does not count towards the limit; on a
        // line whose `\r\n` was already taken off (`x\r\r\n`), a last `\r` is the line's own.
        let cutCR = endedByStream && line.readableBytesView.last == UInt8(ascii: "\r")
        let length = line.readableBytes - (cutCR ? 1 : 0)
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
            emit(line, endedByStream: true, context: context)
        }
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }
}
