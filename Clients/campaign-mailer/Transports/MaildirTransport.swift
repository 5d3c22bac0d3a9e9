import Foundation

/// Writes each message as a file in a maildir (`tmp/`, then renamed into `new/`, so that a reader never
/// sees half a message): what `make run` uses, so a newcomer needs no mail server.
struct MaildirTransport: MailTransport {
    let directory: String

    init(directory: String) throws {
        self.directory = directory
        for sub in ["tmp", "new", "cur"] {
            try FileManager.default.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true)
        }
    }

    func deliver(_ mail: OutgoingMail) async -> DeliveryOutcome {
        // time.unique.host, as the maildir convention names files.
        let name = "\(Int(Date().timeIntervalSince1970)).M\(UInt64.random(in: 0...UInt64.max))P\(getpid()).campaign-mailer"
        let temporary = directory + "/tmp/" + name
        guard FileManager.default.createFile(atPath: temporary, contents: Data(mail.data), attributes: [.posixPermissions: 0o600])
        else { return .temporary(reason: "cannot write \(temporary)") }
        guard rename(temporary, directory + "/new/" + name) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            return .temporary(reason: "cannot move the message into \(directory)/new: \(reason)")
        }
        return .delivered
    }

    func close() async {}
}
