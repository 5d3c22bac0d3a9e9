import Foundation

/// Pipes each message to `sendmail -i -t` (or another path), the Unix convention that lets Postfix, Exim or
/// msmtp deliver: the recipients come from the headers, and a line of one dot does not end the message.
struct SendmailTransport: MailTransport {
    let path: String

    func deliver(_ mail: OutgoingMail) async -> DeliveryOutcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-i", "-t", "-f", mail.sender]
        let input = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        do {
            try process.run()
        } catch {
            return .temporary(reason: "cannot run \(path): \(error)")
        }
        // sendmail reads the whole message before it answers; a failed write shows in its exit status.
        try? input.fileHandleForWriting.write(contentsOf: Data(mail.data))
        try? input.fileHandleForWriting.close()
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Self.outcome(status: process.terminationStatus, said: said, path: path)
    }

    /// sysexits(3): usage, data, no such user or host, and unavailable are permanent; the rest (75,
    /// EX_TEMPFAIL above all) are worth another try.
    static func outcome(status: Int32, said: String, path: String) -> DeliveryOutcome {
        if status == 0 { return .delivered }
        let reason = "\(path) exited \(status)" + (said.isEmpty ? "" : ": " + said.trimmingCharacters(in: .whitespacesAndNewlines))
        switch status {
        case 64, 65, 67, 68: return .permanent(reason: reason)
        default: return .temporary(reason: reason)
        }
    }

    func close() async {}
}
