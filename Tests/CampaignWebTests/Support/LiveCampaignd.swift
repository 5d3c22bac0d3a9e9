import CampaignClient
import CampaignProtocol
import Foundation

/// A real campaignd serving the example campaign on a public and an admin socket in a temporary
/// directory, for the live tests. (CampaigndTests' ServerProcess lives in another test target.)
final class LiveCampaignd: @unchecked Sendable {
    let directory: String
    var process: Process?

    var publicSocket: String { directory + "/public.sock" }
    var adminSocket: String { directory + "/admin.sock" }
    var stateDirectory: String { directory + "/state" }

    static var buildDirectory: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path
    }
    static var executable: String { buildDirectory + "/campaignd" }
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let exampleCampaign = packageRoot + "/Schemas/examples/northwind.campaign.json"

    init() throws {
        directory = "/tmp/campaign-web-live-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Starts campaignd (again, on the same state) and waits until its admin socket answers.
    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = [
            "--listen", publicSocket, "--admin-listen", adminSocket, "--state-dir", stateDirectory, "--campaign", Self.exampleCampaign,
        ]
        var environment = ProcessInfo.processInfo.environment
        for key in ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET"] { environment[key] = nil }
        process.environment = environment
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        process.terminationHandler = { $0.waitUntilExit() }
        try process.run()
        self.process = process
        for _ in 0..<1000 {
            if let client = try? await CampaignClient.connect(socketPath: adminSocket) {
                await client.close()
                return
            }
            guard process.isRunning else { throw LiveTestFailure("campaignd exited early") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw LiveTestFailure("campaignd did not start")
    }

    /// SIGTERM, and waits for the exit.
    func stop() async {
        guard let process, process.isRunning else { return }
        process.terminate()
        for _ in 0..<500 where process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        self.process = nil
    }

    func admin() async throws -> CampaignClient { try await CampaignClient.connect(socketPath: adminSocket) }

    /// Signs the letter and confirms the signature by its emailed token, through `client` (admin).
    static func confirmSignature(_ client: CampaignClient, email: String) async throws {
        _ = try await client.call(SignLetter(name: "Ada \(email.prefix(6))", email: email, showName: true))
        let claimed = try await client.call(ClaimOutbox(limit: 50, leaseSeconds: 60))
        for message in claimed.messages where message.kind == .signatureConfirm {
            if let token = message.token { _ = try await client.call(ConfirmToken(token: token)) }
        }
        _ = try await client.call(AckOutbox(ids: claimed.messages.map(\.id)))
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct LiveTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A TCP socket bound to a free port on 127.0.0.1 and listening, as systemd would pass it.
func listeningSocket() throws -> (fd: CInt, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw LiveTestFailure("socket: \(errno)") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    guard bound == 0, listen(fd, 1024) == 0 else { throw LiveTestFailure("bind/listen: \(errno)") }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// A TCP connection to 127.0.0.1:`port`, made, then non-blocking: read it by polling (a blocking read
/// would hold one of the few cooperative threads the servers' tasks need).
func connectedSocket(port: Int) throws -> CInt {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw LiveTestFailure("socket: \(errno)") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else {
        let error = errno
        close(fd)
        throw LiveTestFailure("connect: \(error)")
    }
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    return fd
}

/// One SSE block of a stream: its fields in order.
struct StreamEvent {
    var lines: [String]
    var event: String? { field("event") }
    var data: String? { field("data") }
    var retry: String? { field("retry") }
    var isKeepAlive: Bool { lines == [": keep-alive"] }
    func field(_ name: String) -> String? {
        lines.first { $0.hasPrefix(name + ": ") }.map { String($0.dropFirst(name.count + 2)) }
    }
    /// The `figures` event's JSON.
    var figures: [String: Any]? {
        guard event == "figures", let data else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any]
    }
    var confirmed: Int? { (figures?["signatures"] as? [String: Any])?["confirmed"] as? Int }
}

/// An HTTP/1.1 client reading one streamed (chunked) response, polling a non-blocking socket so that it
/// never holds one of the few cooperative threads.
final class HTTPStream: @unchecked Sendable {
    let fd: CInt
    private var raw: [UInt8] = []
    private var body: [UInt8] = []
    private(set) var ended = false
    private(set) var status = 0
    private(set) var headers: [String: String] = [:]

    init(port: Int, path: String, timeout: Double = 20) async throws {
        fd = try connectedSocket(port: port)
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".utf8)
        guard write(fd, request, request.count) == request.count else { throw LiveTestFailure("write: \(errno)") }
        let deadline = Date().addingTimeInterval(timeout)
        // One more read once the deadline has passed: a test task kept off the CPU that long still reads
        // what came meanwhile before it gives up.
        var lastTry = false
        while true {
            if let end = find([13, 10, 13, 10], in: raw) {
                let head = String(decoding: raw[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
                raw.removeFirst(end + 4)
                status = Int(head.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
                for line in head.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                return
            }
            if lastTry { throw LiveTestFailure("no response head") }
            lastTry = Date() >= deadline
            if try await !fill() { throw LiveTestFailure("closed before the response head") }
        }
    }

    /// The next SSE block, nil when the stream ended or nothing came in time.
    func next(timeout: Double = 20) async throws -> StreamEvent? {
        let deadline = Date().addingTimeInterval(timeout)
        var lastTry = false
        while true {
            dechunk()
            if let end = find([10, 10], in: body) {
                let text = String(decoding: body[0..<end], as: UTF8.self)
                body.removeFirst(end + 2)
                return StreamEvent(lines: text.components(separatedBy: "\n"))
            }
            if ended || lastTry { return nil }
            lastTry = Date() >= deadline
            if try await !fill() { ended = true }
        }
    }

    /// The next `figures` event, skipping keep-alives.
    func nextFigures(timeout: Double = 20) async throws -> StreamEvent? {
        let deadline = Date().addingTimeInterval(timeout)
        while let event = try await next(timeout: max(0, deadline.timeIntervalSinceNow)) {
            if event.event == "figures" { return event }
        }
        return nil
    }

    /// Waits for figures until `confirmed` reaches `count`.
    func waitForConfirmed(_ count: Int, timeout: Double = 20) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while let event = try await nextFigures(timeout: max(0, deadline.timeIntervalSinceNow)) {
            if event.confirmed == count { return true }
        }
        return false
    }

    /// True when the server ends the response (last chunk) or closes, within `timeout`.
    func ends(within timeout: Double = 20) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await next(timeout: max(0, deadline.timeIntervalSinceNow)) == nil { return ended }
        }
        return ended
    }

    private var isClosed = false

    /// Closes once: a second close (the deinit after `close()`) could hit a descriptor another test running
    /// alongside has been given since (its listening socket, or a server's stdin, which then stops it).
    func close() {
        guard !isClosed else { return }
        isClosed = true
        _ = Glibc.close(fd)
    }

    deinit { close() }

    /// Reads what is there, sleeping briefly when nothing is; false at end of stream.
    private func fill() async throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = read(fd, &chunk, chunk.count)
        if n > 0 {
            raw.append(contentsOf: chunk[0..<n])
            return true
        }
        if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) { return false }
        try await Task.sleep(for: .milliseconds(5))
        return true
    }

    /// Moves whole chunks from `raw` to `body`; the zero-length chunk ends the response.
    private func dechunk() {
        while let lineEnd = find([13, 10], in: raw) {
            let sizeText = String(decoding: raw[0..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { return }
            if size == 0 {
                ended = true
                raw.removeAll()
                return
            }
            guard raw.count >= lineEnd + 2 + size + 2 else { return }
            body.append(contentsOf: raw[(lineEnd + 2)..<(lineEnd + 2 + size)])
            raw.removeFirst(lineEnd + 2 + size + 2)
        }
    }

    private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }
}
