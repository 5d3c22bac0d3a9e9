import Foundation

/// `smtp_server.py` (aiosmtpd) in a child process, writing what it receives into a temporary directory.
final class TestSMTPServer {
    struct Options {
        var mode = "sink"
        var startTLS = false
        var implicitTLS = false
        var auth: String?
        var pipelining = true
    }

    struct Received: Decodable {
        var from: String
        var to: [String]
        var tls: Bool
        var login: String?
    }

    enum Failure: Error { case didNotStart(String), certificates(String) }

    let directory: URL
    let port: Int
    private let process: Process
    private let input: Pipe

    var caFile: String { directory.appendingPathComponent("ca.pem").path }
    private var out: URL { directory.appendingPathComponent("out") }

    /// Starts the server (after making a CA and a certificate for `localhost` when TLS is asked for),
    /// runs `body`, and stops the server whatever happens.
    static func with<T>(_ options: Options, _ body: (TestSMTPServer) async throws -> T) async throws -> T {
        let server = try TestSMTPServer(options)
        defer { server.stop() }
        return try await body(server)
    }

    private init(_ options: Options) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var arguments = [Self.script, "--mode", options.mode, "--out", directory.appendingPathComponent("out").path]
        if options.startTLS || options.implicitTLS {
            try Self.makeCertificates(in: directory)
            let pair = [directory.appendingPathComponent("server.pem").path, directory.appendingPathComponent("server.key").path]
            arguments += [options.implicitTLS ? "--implicit-tls" : "--starttls"] + pair
        }
        if let auth = options.auth { arguments += ["--auth", auth] }
        if !options.pipelining { arguments.append("--no-pipelining") }
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // The server's first line is its port; end of file first means it failed to start.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty {
                process.waitUntilExit()
                let reason = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                throw Failure.didNotStart(reason)
            }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else { throw Failure.didNotStart(text) }
        self.port = port
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    /// TCP connections the server accepted.
    var connections: Int {
        let log = (try? String(contentsOf: out.appendingPathComponent("connections.log"), encoding: .utf8)) ?? ""
        return log.split(separator: "\n").count
    }

    /// Reads the server made from its clients' sockets (with STARTTLS, those before and after the handshake).
    var reads: Int {
        let log = (try? String(contentsOf: out.appendingPathComponent("reads.log"), encoding: .utf8)) ?? ""
        return log.split(separator: "\n").count
    }

    /// The commands' verbs in the order the server received them, `connect` for each new connection.
    var commands: [String] {
        let log = (try? String(contentsOf: out.appendingPathComponent("commands.log"), encoding: .utf8)) ?? ""
        return log.split(separator: "\n").map(String.init)
    }

    /// The messages accepted, in order: envelope and bytes.
    func messages() throws -> [(envelope: Received, data: [UInt8])] {
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".eml") }.sorted()
        return try names.map { name in
            let base = out.appendingPathComponent(String(name.dropLast(4)))
            let json = try Data(contentsOf: base.appendingPathExtension("json"))
            let data = try Data(contentsOf: base.appendingPathExtension("eml"))
            return (try JSONDecoder().decode(Received.self, from: json), Array(data))
        }
    }

    private static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("smtp_server.py").path
    }

    /// A throwaway CA and a server certificate for localhost and 127.0.0.1, signed by it (openssl).
    private static func makeCertificates(in directory: URL) throws {
        let script = """
            set -e
            curve="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
            openssl req -x509 $curve -keyout ca.key -out ca.pem -days 2 -subj "/CN=SMTPClient test CA" \
                -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign"
            openssl req $curve -keyout server.key -out server.csr -subj "/CN=localhost"
            printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > ext.cnf
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = directory
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let reason = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure.certificates(String(decoding: reason, as: UTF8.self)) }
    }
}
