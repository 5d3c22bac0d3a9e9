import Foundation

/// The tests' client: a blocking Unix-socket connection that sends newline-delimited JSON (or any bytes)
/// and reads replies as lines or Content-Length frames. With a transcript, everything it reads is
/// recorded there.
final class LineClient: @unchecked Sendable {
    let fd: Int32
    let reader: FDReader
    let transcript: Transcript?

    init(path: String, transcript: Transcript? = nil) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        guard UnixAddress.with(path, { connect(fd, $0, $1) }) == 0 else {
            Glibc.close(fd)
            throw TestFailure("connect \(path) failed: errno \(errno)")
        }
        self.fd = fd
        reader = FDReader(fd: fd)
        self.transcript = transcript
    }

    func send(_ text: String) { sendBytes(Array(text.utf8)) }

    func sendBytes(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    func readLine(timeout: Double = 20) -> String? { recorded(reader.readLine(timeout: timeout)) }

    /// The body of a Content-Length framed reply.
    func readFramed(timeout: Double = 20) -> String? { recorded(reader.readFramed(timeout: timeout)) }

    private func recorded(_ text: String?) -> String? {
        if let text { transcript?.record(text) }
        return text
    }

    /// Sends one request line and returns its reply, the first line that is not a notification
    /// (`campaign.changed` on a subscribed connection).
    func call(_ method: String, _ params: String? = nil, id: Int = 1, timeout: Double = 20) throws -> [String: Any] {
        send(#"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)""# + (params.map { #","params":\#($0)"# } ?? "") + "}\n")
        while let line = readLine(timeout: timeout) {
            let reply = try JSON.object(line)
            if reply["method"] == nil { return reply }
        }
        throw NoReply(description: "no reply to \(method) \(params ?? "")")
    }

    struct NoReply: Error, CustomStringConvertible {
        var description: String
    }

    /// Sends raw bytes and reads `replies` lines back.
    @discardableResult
    func exchange(_ raw: String, replies: Int) throws -> [String] {
        send(raw)
        return try (0..<replies).map { _ in
            guard let line = readLine() else { throw TestFailure("no reply to \(raw.prefix(200))") }
            return line
        }
    }

    /// Reads (and records) whatever else arrives until the connection is quiet for `quiet` seconds.
    func drain(quiet: Double) {
        while readLine(timeout: quiet) != nil {}
        if !reader.buffer.isEmpty {
            transcript?.record(String(decoding: reader.buffer, as: UTF8.self))
            reader.buffer.removeAll()
        }
    }

    private var isClosed = false

    /// Closes once: a second close could hit a descriptor the process has reused since.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(fd)
    }

    deinit { close() }
}

/// Every line the connections sharing it received.
final class Transcript: @unchecked Sendable {
    private(set) var lines: [String] = []
    func record(_ line: String) { lines.append(line) }
    var text: String { lines.joined(separator: "\n") }
}
