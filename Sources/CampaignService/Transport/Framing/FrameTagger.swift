import NIOCore
import NIOExtras

/// Turns decoded buffers, oversize reports and decoder errors into `Frame`s for the connection loop.
final class FrameTagger: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = Frame

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(wrapInboundOut(.message(unwrapInboundIn(data))))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is OversizeSkippingLineDecoder.FrameTooLarge {
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
        case let error as ContentLengthFrameDecoder.DecodingError:
            reason = error.description
        case is NIOExtrasErrors.LeftOverBytesError, is ByteToMessageDecoderError:
            reason = "incomplete frame at end of stream"
        default:
            context.fireErrorCaught(error)
            return
        }
        context.fireChannelRead(wrapInboundOut(.broken(reason: reason)))
    }
}
