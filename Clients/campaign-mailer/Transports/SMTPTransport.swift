import SMTPClient

/// An SMTP server (`smtp://` with STARTTLS, `smtps://`): one connection, reused for every message this
/// worker sends.
struct SMTPTransport: MailTransport {
    let connection: SMTPConnection

    init(configuration: SMTPConfiguration) throws {
        connection = try SMTPConnection(configuration: configuration)
    }

    func deliver(_ mail: OutgoingMail) async -> DeliveryOutcome {
        switch await connection.send(SMTPMessage(sender: mail.sender, recipients: mail.recipients, data: mail.data)) {
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
