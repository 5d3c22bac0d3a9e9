import Foundation
import Testing

/// `campaignd --metrics-listen`: a real process under load, scraped over HTTP, checked by promtool and
/// against `service.stats`.
@Suite(.serialized) struct MetricsWireTests {
    /// A TCP port nothing listens on now (the kernel's pick, released at once).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestFailure("no free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// One HTTP/1.1 request; the whole response as text (the server closes after it).
    static func http(_ request: String, port: Int) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { throw TestFailure("connect to port \(port): errno \(errno)") }
        let bytes = Array(request.utf8)
        guard bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count else {
            throw TestFailure("send failed")
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while poll(&poller, 1, 20_000) > 0 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response.append(contentsOf: buffer[..<n])
        }
        return String(decoding: response, as: UTF8.self)
    }

    static func get(_ path: String, port: Int) throws -> (head: String, body: String) {
        let response = try http("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", port: port)
        guard let split = response.range(of: "\r\n\r\n") else { throw TestFailure("no HTTP response: \(response)") }
        return (String(response[..<split.lowerBound]), String(response[split.upperBound...]))
    }

    /// Samples by name and labels as written.
    static func samples(_ exposition: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            samples[String(line[..<space])] = Double(line[line.index(after: space)...])
        }
        return samples
    }

    func start(_ dir: String) throws -> (ServerProcess, Int) {
        let port = try Self.freePort()
        let server = try ServerProcess.listening(dir, extra: ["--metrics-listen", "127.0.0.1:\(port)"])
        // The metrics listener starts with the service group: wait for its first answer.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let response = try? Self.http("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", port: port), !response.isEmpty {
                return (server, port)
            }
            usleep(20_000)
        }
        throw TestFailure("metrics did not answer on \(port): \(server.stderr)")
    }

    @Test func aScrapeUnderLoadPassesPromtoolAndCountsWhatWasDone() throws {
        let dir = try Paths.temporaryDirectory()
        let (server, port) = try start(dir)
        defer { server.stop() }
        let signs = 25
        // Load: signs on a few connections at once, counts, and errors.
        DispatchQueue.concurrentPerform(iterations: 5) { worker in
            guard let client = try? LineClient(path: dir + "/public.sock") else { return }
            defer { client.close() }
            for i in 0..<(signs / 5) {
                _ = try? client.call("letter.sign", #"{"name":"W\#(worker)","email":"w\#(worker)-\#(i)@example.org"}"#, id: i)
                _ = try? client.call("signatures.count", "{}", id: 100 + i)
            }
        }
        let client = try LineClient(path: dir + "/public.sock")
        let invalid = try client.call("letter.sign", #"{"name":"","email":"nope"}"#)
        #expect(JSON.errorCode(invalid) == -32602)
        let unknown = try client.call("no.such.method", "{}")
        #expect(JSON.errorCode(unknown) == -32601)
        client.close()
        let admin = try LineClient(path: dir + "/admin.sock")
        let stats = try #require(JSON.result(try admin.call("service.stats")))
        admin.close()

        let (head, body) = try Self.get("/metrics", port: port)
        #expect(head.hasPrefix("HTTP/1.1 200 OK"))
        #expect(head.lowercased().contains("content-type: text/plain; version=0.0.4"))

        let file = dir + "/scrape.prom"
        try body.write(toFile: file, atomically: true, encoding: .utf8)
        let promtool = try runToEnd("/bin/sh", ["-c", "promtool check metrics < '\(file)'"])
        #expect(promtool.status == 0, "promtool: \(promtool.output)")

        let samples = Self.samples(body)
        #expect(samples[#"campaignd_requests_total{method="letter.sign",outcome="ok"}"#] == Double(signs))
        #expect(samples[#"campaignd_requests_total{method="letter.sign",outcome="-32602"}"#] == 1)
        #expect(samples[#"campaignd_requests_total{method="unknown",outcome="-32601"}"#] == 1)
        // Counts answered by the transport's fast path are counted too.
        #expect(samples[#"campaignd_requests_total{method="signatures.count",outcome="ok"}"#] == Double(signs))
        #expect(samples[#"campaignd_request_duration_seconds_count{method="letter.sign"}"#] == Double(signs + 1))
        let signatures = try #require(stats["signatures"] as? [String: Any])
        for state in ["pending", "confirmed", "withdrawn", "invalidated", "suspect"] {
            #expect(samples[#"campaignd_signatures{state="\#(state)"}"#] == (signatures[state] as? Int).map(Double.init), "\(state)")
        }
        #expect(samples[#"campaignd_signatures{state="pending"}"#] == Double(signs))
        let outbox = try #require(stats["outbox"] as? [String: Any])
        #expect(samples["campaignd_outbox_queued_messages"] == (outbox["queued"] as? Int).map(Double.init))
        #expect((samples["campaignd_group_commits_total"] ?? 0) >= 1)
        #expect((samples["campaignd_group_commit_batch_writes_sum"] ?? 0) >= Double(signs))
        #expect((samples[#"campaignd_connections_accepted_total{listener="public"}"#] ?? 0) >= 6)
        #expect((samples["process_resident_memory_bytes"] ?? 0) > 1_000_000)
        #expect((samples["process_open_fds"] ?? 0) > 3)
    }

    @Test func onlyGetMetricsIsServed() throws {
        let dir = try Paths.temporaryDirectory()
        let (server, port) = try start(dir)
        defer { server.stop() }
        #expect(try Self.get("/other", port: port).head.hasPrefix("HTTP/1.1 404"))
        let post = try Self.http("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", port: port)
        #expect(post.hasPrefix("HTTP/1.1 405"))
    }

    @Test func metricsAreOffUnlessAsked() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        defer { server.stop() }
        #expect(!server.stderr.contains("serving metrics"))
    }

    @Test func aNonLoopbackMetricsAddressIsRefusedWithoutTheExplicitFlag() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let refused = try runToEnd(
            Paths.campaignd, ["--listen", dir + "/p.sock", "--state-dir", dir + "/state", "--metrics-listen", "0.0.0.0:9464"])
        #expect(refused.status != 0)
        #expect(refused.output.contains("--metrics-allow-remote"))
    }

    @Test func shutdownStopsTheMetricsListener() throws {
        let dir = try Paths.temporaryDirectory()
        let (server, _) = try start(dir)
        defer { server.stop() }
        server.signal(SIGTERM)
        #expect(server.waitForExit() == 0)
    }
}
