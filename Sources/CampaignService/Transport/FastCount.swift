import CampaignProtocol
import GRDB
import NIOConcurrencyHelpers
import NIOCore

/// `signatures.count` is what crowds reload. It is answered on the event loop, from a reply cached
/// until the database changes: a request that hops to a task and back costs more than the read.
///
/// Exactness: the cache is keyed by `PRAGMA data_version` of the store's watcher connection, which
/// changes with every commit by any other connection — this process's writer or another process's —
/// and is read in the same transaction as the figures it guards.
final class CountsCache: Sendable {
    private let store: CampaignStore
    private let cached = NIOLockedValueBox<[Role: (version: Int, result: [UInt8])]>([:])

    init(store: CampaignStore) { self.store = store }

    /// The encoded `SignatureCounts` for `role`, as the dispatcher would encode them.
    func result(role: Role) throws -> [UInt8] {
        try store.watcher.read { db in
            let version = try Int.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? -1
            if let hit = cached.withLockedValue({ $0[role] }), hit.version == version { return hit.result }
            let result = try Counters.signatureCounts(db, role: role).jsonBytes
            cached.withLockedValue { $0[role] = (version, result) }
            return result
        }
    }
}

/// Answers a plain `signatures.count` request itself (see `FastRequestMatch`) and passes every other
/// frame on unchanged.
final class FastCountHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias InboundOut = Frame
    typealias OutboundOut = ByteBuffer

    let cache: CountsCache
    let role: Role
    let metrics: ServiceMetrics
    let maxDepth: Int
    /// The figures for the requests of one read: they arrived together, after every commit the
    /// check sees, so one check answers them all. Replies go out with one flush.
    private var batchResult: [UInt8]?
    private var wrote = false

    init(cache: CountsCache, role: Role, metrics: ServiceMetrics, maxDepth: Int) {
        self.cache = cache
        self.role = role
        self.metrics = metrics
        self.maxDepth = maxDepth
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A client that does not read its replies goes the general way, where writes wait for the
        // socket and the in-flight limit then stops reading: memory stays bounded.
        guard context.channel.isWritable, case .message(let frame) = unwrapInboundIn(data),
            let match = frame.withUnsafeReadableBytes({ raw in
                FastRequestMatch.parameterless(raw.assumingMemoryBound(to: UInt8.self), method: Self.method)
            }),
            let result = batchResult ?? (try? cache.result(role: role))
        else {
            context.fireChannelRead(data)
            return
        }
        batchResult = result
        metrics.recordRequest(failed: false)
        // A notification gets no reply.
        guard case .request(let idStart, let idEnd) = match else { return }
        var reply = context.channel.allocator.buffer(capacity: 40 + (idEnd - idStart) + result.count)
        reply.writeStaticString(#"{"jsonrpc":"2.0","id":"#)
        reply.writeImmutableBuffer(frame.getSlice(at: frame.readerIndex + idStart, length: idEnd - idStart) ?? ByteBuffer())
        reply.writeStaticString(#","result":"#)
        reply.writeBytes(result)
        reply.writeInteger(UInt8(ascii: "}"))
        context.write(wrapOutboundOut(reply), promise: nil)
        wrote = true
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

    static let method = Array(CountSignatures.name.utf8)
}
