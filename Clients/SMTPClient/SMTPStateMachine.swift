import Foundation

/// The protocol of one SMTP connection, without any I/O: it takes the server's replies (and the
/// caller's requests) and answers with what to do next. `SMTPConnection` runs it on a channel.
public struct SMTPStateMachine {
    public struct Settings: Sendable, Equatable {
        public var ehloName: String
        /// Whether TLS, with a verified certificate, must be in place before any mail is sent (STARTTLS or
        /// implicit TLS). Without it TLS is opportunistic (used when offered, unverified, RFC 7435), and
        /// credentials are refused: they go only over verified TLS.
        public var requireTLS: Bool
        /// Whether to send STARTTLS when the server offers it.
        public var useStartTLS: Bool
        public var credentials: SMTPCredentials?

        public init(ehloName: String, requireTLS: Bool, useStartTLS: Bool, credentials: SMTPCredentials? = nil) {
            self.ehloName = ehloName
            self.requireTLS = requireTLS
            self.useStartTLS = useStartTLS
            self.credentials = credentials
        }
    }

    public enum Action: Equatable {
        /// Write these bytes (one write: a pipelined group goes out together).
        case write([UInt8])
        /// The server agreed to STARTTLS: put TLS on the connection, then call `tlsEstablished()`.
        case startTLS
        /// The session is open and idle: messages may be sent.
        case ready
        /// The next messages of the batch in hand are done, in the batch's order; then write `write`, if
        /// any (the next message's commands). The session is idle once every message has its outcome.
        case finished([SMTPOutcome], write: [UInt8]?)
        /// Close the connection; a failure says why, if it was not a clean QUIT.
        case close(SMTPFailure?)
        /// Wait for the next reply.
        case wait
    }

    private enum Expected: Equatable {
        case reset, mailFrom, recipient(Int), data, dataEnd
    }

    /// One message of the batch, from its first command to its outcome.
    private struct Transaction {
        var index: Int
        var recipients: [String]
        /// Commands not yet written (without PIPELINING, one at a time).
        var unsent: [(command: String, expects: Expected)]
        var mailFailure: SMTPFailure?
        var refused: [String: SMTPFailure] = [:]
        var firstRefusal: SMTPFailure?
        var accepted = 0
        var failure: SMTPFailure?
        /// Set when DATA was accepted with no valid recipient: only the dot went, and this is the outcome.
        var emptyMessage: SMTPFailure?

        /// Why the transaction cannot go on, in the order the server saw it.
        var earlierFailure: SMTPFailure? { failure ?? mailFailure ?? (accepted == 0 ? firstRefusal : nil) }
    }

    /// The messages handed over by one `send`: the ones begun, the replies owed, the outcomes so far.
    private struct Batch {
        var messages: [(message: SMTPMessage, body: [UInt8])]
        /// Outcomes by position; a message refused before sending has one from the start.
        var outcomes: [SMTPOutcome?]
        /// Outcomes already handed out (the first `reported`).
        var reported = 0
        /// The next message to begin.
        var next = 0
        /// Messages begun and not finished, oldest first (two at most: one awaiting its dot's reply).
        var active: [Transaction] = []
        /// Replies owed for what was written, in order, with the message each belongs to.
        var owed: [(message: Int, expects: Expected)] = []
    }

    private enum State {
        case greeting
        case ehlo(afterTLS: Bool)
        case helo
        case startTLS
        case tlsHandshake
        case authPlain
        case authLoginUser, authLoginPassword, authLoginResult
        case ready
        case sending(Batch)
        case quit
        case closed
    }
    public let settings: Settings
    private var state: State = .greeting
    private var tlsActive: Bool
    private var capabilities = SMTPCapabilities()
    /// Whether the last transaction begun ended otherwise than with a 250 to its final dot: the next one
    /// starts with RSET. After a delivery the transaction is over and needs none (RFC 5321 §4.1.1.5).
    private var needsReset = false
    /// For each message of the batch in hand (or the last one), whether its final dot was written: when the
    /// connection is lost, a message without one cannot have been taken and may go again at once.
    public private(set) var dotWritten: [Bool] = []

    /// `tlsActive` is true for implicit TLS, where the handshake precedes the greeting.
    public init(settings: Settings, tlsActive: Bool) {
        self.settings = settings
        self.tlsActive = tlsActive
    }

    public var isIdle: Bool {
        if case .ready = state { return true }
        return false
    }

    /// Whether the reply awaited is the one to a message's final dot (it gets the data timeout).
    public var isAwaitingDataEnd: Bool {
        if case .sending(let batch) = state { return batch.owed.first?.expects == .dataEnd }
        return false
    }

    public var pipelining: Bool { capabilities.pipelining }

    // MARK: Inputs

    public mutating func receive(_ reply: SMTPReply) -> Action {
        // 421: the server is closing the connection, whatever we were doing.
        if reply.code == 421 {
            return fail(SMTPFailure(stage: currentStage, reply: reply))
        }
        switch state {
        case .greeting:
            guard reply.code == 220 else { return fail(SMTPFailure(stage: .greeting, reply: reply)) }
            return ehlo(afterTLS: tlsActive)

        case .ehlo(let afterTLS):
            guard reply.code == 250 else {
                // An old server without ESMTP: HELO, with no extension (so neither TLS nor AUTH).
                if reply.isPermanent && !settings.requireTLS && settings.credentials == nil && !afterTLS {
                    state = .helo
                    return command("HELO \(settings.ehloName)")
                }
                return fail(SMTPFailure(stage: .hello, reply: reply))
            }
            capabilities = SMTPCapabilities(ehloReply: reply)
            return afterHello()

        case .helo:
            guard reply.code == 250 else { return fail(SMTPFailure(stage: .hello, reply: reply)) }
            capabilities = SMTPCapabilities()
            return afterHello()

        case .startTLS:
            guard reply.code == 220 else {
                if settings.requireTLS { return fail(SMTPFailure(stage: .tls, reply: reply)) }
                return authenticateOrReady()
            }
            state = .tlsHandshake
            return .startTLS

        case .authPlain, .authLoginResult:
            guard reply.code == 235 else { return fail(SMTPFailure(stage: .authentication, reply: reply)) }
            return becomeReady()

        case .authLoginUser:
            guard reply.code == 334, let credentials = settings.credentials else {
                return fail(SMTPFailure(stage: .authentication, reply: reply))
            }
            state = .authLoginPassword
            return .write(Array((Self.base64(credentials.username) + "\r\n").utf8))

        case .authLoginPassword:
            guard reply.code == 334, let credentials = settings.credentials else {
                return fail(SMTPFailure(stage: .authentication, reply: reply))
            }
            state = .authLoginResult
            return .write(Array((Self.base64(credentials.password) + "\r\n").utf8))

        case .ready, .tlsHandshake, .closed:
            return fail(SMTPFailure(stage: currentStage, code: reply.code, text: "unexpected reply: \(reply.text)"))

        case .sending(var batch):
            return batchReply(reply, &batch)

        case .quit:
            state = .closed
            return .close(nil)
        }
    }

    /// The TLS handshake after STARTTLS completed: start over with EHLO (RFC 3207 §4.2).
    public mutating func tlsEstablished() -> Action {
        guard case .tlsHandshake = state else {
            // With implicit TLS the handshake precedes the greeting and changes nothing.
            if tlsActive { return .wait }
            return fail(SMTPFailure(stage: .tls, text: "TLS established at an unexpected moment"))
        }
        tlsActive = true
        return ehlo(afterTLS: true)
    }

    /// Starts sending one message; only when idle. The message is encoded (and refused) before any byte goes out.
    public mutating func send(_ message: SMTPMessage) -> Action {
        let body: [UInt8]
        do {
            body = try message.encoded()
        } catch {
            dotWritten = [false]
            return .finished([.failure(error)], write: nil)
        }
        return send([(message, body)])
    }

    /// Starts sending a batch of messages, each with the body `message.encoded()` returned; only when idle.
    /// With PIPELINING, a message's commands go in the same write as the previous message's body
    /// (RFC 2920 §3.1); without it, one command at a time. Every message gets its own outcome, in order.
    public mutating func send(_ messages: [(message: SMTPMessage, body: [UInt8])]) -> Action {
        dotWritten = Array(repeating: false, count: messages.count)
        guard case .ready = state else {
            let failure = SMTPFailure(stage: .connection, text: "the session is not ready")
            return .finished(Array(repeating: .temporaryFailure(failure), count: messages.count), write: nil)
        }
        var batch = Batch(messages: messages, outcomes: Array(repeating: nil, count: messages.count))
        // A message this server cannot take is refused before anything is written.
        for (index, item) in messages.enumerated() where item.message.needsSMTPUTF8 && !capabilities.smtpUTF8 {
            batch.outcomes[index] = .failure(
                SMTPFailure(stage: .message, text: "a non-ASCII address, and the server does not offer SMTPUTF8"))
        }
        let bytes = begin(&batch)
        return settle(&batch, write: bytes)
    }

    /// Ends the session politely.
    public mutating func quit() -> Action {
        switch state {
        case .closed: return .close(nil)
        default:
            state = .quit
            return command("QUIT")
        }
    }

    /// The connection ended or timed out under us: what to report for the work in hand.
    public mutating func connectionLost(_ text: String) -> SMTPFailure {
        let failure = SMTPFailure(stage: currentStage, text: text)
        state = .closed
        return failure
    }

    // MARK: Steps

    private var currentStage: SMTPStage {
        switch state {
        case .greeting: return .greeting
        case .ehlo, .helo: return .hello
        case .startTLS, .tlsHandshake: return .tls
        case .authPlain, .authLoginUser, .authLoginPassword, .authLoginResult: return .authentication
        case .ready, .quit, .closed: return .connection
        case .sending(let batch):
            switch batch.owed.first?.expects {
            case .reset: return .reset
            case .mailFrom: return .mailFrom
            case .recipient: return .recipient
            case .data, nil: return .data
            case .dataEnd: return .dataEnd
            }
        }
    }

    private mutating func ehlo(afterTLS: Bool) -> Action {
        state = .ehlo(afterTLS: afterTLS)
        return command("EHLO \(settings.ehloName)")
    }

    private mutating func afterHello() -> Action {
        if !tlsActive && settings.useStartTLS && capabilities.startTLS {
            state = .startTLS
            return command("STARTTLS")
        }
        if !tlsActive && settings.requireTLS {
            return fail(SMTPFailure(stage: .tls, text: "the server does not offer STARTTLS, and TLS is required"))
        }
        return authenticateOrReady()
    }

    private mutating func authenticateOrReady() -> Action {
        guard let credentials = settings.credentials else { return becomeReady() }
        // Credentials never travel in clear, nor over TLS whose certificate was not verified.
        guard tlsActive && settings.requireTLS else {
            return fail(SMTPFailure(stage: .authentication, text: "refusing to send credentials without TLS"))
        }
        if capabilities.authMechanisms.contains("PLAIN") {
            state = .authPlain
            let token = Self.base64Bytes([0] + Array(credentials.username.utf8) + [0] + Array(credentials.password.utf8))
            return command("AUTH PLAIN \(token)")
        }
        if capabilities.authMechanisms.contains("LOGIN") {
            state = .authLoginUser
            return command("AUTH LOGIN")
        }
        return fail(SMTPFailure(stage: .authentication, text: "the server offers neither AUTH PLAIN nor AUTH LOGIN"))
    }

    private mutating func becomeReady() -> Action {
        state = .ready
        return .ready
    }

    /// Begins the next message that has no outcome yet: its commands, all of them with PIPELINING, else
    /// the first. Nil when none is left.
    private mutating func begin(_ batch: inout Batch) -> [UInt8]? {
        while batch.next < batch.messages.count, batch.outcomes[batch.next] != nil { batch.next += 1 }
        guard batch.next < batch.messages.count else { return nil }
        let index = batch.next
        batch.next += 1
        let message = batch.messages[index].message
        let parameters = message.needsSMTPUTF8 ? " SMTPUTF8" : ""
        var commands: [(command: String, expects: Expected)] = []
        if needsReset { commands.append(("RSET", .reset)) }
        needsReset = true
        commands.append(("MAIL FROM:<\(message.sender)>\(parameters)", .mailFrom))
        for (position, recipient) in message.recipients.enumerated() {
            commands.append(("RCPT TO:<\(recipient)>", .recipient(position)))
        }
        commands.append(("DATA", .data))
        // RFC 2920: with PIPELINING, RSET, MAIL, every RCPT and DATA may go in one group.
        let group = capabilities.pipelining ? commands.count : 1
        let written = commands.prefix(group)
        batch.owed += written.map { (index, $0.expects) }
        batch.active.append(Transaction(index: index, recipients: message.recipients, unsent: Array(commands.dropFirst(group))))
        return Array(written.map { $0.command + "\r\n" }.joined().utf8)
    }

    /// Hands out the outcomes now known in order, with what to write; idle again once all are out.
    private mutating func settle(_ batch: inout Batch, write bytes: [UInt8]?) -> Action {
        var outcomes: [SMTPOutcome] = []
        while batch.reported < batch.outcomes.count, let outcome = batch.outcomes[batch.reported] {
            outcomes.append(outcome)
            batch.reported += 1
        }
        state = batch.reported == batch.outcomes.count ? .ready : .sending(batch)
        if outcomes.isEmpty { return bytes.map { .write($0) } ?? .wait }
        return .finished(outcomes, write: bytes)
    }

    /// Ends a message with its outcome; without PIPELINING the next one begins now.
    private mutating func finish(_ batch: inout Batch, at position: Int, _ outcome: SMTPOutcome) -> Action {
        let transaction = batch.active.remove(at: position)
        batch.outcomes[transaction.index] = outcome
        // A message whose commands failed before its dot ends its transaction here: the next begins now.
        let next = batch.active.isEmpty && (batch.owed.isEmpty || !capabilities.pipelining) ? begin(&batch) : nil
        return settle(&batch, write: next)
    }

    private mutating func batchReply(_ reply: SMTPReply, _ batch: inout Batch) -> Action {
        guard !batch.owed.isEmpty, let position = batch.active.firstIndex(where: { $0.index == batch.owed[0].message }) else {
            return fail(SMTPFailure(stage: .data, code: reply.code, text: "unexpected reply: \(reply.text)"))
        }
        let expected = batch.owed.removeFirst().expects
        var transaction = batch.active[position]
        switch expected {
        case .reset:
            if reply.code != 250 { transaction.failure = transaction.failure ?? SMTPFailure(stage: .reset, reply: reply) }
        case .mailFrom:
            if reply.code != 250 { transaction.mailFailure = SMTPFailure(stage: .mailFrom, reply: reply) }
        case .recipient(let index):
            if reply.code == 250 || reply.code == 251 {
                transaction.accepted += 1
            } else {
                let failure = SMTPFailure(stage: .recipient, reply: reply)
                transaction.refused[transaction.recipients[index]] = failure
                if transaction.firstRefusal == nil { transaction.firstRefusal = failure }
            }
        case .data:
            let earlier = transaction.earlierFailure
            guard reply.code == 354 else {
                return finish(&batch, at: position, .failure(earlier ?? SMTPFailure(stage: .data, reply: reply)))
            }
            // A server that pipelines may accept DATA with no valid recipient: an empty message closes it
            // (RFC 2920 §3.1), and the reason stays the earlier one.
            transaction.emptyMessage = earlier
            batch.active[position] = transaction
            var bytes = earlier == nil ? batch.messages[transaction.index].body : Array(".\r\n".utf8)
            dotWritten[transaction.index] = true
            batch.owed.append((transaction.index, .dataEnd))
            // The next message's commands ride with this one's body; its 354 is awaited before its body. The
            // dot ends this transaction whatever its reply, so no RSET (but after an empty one, to be safe).
            if capabilities.pipelining {
                needsReset = earlier != nil
                if let next = begin(&batch) { bytes += next }
            }
            return settle(&batch, write: bytes)
        case .dataEnd:
            // Unless the next message has begun already, it starts with RSET after anything but a delivery.
            if batch.active.count == 1 { needsReset = transaction.emptyMessage != nil || reply.code != 250 }
            if let empty = transaction.emptyMessage { return finish(&batch, at: position, .failure(empty)) }
            guard reply.code == 250 else { return finish(&batch, at: position, .failure(SMTPFailure(stage: .dataEnd, reply: reply))) }
            return finish(&batch, at: position, .delivered(reply: reply, refusedRecipients: transaction.refused))
        }
        batch.active[position] = transaction
        if batch.owed.contains(where: { $0.message == transaction.index }) {
            state = .sending(batch)
            return .wait
        }
        // Without pipelining: stop at the first step that makes the rest pointless.
        let stop = transaction.failure ?? transaction.mailFailure
        let noRecipient = transaction.unsent.first?.expects == .data && transaction.accepted == 0 ? transaction.firstRefusal : nil
        if let reason = stop ?? noRecipient { return finish(&batch, at: position, .failure(reason)) }
        guard !transaction.unsent.isEmpty else {
            return fail(SMTPFailure(stage: .data, text: "the transaction ended without DATA"))
        }
        let next = transaction.unsent.removeFirst()
        batch.active[position] = transaction
        batch.owed.append((transaction.index, next.expects))
        state = .sending(batch)
        return command(next.command)
    }

    private mutating func fail(_ failure: SMTPFailure) -> Action {
        state = .closed
        return .close(failure)
    }

    private func command(_ line: String) -> Action {
        .write(Array((line + "\r\n").utf8))
    }

    static func base64(_ text: String) -> String { base64Bytes(Array(text.utf8)) }

    static func base64Bytes(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}
