import NIOCore
import NIOExtras

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
        guard var buffer = pending, let detected = Framing.detect(buffer.readableBytesView, limit: maxFrameBytes) else { return }
        let pipeline = context.pipeline.syncOperations
        do {
            switch detected.framing {
            case .newline:
                try pipeline.addHandler(
                    ByteToMessageHandler(OversizeSkippingLineDecoder(maxFrameBytes: maxFrameBytes), maximumBufferSize: maxFrameBytes + 2),
                    position: .after(self))
            case .contentLength:
                // The headers' decoder sees the block from its first header on.
                buffer.moveReaderIndex(forwardBy: detected.leadingSpace)
                lineEncoder.appendsNewline = false
                try pipeline.addHandler(
                    ByteToMessageHandler(
                        ContentLengthFrameDecoder(maxFrameBytes: maxFrameBytes),
                        maximumBufferSize: maxFrameBytes + ContentLengthFrameDecoder.maxHeaderBytes),
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
}
