/// Where in the conversation a message failed.
public enum SMTPStage: String, Sendable, Equatable {
    /// Preparing the message, before anything was sent (an over-long line, a CR or LF in an address).
    case message
    /// Reaching the server: refused, unreachable, timed out.
    case connection
    case greeting
    case hello
    /// STARTTLS refused or not offered, or the TLS handshake failed.
    case tls
    case authentication
    case reset
    case mailFrom
    case recipient
    case data
    /// The reply to the message's final dot.
    case dataEnd
}

/// Why a message was not delivered: the server's reply code, if there was one, and a text for people.
public struct SMTPFailure: Sendable, Equatable, CustomStringConvertible, Error {
    public var stage: SMTPStage
    public var code: Int?
    public var text: String

    public init(stage: SMTPStage, code: Int? = nil, text: String) {
        self.stage = stage
        self.code = code
        self.text = text
    }

    init(stage: SMTPStage, reply: SMTPReply) {
        self.init(stage: stage, code: reply.code, text: reply.text)
    }

    public var description: String {
        if let code { return "\(stage.rawValue): \(code) \(text)" }
        return "\(stage.rawValue): \(text)"
    }
}

/// What became of one message.
public enum SMTPOutcome: Sendable, Equatable {
    /// The server took responsibility for the message (its reply to the final dot). Recipients it
    /// refused while accepting others are listed with their failure.
    case delivered(reply: SMTPReply, refusedRecipients: [String: SMTPFailure])
    /// Try again later: a 4xx reply, a refused or lost connection, a timeout, a TLS failure, or a
    /// failure of the session itself (a 5xx to EHLO or AUTH is about the server or our credentials,
    /// not about this message).
    case temporaryFailure(SMTPFailure)
    /// Never retry: a 5xx to this message's MAIL, RCPT, DATA or final dot, or a message that cannot be sent.
    case permanentFailure(SMTPFailure)

    /// The outcome of a failure: permanent only for a 5xx about this message, or a message refused before sending.
    static func failure(_ failure: SMTPFailure) -> SMTPOutcome {
        switch failure.stage {
        case .message:
            return .permanentFailure(failure)
        case .mailFrom, .recipient, .data, .dataEnd:
            if let code = failure.code, code >= 500 { return .permanentFailure(failure) }
            return .temporaryFailure(failure)
        default:
            return .temporaryFailure(failure)
        }
    }
}
