import NIOCore

/// Holds what arrives before `serve` wraps the channel. With reading off, NIO still reads everything
/// up to an end of input it is told of (data sent and the input closed at once): without this, those
/// frames and the end would pass an unwrapped pipeline and be lost, and the connection would hang.
final class ServeGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Frame
    typealias InboundOut = Frame

    static let name = "serve-gate"

    enum Held {
        case read(NIOAny)
        case event(Any)
    }
    var held: [Held] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { held.append(.read(data)) }
    func channelReadComplete(context: ChannelHandlerContext) {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            held.append(.event(event))
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func removeHandler(context: ChannelHandlerContext, removalToken: ChannelHandlerContext.RemovalToken) {
        let replay = held
        held = []
        for item in replay {
            switch item {
            case .read(let data): context.fireChannelRead(data)
            case .event(let event): context.fireUserInboundEventTriggered(event)
            }
        }
        if !replay.isEmpty { context.fireChannelReadComplete() }
        context.leavePipeline(removalToken: removalToken)
    }
}
