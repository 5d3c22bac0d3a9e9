/// One message as it leaves: the envelope (which may differ from the headers) and the RFC 5322 bytes.
struct OutgoingMail: Sendable {
    var sender: String
    var recipients: [String]
    var data: [UInt8]
}

/// What became of one message, as `outbox.ack` and `outbox.fail` need it.
enum DeliveryOutcome: Sendable, Equatable {
    case delivered
    /// Worth trying again later (a 4xx, a refused connection, a timeout); `retryAfterSeconds` when the
    /// server said when.
    case temporary(reason: String, retryAfterSeconds: Int? = nil)
    /// Retrying cannot help (a 5xx, an address the system cannot use).
    case permanent(reason: String)
}

/// Where messages go: an SMTP server, the local `sendmail`, or a maildir.
protocol MailTransport: Sendable {
    func deliver(_ mail: OutgoingMail) async -> DeliveryOutcome
    /// Delivers several messages, one outcome each in order: an SMTP connection pipelines them.
    func deliver(_ mails: [OutgoingMail]) async -> [DeliveryOutcome]
    /// Where a worker delivering over this transport runs best (an SMTP connection's event loop), if anywhere.
    var executor: (any TaskExecutor)? { get }
    /// Lets go of connections; deliveries after it may reconnect.
    func close() async
}

extension MailTransport {
    var executor: (any TaskExecutor)? { nil }

    func deliver(_ mails: [OutgoingMail]) async -> [DeliveryOutcome] {
        var outcomes: [DeliveryOutcome] = []
        for mail in mails { outcomes.append(await deliver(mail)) }
        return outcomes
    }
}
