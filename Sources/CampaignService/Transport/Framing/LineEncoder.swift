import NIOCore

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
