import NIOConcurrencyHelpers
import NIOCore

/// A connection's requests in flight and replies on their way out. Writes do not wait: the task that
/// computed a reply ends once the reply is queued, and the connection loop waits in `mayStart()` before
/// computing more. A client that reads no replies thus holds at most its channel's high watermark plus
/// the replies already being computed, and no suspended tasks.
final class ConnectionOutput: Sendable {
    private struct State {
        var inflight = 0
        var pendingBytes = 0
        var pendingWrites = 0
        var closed = false
        var readyWaiters: [CheckedContinuation<Bool, Never>] = []
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = NIOLockedValueBox(State())
    private let channel: any Channel
    private let ledger: ReplyLedger
    private let maxInflight: Int

    init(channel: any Channel, ledger: ReplyLedger, maxInflight: Int) {
        self.channel = channel
        self.ledger = ledger
        self.maxInflight = maxInflight
    }

    /// A request is being computed; `finished()` when its reply is queued.
    func started() { state.withLockedValue { $0.inflight += 1 } }
    func finished() { changed { $0.inflight -= 1 } }

    /// Queues a reply; it counts as pending, here and in the ledger, until the socket has taken it.
    func write(_ reply: ByteBuffer) {
        let bytes = reply.readableBytes
        state.withLockedValue { state in
            state.pendingBytes += bytes
            state.pendingWrites += 1
        }
        ledger.add(bytes)
        channel.writeAndFlush(reply).whenComplete { _ in
            self.ledger.remove(bytes)
            self.changed { state in
                state.pendingBytes -= bytes
                state.pendingWrites -= 1
            }
        }
    }

    /// Whether the connection may start another request: fewer than `maxInflight` are being computed,
    /// less than `highWater` of replies wait for its socket, and, while replies across all connections
    /// are over budget, none do. Counted here as they are queued, not by the channel's writability, which
    /// learns of a write only once it reaches the event loop: many more could be started meanwhile.
    private func takesMore(_ state: State) -> Bool {
        state.inflight < maxInflight && state.pendingBytes < Self.highWater && !(state.pendingBytes > 0 && ledger.isOverBudget)
    }

    /// With the socket's own buffer (some 200 KB) this is already far ahead of a client that is not reading.
    static let highWater = 16 * 1024

    /// True once the connection may start another request, false once it is closed.
    func mayStart() async -> Bool {
        if state.withLockedValue({ takesMore($0) && !$0.closed }) { return true }
        return await withCheckedContinuation { continuation in
            // Checked under the lock that every change takes: none is missed.
            state.withLockedValue { state in
                if state.closed {
                    continuation.resume(returning: false)
                } else if takesMore(state) {
                    continuation.resume(returning: true)
                } else {
                    state.readyWaiters.append(continuation)
                }
            }
        }
    }

    /// Returns when every queued reply has been written, or the connection is closed.
    func drained() async {
        await withCheckedContinuation { continuation in
            state.withLockedValue { state in
                if state.closed || state.pendingWrites == 0 {
                    continuation.resume()
                } else {
                    state.drainWaiters.append(continuation)
                }
            }
        }
    }

    /// Applies a change and wakes whoever it concerns.
    private func changed(_ update: (inout State) -> Void) {
        let (ready, drained, open) = state.withLockedValue { state in
            update(&state)
            var ready: [CheckedContinuation<Bool, Never>] = []
            var drained: [CheckedContinuation<Void, Never>] = []
            if state.closed || takesMore(state) { swap(&ready, &state.readyWaiters) }
            if state.closed || state.pendingWrites == 0 { swap(&drained, &state.drainWaiters) }
            return (ready, drained, !state.closed)
        }
        for waiter in ready { waiter.resume(returning: open) }
        for waiter in drained { waiter.resume() }
    }

    /// Tells the output of the channel's end.
    final class ChannelEndHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let output: ConnectionOutput
        init(_ output: ConnectionOutput) { self.output = output }

        func channelInactive(context: ChannelHandlerContext) {
            output.changed { $0.closed = true }
            context.fireChannelInactive()
        }

        func handlerRemoved(context: ChannelHandlerContext) { output.changed { $0.closed = true } }
    }
}
