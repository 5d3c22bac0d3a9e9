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
        /// The session is open and idle: a message may be sent.
        case ready
        /// The message in hand is done; the session is idle again.
        case finished(SMTPOutcome)
        /// Close the connection; a failure says why, if it was not a clean QUIT.
        case close(SMTPFailure?)
        /// Wait for the next reply.
        case wait
    }

    private enum Expected: Equatable {
        case reset, mailFrom, recipient(Int), data
    }

    private struct Transaction {
        var body: [UInt8]
        var recipients: [String]
        /// Commands not yet written (without PIPELINING, one at a time).
        var unsent: [(command: String, expects: Expected)]
        /// Replies owed for commands written, in order.
        var owed: [Expected] = []
        var mailFailure: SMTPFailure?
        var refused: [String: SMTPFailure] = [:]
        var firstRefusal: SMTPFailure?
        var accepted = 0
        var failure: SMTPFailure?
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
        case transaction(Transaction)
        /// The body is written; waiting for the reply to its final dot (or, with no recipient, to the
        /// empty message sent only to close DATA).
        case dataEnd(refused: [String: SMTPFailure], noRecipients: SMTPFailure?)
        case quit
        case closed
    }

    public let settings: Settings
    private var state: State = .greeting
    private var tlsActive: Bool
    private var capabilities = SMTPCapabilities()
    /// Whether the last transaction ended otherwise than with a 250 to its final dot: the next one starts
    /// with RSET. After a delivery the transaction is over and needs none (RFC 5321 §4.1.1.5).
    private var needsReset = false

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
        if case .dataEnd = state { return true }
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

        case .transaction(var transaction):
            return transactionReply(reply, &transaction)

        case .dataEnd(let refused, let noRecipients):
            state = .ready
            if let noRecipients { return .finished(.failure(noRecipients)) }
            guard reply.code == 250 else { return .finished(.failure(SMTPFailure(stage: .dataEnd, reply: reply))) }
            needsReset = false
            return .finished(.delivered(reply: reply, refusedRecipients: refused))

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

    /// Starts sending a message; only when idle. The message is encoded (and refused) before any byte goes out.
    public mutating func send(_ message: SMTPMessage) -> Action {
        guard case .ready = state else {
            return .finished(.temporaryFailure(SMTPFailure(stage: .connection, text: "the session is not ready")))
        }
        do {
            return send(message, encoded: try message.encoded())
        } catch {
            return .finished(.failure(error))
        }
    }

    /// `send` with the body `message.encoded()` returned: the connection encodes once, to refuse a bad
    /// message before connecting, and hands the bytes on.
    mutating func send(_ message: SMTPMessage, encoded body: [UInt8]) -> Action {
        guard case .ready = state else {
            return .finished(.temporaryFailure(SMTPFailure(stage: .connection, text: "the session is not ready")))
        }
        var parameters = ""
        if message.needsSMTPUTF8 {
            guard capabilities.smtpUTF8 else {
                return .finished(
                    .failure(SMTPFailure(stage: .message, text: "a non-ASCII address, and the server does not offer SMTPUTF8")))
            }
            parameters = " SMTPUTF8"
        }
        var commands: [(command: String, expects: Expected)] = []
        if needsReset { commands.append(("RSET", .reset)) }
        needsReset = true
        commands.append(("MAIL FROM:<\(message.sender)>\(parameters)", .mailFrom))
        for (index, recipient) in message.recipients.enumerated() {
            commands.append(("RCPT TO:<\(recipient)>", .recipient(index)))
        }
        commands.append(("DATA", .data))
        var transaction = Transaction(body: body, recipients: message.recipients, unsent: commands)
        // RFC 2920: with PIPELINING, RSET, MAIL, every RCPT and DATA may go in one group.
        let batch = capabilities.pipelining ? commands.count : 1
        let written = transaction.unsent.prefix(batch)
        transaction.unsent.removeFirst(batch)
        transaction.owed = written.map { $0.expects }
        state = .transaction(transaction)
        return .write(Array(written.map { $0.command + "\r\n" }.joined().utf8))
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
        case .transaction(let transaction):
            switch transaction.owed.first {
            case .reset: return .reset
            case .mailFrom: return .mailFrom
            case .recipient: return .recipient
            case .data, nil: return .data
            }
        case .dataEnd: return .dataEnd
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

    private mutating func transactionReply(_ reply: SMTPReply, _ transaction: inout Transaction) -> Action {
        guard !transaction.owed.isEmpty else {
            return fail(SMTPFailure(stage: .data, code: reply.code, text: "unexpected reply: \(reply.text)"))
        }
        let expected = transaction.owed.removeFirst()
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
            // Why the transaction cannot go on, in the order the server saw it.
            let earlier = transaction.failure ?? transaction.mailFailure ?? (transaction.accepted == 0 ? transaction.firstRefusal : nil)
            if reply.code == 354 {
                if let earlier {
                    // A server that pipelines may accept DATA with no valid recipient: an empty message
                    // closes it (RFC 2920 §3.1), and the reason stays the earlier one.
                    state = .dataEnd(refused: transaction.refused, noRecipients: earlier)
                    return .write(Array(".\r\n".utf8))
                }
                state = .dataEnd(refused: transaction.refused, noRecipients: nil)
                return .write(transaction.body)
            }
            state = .ready
            return .finished(.failure(earlier ?? SMTPFailure(stage: .data, reply: reply)))
        }
        if !transaction.owed.isEmpty {
            state = .transaction(transaction)
            return .wait
        }
        // Without pipelining: stop at the first step that makes the rest pointless.
        let stop = transaction.failure ?? transaction.mailFailure
        let noRecipient = transaction.unsent.first?.expects == .data && transaction.accepted == 0 ? transaction.firstRefusal : nil
        if let reason = stop ?? noRecipient {
            state = .ready
            return .finished(.failure(reason))
        }
        guard !transaction.unsent.isEmpty else {
            return fail(SMTPFailure(stage: .data, text: "the transaction ended without DATA"))
        }
        let next = transaction.unsent.removeFirst()
        transaction.owed = [next.expects]
        state = .transaction(transaction)
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
