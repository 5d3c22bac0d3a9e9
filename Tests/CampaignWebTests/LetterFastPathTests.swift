import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Testing

@testable import CampaignWeb

#if canImport(Glibc)
    import Glibc
#endif

/// `GET /` answered from the cached page on the event loop (`LetterFastPath`), and everything else left to
/// the router. The router here answers `/` with its own text, so each response says which path it took.
struct LetterFastPathTests {
    let logger = Logger(label: "campaign-web-test")

    /// A router whose `/` says "router" and whose `/slow` answers after 300 ms.
    static func markedRouter() -> Router<SiteRequestContext> {
        let router = Router(context: SiteRequestContext.self)
        router.get("/") { _, _ in SiteState.html("router") }
        router.post("/") { _, _ in SiteState.html("router") }
        router.get("/slow") { _, _ in
            try await Task.sleep(for: .milliseconds(300))
            return SiteState.html("slow")
        }
        return router
    }

    /// Serves `router` with `harness`'s fast path on a passed socket, with the page cached first.
    func serving(
        _ harness: SiteHarness, router: Router<SiteRequestContext>, _ body: (_ port: Int) async throws -> Void
    ) async throws {
        let (fd, port) = try listeningSocket()
        let server = ActivatedHTTPServer(
            fd: fd, responder: router.buildResponder(), logger: logger, serverName: "campaign-web",
            fastPath: harness.site.letterFastPath(serverName: "campaign-web"))
        let group = ServiceGroup(services: harness.site.services + [server], logger: logger)
        try await whileServing(group) {
            // The feed's first figures drop the cached page (as every change does): cache it after them.
            for _ in 0..<200 where harness.site.liveFeed.current == nil { try await Task.sleep(for: .milliseconds(25)) }
            try await Task.sleep(for: .milliseconds(50))
            _ = try await harness.site.state.cachedLetter()
            try await body(port)
        }
    }

    @Test func aPlainGetOfTheLetterIsAnsweredFromTheCachedPage() async throws {
        let harness = try SiteHarness { $0.pageMaxAge = .seconds(60) }
        try await serving(harness, router: Self.markedRouter()) { port in
            let responses = try await RawHTTP.exchange(port: port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", count: 1)
            #expect(responses[0].status == 200)
            #expect(responses[0].text.contains("<form"), "the letter's page, not the router's text")
        }
    }

    @Test func everyOtherRequestGoesToTheRouter() async throws {
        let harness = try SiteHarness { $0.pageMaxAge = .seconds(60) }
        try await serving(harness, router: Self.markedRouter()) { port in
            for request in [
                "GET /?source=mail HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\na=b",
                "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
            ] {
                let response = try await RawHTTP.exchange(port: port, request, count: 1)[0]
                #expect(response.text == "router", "\(request.split(separator: "\r\n").first ?? "")")
            }
        }
    }

    @Test func aPageNoLongerFreshIsLeftToTheRouter() async throws {
        let harness = try SiteHarness { $0.pageMaxAge = .seconds(60) }
        try await serving(harness, router: Self.markedRouter()) { port in
            harness.site.pageCache.invalidate()
            let response = try await RawHTTP.exchange(port: port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", count: 1)[0]
            #expect(response.text == "router")
        }
    }

    @Test func pipelinedRequestsAreAnsweredInTheirOrder() async throws {
        let harness = try SiteHarness { $0.pageMaxAge = .seconds(60) }
        try await serving(harness, router: Self.markedRouter()) { port in
            // The slow one is still being answered when `/` arrives: `/` waits its turn at the router.
            let after = try await RawHTTP.exchange(
                port: port, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", count: 2)
            #expect(after.map(\.text) == ["slow", "router"])
            // Two of `/` back to back: both from the page, in one connection.
            let both = try await RawHTTP.exchange(
                port: port, "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", count: 2)
            #expect(both.allSatisfy { $0.text.contains("<form") })
        }
    }

    @Test func theCachedAnswerHasTheRoutersHeadersAndItsOwnNonceAndFormKey() async throws {
        let harness = try SiteHarness { $0.pageMaxAge = .seconds(60) }
        try await serving(harness, router: harness.site.router) { port in
            // The site's own router serves `/?via=router` from the same cached page.
            let exchanged = try await RawHTTP.exchange(
                port: port, "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /?via=router HTTP/1.1\r\nHost: a\r\n\r\n", count: 2)
            let (fast, routed) = (exchanged[0], exchanged[1])
            func comparable(_ response: RawHTTP.Response) -> [String: String] {
                response.headers.filter { $0.key != "date" && $0.key != "content-security-policy" }
            }
            #expect(comparable(fast) == comparable(routed))
            #expect(fast.headers["content-length"] == "\(fast.body.count)")
            #expect(fast.headers["date"]?.hasSuffix(" GMT") == true)
            let nonce = try #require(fast.nonce)
            #expect(nonce != routed.nonce)
            #expect(fast.text.contains("nonce=\"\(nonce)\""))
            #expect(fast.formKey != nil && fast.formKey != routed.formKey)
            // Apart from the nonce and the form key, the same bytes.
            func blanked(_ response: RawHTTP.Response) -> String {
                response.text.replacingOccurrences(of: response.nonce ?? "-", with: "N")
                    .replacingOccurrences(of: response.formKey ?? "-", with: "K")
            }
            #expect(blanked(fast) == blanked(routed))
        }
    }
}

/// Requests written as they are on one connection, and the responses read back (Content-Length bodies).
enum RawHTTP {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var nonce: String? {
            headers["content-security-policy"]?.components(separatedBy: "'nonce-").dropFirst().first?.components(separatedBy: "'").first
        }
        var formKey: String? {
            text.components(separatedBy: "name=\"idempotencyKey\" value=\"").dropFirst().first?.components(separatedBy: "\"").first
        }
    }

    static func exchange(port: Int, _ requests: String, count: Int, timeout: Double = 20) async throws -> [Response] {
        let fd = try connectedSocket(port: port)
        defer { close(fd) }
        let deadline = Date().addingTimeInterval(timeout)
        let bytes = Array(requests.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else { throw LiveTestFailure("write: \(errno)") }
        var raw: [UInt8] = []
        var responses: [Response] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while responses.count < count {
            if let response = parse(&raw) {
                responses.append(response)
                continue
            }
            let n = read(fd, &buffer, buffer.count)
            if n > 0 {
                raw += buffer[0..<n]
                continue
            }
            guard n < 0, errno == EAGAIN || errno == EWOULDBLOCK, Date() < deadline else {
                throw LiveTestFailure("connection ended or timed out after \(responses.count) of \(count) responses")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        return responses
    }

    /// The first whole response in `raw`, taken off it.
    static func parse(_ raw: inout [UInt8]) -> Response? {
        guard let end = (0..<max(0, raw.count - 3)).first(where: { raw[$0..<$0 + 4].elementsEqual([13, 10, 13, 10]) }) else {
            return nil
        }
        let lines = String(decoding: raw[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        guard raw.count >= end + 4 + length else { return nil }
        let body = Array(raw[(end + 4)..<(end + 4 + length)])
        raw.removeFirst(end + 4 + length)
        let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        return Response(status: status, headers: headers, body: body)
    }
}
