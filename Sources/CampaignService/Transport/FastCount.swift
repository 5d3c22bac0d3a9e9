import CampaignProtocol
import NIOCore

/// Answers a plain `signatures.count` request itself (see `FastRequestMatch`) and passes every other
/// frame on unchanged. `signatures.count` is what crowds reload: a request that hops to a task and
/// back costs more than the read, which the store answers from bytes kept until a commit changes them.
final class FastCountHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias InboundOut = Frame
    typealias OutboundOut = ByteBuffer

    let store: CampaignStore
    let role: Role
    let metrics: ServiceMetrics
    let maxDepth: Int
    /// The figures for the requests of one read: they arrived together, after every commit the
    /// check sees, so one check answers them all. Replies go out with one flush.
    private var batchResult: [UInt8]?
    private var wrote = false

    init(store: CampaignStore, role: Role, metrics: ServiceMetrics, maxDepth: Int) {
        self.store = store
        self.role = role
        self.metrics = metrics
        self.maxDepth = maxDepth
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A client that does not read its replies goes the general way, where writes wait for the
        // socket and the in-flight limit then stops reading: memory stays bounded.
        let started = metrics.clock
        guard context.channel.isWritable, case .message(let frame) = unwrapInboundIn(data),
            let match = frame.withUnsafeReadableBytes({ raw in
                FastRequestMatch.parameterless(raw.assumingMemoryBound(to: UInt8.self), method: Self.method)
            }),
            let result = batchResult ?? (try? store.encodedSignatureCounts(role: role))
        else {
            context.fireChannelRead(data)
            return
        }
        batchResult = result
        // A notification gets no reply.
        guard case .request(let idStart, let idEnd) = match else {
            metrics.recordRequest(method: CountSignatures.method, error: nil, since: started)
            return
        }
        var reply = context.channel.allocator.buffer(capacity: 40 + (idEnd - idStart) + result.count)
        reply.writeStaticString(#"{"jsonrpc":"2.0","id":"#)
        reply.writeImmutableBuffer(frame.getSlice(at: frame.readerIndex + idStart, length: idEnd - idStart) ?? ByteBuffer())
        reply.writeStaticString(#","result":"#)
        reply.writeBytes(result)
        reply.writeInteger(UInt8(ascii: "}"))
        context.write(wrapOutboundOut(reply), promise: nil)
        wrote = true
        metrics.recordRequest(method: CountSignatures.method, error: nil, since: started)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush(context)
        context.fireChannelReadComplete()
    }

    /// A last frame without its newline is decoded at the end of input, after the read completed.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        flush(context)
        context.fireUserInboundEventTriggered(event)
    }

    private func flush(_ context: ChannelHandlerContext) {
        batchResult = nil
        if wrote {
            wrote = false
            context.flush()
        }
    }

    static let method = Array(CountSignatures.method.utf8)
}
