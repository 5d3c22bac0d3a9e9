import Foundation
import Testing

/// Paths the tests need: the built binaries and the example campaign.
enum Paths {
    /// The directory holding the test bundle also holds the built executables.
    static let buildDirectory: String = {
        if let dir = ProcessInfo.processInfo.environment["CAMPAIGND_BUILD_DIR"] { return dir }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path
    }()

    static var campaignd: String { buildDirectory + "/campaignd" }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static var exampleCampaign: String { packageRoot + "/Schemas/examples/northwind.campaign.json" }

    /// A fresh directory, world-traversable so that a test may connect as another user.
    static func temporaryDirectory() throws -> String {
        let path = "/tmp/campaignd-it-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return path
    }
}

/// A campaignd (or systemd-socket-activate) child process.
final class ServerProcess: @unchecked Sendable {
    /// Not Foundation's `Process`: see `SpawnedProcess`.
    let process: SpawnedProcess
    let directory: String
    let stderrPath: String
    let stdinPipe = Pipe()
    let stdoutPipe = Pipe()

    /// Starts `executable` with `arguments`; stdin and stdout are pipes, stderr goes to a file.
    init(
        executable: String = Paths.campaignd, arguments: [String], directory: String, environment: [String: String] = [:],
        stderrPath: String? = nil
    ) throws {
        self.directory = directory
        self.stderrPath = stderrPath ?? directory + "/stderr.log"
        if !FileManager.default.fileExists(atPath: self.stderrPath) {
            _ = FileManager.default.createFile(atPath: self.stderrPath, contents: nil)
        }
        var env = ProcessInfo.processInfo.environment
        for key in ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET", "JOURNAL_STREAM"] { env[key] = nil }
        env.merge(environment) { $1 }
        guard let stderrFile = FileHandle(forWritingAtPath: self.stderrPath) else { throw TestFailure("cannot open \(self.stderrPath)") }
        defer { try? stderrFile.close() }
        process = try SpawnedProcess(
            executable: executable, arguments: arguments, environment: env, stdin: stdinPipe.fileHandleForReading.fileDescriptor,
            stdout: stdoutPipe.fileHandleForWriting.fileDescriptor, stderr: stderrFile.fileDescriptor)
        // The child's ends: kept here, the child's stdin would never end and its stdout never reach EOF.
        try? stdinPipe.fileHandleForReading.close()
        try? stdoutPipe.fileHandleForWriting.close()
    }

    /// campaignd serving the example campaign on a public and an admin socket in `directory`.
    static func listening(_ directory: String, extra: [String] = []) throws -> ServerProcess {
        let server = try ServerProcess(
            arguments: [
                "--listen", directory + "/public.sock", "--admin-listen", directory + "/admin.sock", "--state-dir",
                directory + "/state", "--campaign", Paths.exampleCampaign,
            ] + extra,
            directory: directory)
        try server.waitForSocket(directory + "/admin.sock")
        return server
    }

    func waitForSocket(_ path: String, timeout: Double = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let client = try? LineClient(path: path) {
                client.close()
                return
            }
            guard process.isRunning else { throw TestFailure("campaignd exited early: \(stderr)") }
            usleep(20_000)
        }
        throw TestFailure("\(path) did not appear: \(stderr)")
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
    var pid: Int32 { process.processIdentifier }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for exit; nil on time-out.
    func waitForExit(timeout: Double = 20) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    func stop() {
        if process.isRunning {
            signal(SIGKILL)
            _ = waitForExit(timeout: 5)
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    // stdio helpers
    func write(_ text: String) { stdinPipe.fileHandleForWriting.write(Data(text.utf8)) }
    func closeInput() { try? stdinPipe.fileHandleForWriting.close() }
    lazy var output = FDReader(fd: stdoutPipe.fileHandleForReading.fileDescriptor)
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Buffered reading from a file descriptor with a time-out.
final class FDReader: @unchecked Sendable {
    let fd: Int32
    var buffer: [UInt8] = []
    var atEOF = false

    init(fd: Int32) { self.fd = fd }

    /// Reads more bytes; false on time-out or EOF.
    func fill(timeout: Double) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = read(fd, &chunk, chunk.count)
        guard n > 0 else {
            atEOF = true
            return false
        }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    func readLine(timeout: Double = 20) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let i = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[0..<i], as: UTF8.self)
                buffer.removeFirst(i + 1)
                return line
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0, !atEOF, fill(timeout: remaining) else { return nil }
        }
    }

    func readBytes(_ count: Int, timeout: Double = 20) -> [UInt8]? {
        let deadline = Date().addingTimeInterval(timeout)
        while buffer.count < count {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0, !atEOF, fill(timeout: remaining) else { return nil }
        }
        let out = Array(buffer[0..<count])
        buffer.removeFirst(count)
        return out
    }

    /// True when the peer closed the stream within `timeout` (after any pending bytes).
    func closes(within timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !atEOF {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return false }
            if !fill(timeout: remaining) && !atEOF { return false }
        }
        return true
    }

    /// A Content-Length framed message.
    func readFramed(timeout: Double = 20) -> String? {
        var length: Int?
        while let line = readLine(timeout: timeout) {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { break }
            if trimmed.lowercased().hasPrefix("content-length:") {
                length = Int(trimmed.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
            }
        }
        guard let length, let body = readBytes(length, timeout: timeout) else { return nil }
        return String(decoding: body, as: UTF8.self)
    }
}

enum JSON {
    static func object(_ text: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(text)")
        }
        return object
    }

    static func errorCode(_ reply: [String: Any]) -> Int? { (reply["error"] as? [String: Any])?["code"] as? Int }
    static func result(_ reply: [String: Any]) -> [String: Any]? { reply["result"] as? [String: Any] }
}

/// A `sockaddr_un` for a path, for the socket calls the tests make by hand.
enum UnixAddress {
    static func with(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() where i < raw.count - 1 { raw[i] = b }
        }
        return withUnsafePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}
