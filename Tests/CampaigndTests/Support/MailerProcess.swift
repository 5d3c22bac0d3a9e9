import Foundation

/// The real `campaign-mailer` on the service in a test's directory (its admin socket there).
enum MailerProcess {
    static var path: String { Paths.buildDirectory + "/campaign-mailer" }

    /// Runs `campaign-mailer --once`: its exit status and output.
    static func once(_ dir: String, transport: String, extra: [String] = []) throws -> (status: Int32, output: String) {
        try runToEnd(
            path,
            [
                "--once", "--socket", dir + "/admin.sock", "--transport", transport, "--from", "Northwind Campaign <campaign@example.org>",
                "--site-url", "https://campaign.example.org", "--log-level", "warning",
            ] + extra)
    }

    /// A long-running mailer (until signalled); what it logs goes to `log`, else nowhere.
    static func start(_ dir: String, transport: String, extra: [String] = [], log: String? = nil) throws -> Process {
        let mailer = Process()
        mailer.executableURL = URL(fileURLWithPath: path)
        mailer.arguments =
            [
                "--socket", dir + "/admin.sock", "--transport", transport, "--from", "Campaign <campaign@example.org>",
                "--site-url", "https://campaign.example.org", "--log-level", "error",
            ] + extra
        mailer.standardOutput = FileHandle.nullDevice
        if let log, FileManager.default.createFile(atPath: log, contents: nil), let handle = FileHandle(forWritingAtPath: log) {
            mailer.standardError = handle
        } else {
            mailer.standardError = FileHandle.nullDevice
        }
        try mailer.run()
        return mailer
    }
}

/// `Tests/SMTPClientTests/smtp_server.py` (aiosmtpd) in a child process, keeping what it receives in `out`.
final class SMTPServerProcess {
    let process = Process()
    let port: Int
    let out: String
    private let input = Pipe()

    /// Starts the server in `mode` on `port` (a free one when nil) and waits until it listens.
    init(mode: String, out: String, port: Int? = nil) throws {
        self.out = out
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", Paths.packageRoot + "/Tests/SMTPClientTests/smtp_server.py", "--mode", mode, "--out", out]
            + (port.map { ["--port", String($0)] } ?? [])
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let first = FDReader(fd: output.fileHandleForReading.fileDescriptor).readLine(timeout: 20) ?? ""
        guard first.hasPrefix("PORT "), let listening = Int(first.dropFirst(5)) else {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
            throw TestFailure("smtp_server.py did not start: \(first.debugDescription)")
        }
        self.port = listening
    }

    /// Stops the server (end of its stdin) and waits for it.
    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.waitUntilExit() }
    }

    deinit { stop() }

    /// The messages received (their bytes as sent after DATA), in order.
    func messages() throws -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
        return try names.map { try String(contentsOfFile: out + "/" + $0, encoding: .utf8) }
    }

    /// Each message's envelope recipients, in order.
    func envelopeRecipients() throws -> [[String]] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { name in
            let data = try Data(contentsOf: URL(fileURLWithPath: out + "/" + name))
            return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["to"] as? [String] ?? []
        }
    }

    /// The commands the server was sent, in order ("connect" marks each new connection).
    var commands: [String] { lines(of: "commands.log") }

    /// TCP connections accepted.
    var connections: Int { lines(of: "connections.log").count }

    /// Reads the server made from its clients' sockets.
    var reads: Int { lines(of: "reads.log").count }

    private func lines(of file: String) -> [String] {
        ((try? String(contentsOfFile: out + "/" + file, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick, released at once).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestFailure("bind() failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
