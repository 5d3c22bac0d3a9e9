import Histogram
import NIOCore

/// Monotonic nanoseconds (CLOCK_MONOTONIC through NIO).
@inline(__always)
func monotonicNow() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

/// What one connection does; plain values, shared with the event loop by copy.
struct ConnectionPlan: Sendable {
    var index: Int
    var depth: Int
    var schedule: [RequestKind]
    var templates: RequestTemplates
    var drainTimeout: TimeAmount
}

/// Sent down the pipeline when every connection is up: start sending, and the window to record.
struct StartEvent: Sendable {
    var warmupEnd: UInt64
    var measureEnd: UInt64
}

/// Sent when the measured window is over: wait for outstanding replies, at most the drain timeout.
struct StopEvent: Sendable {}

/// What one connection measured.
struct ConnectionResult: Sendable {
    /// Latencies of successful replies in the window, nanoseconds.
    var histogram = Histogram<UInt64>(highestTrackableValue: Report.highestLatency, numberOfSignificantValueDigits: .three)
    var ok = 0
    /// By JSON-RPC code ("-32004"), or "connection" (the connection failed), "timeout" (no reply within
    /// the drain timeout), "unmatched" (a reply whose id was not outstanding).
    var errorsByCode: [String: Int] = [:]
    /// Why the connection failed, for the human report.
    var failure: String?

    var errors: Int { errorsByCode.values.reduce(0, +) }
}

/// The closed loop of one connection, entirely on its event loop: `depth` requests outstanding, a new
/// one for each reply, latency recorded per request. Callbacks, no tasks or locks: this is the hot path.
final class BenchConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let plan: ConnectionPlan
    private let done: EventLoopPromise<ConnectionResult>
    private var result = ConnectionResult()

    /// Per slot (id % depth): the id outstanding in it (-1 when free) and when it was sent.
    private var slotId: [Int]
    private var sentAt: [UInt64]
    private var nextGeneration: [Int]
    private var outstanding = 0
    private var cursor: Int

    private var out: ByteBuffer
    private var warmupEnd = UInt64.max
    private var measureEnd = UInt64.max
    private var stopping = false
    private var finished = false
    private var drainTimer: Scheduled<Void>?

    init(plan: ConnectionPlan, done: EventLoopPromise<ConnectionResult>) {
        self.plan = plan
        self.done = done
        slotId = [Int](repeating: -1, count: plan.depth)
        sentAt = [UInt64](repeating: 0, count: plan.depth)
        nextGeneration = [Int](repeating: 0, count: plan.depth)
        // Connections start at different points of the mix so they do not move in lock-step.
        cursor = plan.index % plan.schedule.count
        out = ByteBufferAllocator().buffer(capacity: 0)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let start as StartEvent:
            warmupEnd = start.warmupEnd
            measureEnd = start.measureEnd
            let now = monotonicNow()
            out = context.channel.allocator.buffer(capacity: plan.depth * 128)
            for slot in 0..<plan.depth { send(slot: slot, now: now) }
            flush(context: context)
        case is StopEvent:
            stopping = true
            if outstanding == 0 {
                finish(context: context)
            } else if !finished {
                drainTimer = context.eventLoop.assumeIsolated().scheduleTask(in: plan.drainTimeout) {
                    // Replies that never came are errors: the server stalled or lost them.
                    self.result.errorsByCode["timeout", default: 0] += self.outstanding
                    self.finish(context: context)
                }
            }
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = monotonicNow()
        let reply = ReplyScanner.scan(unwrapInboundIn(data))
        guard let id = reply.id, id >= 0, slotId[id % plan.depth] == id else {
            // Not one of ours (or `"id":null`): count it; its slot, if any, stays busy until the drain timeout.
            if now >= warmupEnd, now < measureEnd { result.errorsByCode["unmatched", default: 0] += 1 }
            return
        }
        let slot = id % plan.depth
        let latency = now &- sentAt[slot]
        slotId[slot] = -1
        outstanding -= 1
        if now >= warmupEnd, now < measureEnd {
            if reply.isError {
                result.errorsByCode[reply.errorCode.map(String.init) ?? "unknown", default: 0] += 1
            } else {
                result.ok += 1
                result.histogram.record(min(latency, Report.highestLatency))
            }
        }
        if !stopping, now < measureEnd {
            send(slot: slot, now: now)
        } else if outstanding == 0 {
            finish(context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // One write per batch of replies read: requests for all of them go out together.
        flush(context: context)
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if result.failure == nil { result.failure = "\(error)" }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !finished {
            result.errorsByCode["connection", default: 0] += 1
            if result.failure == nil { result.failure = "connection closed by the server" }
        }
        finish(context: context)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // The promise must be completed whatever happens to the channel.
        finish(context: context)
    }

    private func send(slot: Int, now: UInt64) {
        let id = nextGeneration[slot] * plan.depth + slot
        nextGeneration[slot] += 1
        let kind = plan.schedule[cursor]
        cursor += 1
        if cursor == plan.schedule.count { cursor = 0 }
        plan.templates.write(kind, id: id, into: &out)
        slotId[slot] = id
        sentAt[slot] = now
        outstanding += 1
    }

    private func flush(context: ChannelHandlerContext) {
        guard out.readableBytes > 0, context.channel.isActive else { return }
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        // A fresh buffer: clearing the one just written would copy it, since the channel still holds it.
        out = context.channel.allocator.buffer(capacity: 1024)
    }

    private func finish(context: ChannelHandlerContext) {
        guard !finished else { return }
        finished = true
        drainTimer?.cancel()
        drainTimer = nil
        done.succeed(result)
        context.close(promise: nil)
    }
}
