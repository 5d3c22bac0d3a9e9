import SMTPClient

/// An SMTP server (`smtp://` with STARTTLS, `smtps://`): one connection, reused for every message this
/// worker sends, its share of a round pipelined.
struct SMTPTransport: MailTransport {
    let connection: SMTPConnection

    init(configuration: SMTPConfiguration) throws {
        connection = try SMTPConnection(configuration: configuration)
    }

    func deliver(_ mail: OutgoingMail) async -> DeliveryOutcome {
        await deliver([mail])[0]
    }

    func deliver(_ mails: [OutgoingMail]) async -> [DeliveryOutcome] {
        let messages = mails.map { SMTPMessage(sender: $0.sender, recipients: $0.recipients, data: $0.data) }
        return await connection.send(messages).map(Self.outcome)
    }

    static func outcome(_ outcome: SMTPOutcome) -> DeliveryOutcome {
        switch outcome {
        case .delivered(_, let refused):
            // One recipient a message: refused means not delivered.
            if let failure = refused.values.first {
                return failure.code.map { $0 >= 500 } == true
                    ? .permanent(reason: failure.description) : .temporary(reason: failure.description)
            }
            return .delivered
        case .temporaryFailure(let failure):
            return .temporary(reason: failure.description)
        case .permanentFailure(let failure):
            return .permanent(reason: failure.description)
        }
    }

    var executor: (any TaskExecutor)? { connection.taskExecutor }

    func close() async { await connection.close() }
}
