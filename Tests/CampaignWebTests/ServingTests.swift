import Hummingbird
import Logging
import ServiceLifecycle
import Testing

@testable import CampaignWeb

struct ServingTests {
    @Test func passedSocketsAreReadFromTheEnvironment() {
        let environment = ["LISTEN_PID": "42", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "http:"]
        let passed = SystemdSockets.passed(environment: environment, pid: 42)
        #expect(passed.map(\.fd) == [3, 4])
        #expect(passed.map(\.name) == ["http", "unknown"])
    }

    @Test func socketsPassedToAnotherProcessAreIgnored() {
        #expect(SystemdSockets.passed(environment: ["LISTEN_PID": "41", "LISTEN_FDS": "1"], pid: 42).isEmpty)
        #expect(SystemdSockets.passed(environment: [:], pid: 42).isEmpty)
    }

    @Test func activatedServerServesRequestsOnAPassedSocket() async throws {
        let router = Router()
        router.get("/hello") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody(byteBuffer: ByteBuffer(string: "hi")))
        }
        let (fd, port) = try listeningSocket()
        let logger = Logger(label: "test")
        let server = ActivatedHTTPServer(fd: fd, responder: router.buildResponder(), logger: logger, serverName: "campaign-web")
        let group = ServiceGroup(services: [server], logger: logger)
        try await whileServing(group) {
            let response = try await HTTPStream(port: port, path: "/hello")
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "text/plain")
            #expect(response.headers["content-length"] == "2")
            #expect(response.headers["server"] == "campaign-web")
            #expect(response.headers["date"]?.hasSuffix(" GMT") == true)
            let missing = try await HTTPStream(port: port, path: "/nowhere")
            #expect(missing.status == 404)
        }
    }

    @Test func httpDateIsAnIMFFixdate() {
        #expect(HTTPDate.format(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    @Test func activatedServerStopsAcceptingOnShutdown() async throws {
        let (fd, port) = try listeningSocket()
        let logger = Logger(label: "test")
        let server = ActivatedHTTPServer(fd: fd, responder: Router().buildResponder(), logger: logger)
        let group = ServiceGroup(services: [server], logger: logger)
        try await whileServing(group) {
            _ = try await HTTPStream(port: port, path: "/")
        }
        await #expect(throws: LiveTestFailure.self) { _ = try await HTTPStream(port: port, path: "/", timeout: 2) }
    }
}
