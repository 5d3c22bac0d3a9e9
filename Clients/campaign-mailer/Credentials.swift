import Foundation
import SMTPClient

/// The SMTP login, never on the command line (where `ps` shows it): a file of two lines, the user name and
/// the password, given by `--credentials FILE` or, under systemd, `LoadCredential=smtp:…` (read from
/// `$CREDENTIALS_DIRECTORY/smtp`).
enum Credentials {
    static func load(file: String?) throws -> SMTPCredentials? {
        let path: String
        if let file {
            path = file
        } else if let directory = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"],
            FileManager.default.fileExists(atPath: directory + "/smtp")
        {
            path = directory + "/smtp"
        } else {
            return nil
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw MailerError("cannot read credentials from \(path)") }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        guard lines.count >= 2, !lines[0].isEmpty, !lines[1].isEmpty else {
            throw MailerError("\(path) must hold the user name on its first line and the password on its second")
        }
        return SMTPCredentials(username: String(lines[0]), password: String(lines[1]))
    }
}

struct MailerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
