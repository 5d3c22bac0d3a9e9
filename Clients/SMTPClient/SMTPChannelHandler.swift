import NIOCore
import NIOSSL
import NIOTLS

/// Runs an `SMTPStateMachine` on a channel, on its event loop: splits the bytes into lines and replies,
/// writes what the machine says, adds TLS after STARTTLS, and keeps the timeouts.
final class SMTPChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What `send` reports for each message: an outcome, or a connection that went away before the
    /// message's final dot was written (the server cannot have it: safe to send on a fresh connection).
    enum SendResult {
        case outcome(SMTPOutcome)
        case notSent(SMTPFailure)
    }

    /// Lines longer than this (RFC 5321 allows 512 for a reply line) mean the peer is not an SMTP server.
    private static let maximumReplyLine = 4096

    private var machine: SMTPStateMachine
    private var parser = SMTPReplyParser()
    private var buffer: ByteBuffer?
    private let timeouts: SMTPTimeouts
    private let makeTLSHandler: () throws -> NIOSSLClientHandler
    private var context: ChannelHandlerContext?
    private var timeout: Scheduled<Void>?

    private var opened: EventLoopPromise<Void>?
    private var sending: EventLoopPromise<[SendResult]>?
    /// Outcomes of the batch in hand so far, and how many messages it has.
    private var outcomes: [SMTPOutcome] = []
    private var batchSize = 0
    private var closing: EventLoopPromise<Void>?
    private var lastFailure: SMTPFailure?

    init(
        machine: SMTPStateMachine, timeouts: SMTPTimeouts, opened: EventLoopPromise<Void>,
        makeTLSHandler: @escaping () throws -> NIOSSLClientHandler
    ) {
        self.machine = machine
        self.timeouts = timeouts
        self.opened = opened
        self.makeTLSHandler = makeTLSHandler
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // The greeting (after the handshake, with implicit TLS) gets the command timeout.
        arm(timeouts.command, context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
        self.context = nil
    }

    // MARK: Requests, on the event loop

    /// Sends a batch of messages, each with its encoded body; one result each, in order.
    func send(_ messages: [(message: SMTPMessage, body: [UInt8])], promise: EventLoopPromise<[SendResult]>) {
        guard let context, context.channel.isActive, machine.isIdle, sending == nil else {
            let failure = SMTPFailure(stage: .connection, text: "the connection is closed")
            promise.succeed(Array(repeating: .notSent(failure), count: messages.count))
            return
        }
        guard !messages.isEmpty else {
            promise.succeed([])
            return
        }
        sending = promise
        outcomes = []
        batchSize = messages.count
        perform(machine.send(messages), context: context)
    }

    func quit(promise: EventLoopPromise<Void>) {
        guard let context, context.channel.isActive else {
            promise.succeed(())
            return
        }
        closing = promise
        perform(machine.quit(), context: context)
    }

    // MARK: Channel events

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if buffer == nil { buffer = bytes } else { buffer?.writeBuffer(&bytes) }
        while var current = buffer, let newline = current.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - current.readerIndex
            var line = current.readBytes(length: length) ?? []
            current.moveReaderIndex(forwardBy: 1)
            buffer = current.readableBytes > 0 ? current : nil
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            let reply: SMTPReply?
            do {
                reply = try parser.feed(line)
            } catch {
                close(context: context, failure: SMTPFailure(stage: .connection, text: "not an SMTP reply: \(error)"))
                return
            }
            guard let reply else { continue }
            timeout?.cancel()
            perform(machine.receive(reply), context: context)
            guard context.channel.isActive, self.context != nil else { return }
        }
        if let buffer, buffer.readableBytes > Self.maximumReplyLine {
            close(
                context: context, failure: SMTPFailure(stage: .connection, text: "a reply line longer than \(Self.maximumReplyLine) octets")
            )
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            timeout?.cancel()
            perform(machine.tlsEstablished(), context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let stage: SMTPStage = error is NIOSSLError || error is BoringSSLError ? .tls : .connection
        close(context: context, failure: SMTPFailure(stage: stage, text: "\(error)"))
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        let failure = lastFailure ?? machine.connectionLost("the server closed the connection")
        finishAll(failure)
        context.fireChannelInactive()
    }

    // MARK: Doing what the machine says

    private func perform(_ action: SMTPStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .write(let bytes):
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
            arm(machine.isAwaitingDataEnd ? timeouts.data : timeouts.command, context: context)
        case .startTLS:
            // Bytes after the 220 arrived in clear and cannot be trusted (the STARTTLS injection attack).
            if let buffer, buffer.readableBytes > 0 {
                close(context: context, failure: SMTPFailure(stage: .tls, text: "the server sent data after agreeing to STARTTLS"))
                return
            }
            do {
                try context.pipeline.syncOperations.addHandler(makeTLSHandler(), position: .first)
                arm(timeouts.command, context: context)
            } catch {
                close(context: context, failure: SMTPFailure(stage: .tls, text: "\(error)"))
            }
        case .ready:
            timeout?.cancel()
            opened?.succeed(())
            opened = nil
        case .finished(let done, let bytes):
            outcomes += done
            if let bytes { perform(.write(bytes), context: context) }
            guard outcomes.count >= batchSize, let promise = sending else { return }
            timeout?.cancel()
            sending = nil
            promise.succeed(outcomes.map { .outcome($0) })
        case .close(let failure):
            if let failure {
                close(context: context, failure: failure)
            } else {
                timeout?.cancel()
                context.close(promise: nil)
            }
        case .wait:
            break
        }
    }

    private func arm(_ duration: Duration, context: ChannelHandlerContext) {
        timeout?.cancel()
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timeout = context.eventLoop.scheduleTask(in: TimeAmount(duration)) {
            let handler = loopBound.value
            guard let context = handler.context else { return }
            let failure = handler.machine.connectionLost("no reply within \(duration)")
            handler.close(context: context, failure: failure)
        }
    }

    private func close(context: ChannelHandlerContext, failure: SMTPFailure) {
        timeout?.cancel()
        if lastFailure == nil { lastFailure = failure }
        _ = machine.connectionLost(failure.text)
        finishAll(failure)
        context.close(promise: nil)
    }

    /// Every waiting request learns the failure once.
    private func finishAll(_ failure: SMTPFailure) {
        opened?.fail(failure)
        opened = nil
        if let promise = sending {
            sending = nil
            // Messages with an outcome keep it. Of the others, one whose dot went out may have been taken
            // (at least once: it is retried later, a duplicate is possible); one whose dot never went out
            // cannot have been, and may go again at once.
            var results = outcomes.map { SendResult.outcome($0) }
            for index in outcomes.count..<batchSize {
                let dotWritten = index < machine.dotWritten.count && machine.dotWritten[index]
                results.append(dotWritten ? .outcome(.temporaryFailure(failure)) : .notSent(failure))
            }
            promise.succeed(results)
        }
        closing?.succeed(())
        closing = nil
    }
}
