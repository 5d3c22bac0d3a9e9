import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

@testable import CampaignWeb

#if canImport(Glibc)
    import Glibc
#endif

/// A context that shows the handler its connection, to read the connection's options.
private struct ChannelContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// A route answering with the connection's first receive buffer size, in a header.
private func receiveBufferRouter() -> Router<ChannelContext> {
    let router = Router(context: ChannelContext.self)
    router.get("/recv") { _, context in
        let allocator = try await context.channel.getOption(ChannelOptions.recvAllocator)
        let initial = (allocator as? AdaptiveRecvByteBufferAllocator).map { "\($0.initial)" } ?? "other"
        return Response(status: .ok, headers: [.init("X-Receive-Buffer")!: initial])
    }
    return router
}

struct ConnectionSettingsTests {
    let logger = Logger(label: "campaign-web-test")

    @Test func activatedServerConnectionsStartWithSmallReceiveBuffers() async throws {
        let (fd, port) = try listeningSocket()
        let server = ActivatedHTTPServer(fd: fd, responder: receiveBufferRouter().buildResponder(), logger: logger)
        let group = ServiceGroup(services: [server], logger: logger)
        try await whileServing(group) {
            let response = try await HTTPStream(port: port, path: "/recv")
            #expect(response.status == 200)
            #expect(response.headers["x-receive-buffer"] == "\(SiteConnections.receiveAllocator.initial)")
        }
    }

    @Test func listeningServerConnectionsStartWithSmallReceiveBuffers() async throws {
        let port = try freePort()
        let app = Application(
            router: receiveBufferRouter(), server: .siteHTTP1(),
            configuration: .init(address: .hostname("127.0.0.1", port: port), backlog: SiteConnections.backlog), logger: logger)
        let group = ServiceGroup(services: [app], logger: logger)
        try await whileServing(group) {
            let response = try await retrying { try await HTTPStream(port: port, path: "/recv") }
            #expect(response.status == 200)
            #expect(response.headers["x-receive-buffer"] == "\(SiteConnections.receiveAllocator.initial)")
        }
    }

    @Test func connectsWaitInThePassedSocketsBacklogWhileTheServerIsBusy() async throws {
        let (fd, port) = try listeningSocket()
        let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = ActivatedHTTPServer(fd: fd, responder: Router().buildResponder(), eventLoopGroup: loop, logger: logger)
        let group = ServiceGroup(services: [server], logger: logger)
        try await whileServing(group) {
            _ = try await HTTPStream(port: port, path: "/")
            // The server's only event loop is kept busy (reading a pipe): nothing is accepted, every connect
            // waits in the backlog.
            var release: [CInt] = [0, 0]
            guard pipe(&release) == 0 else { throw LiveTestFailure("pipe: \(errno)") }
            let (releaseRead, releaseWrite) = (release[0], release[1])
            // The loop closes its end itself once released: closed here first, the number could go to another
            // test's descriptor before the loop reads it, and block the loop on that for good.
            await withCheckedContinuation { (blocked: CheckedContinuation<Void, Never>) in
                loop.next().execute {
                    blocked.resume()
                    var byte: UInt8 = 0
                    _ = read(releaseRead, &byte, 1)
                    close(releaseRead)
                }
            }
            let clients = try (0..<300).map { _ in try connectWithoutWaiting(port: port) }
            let connected = waitUntilConnected(clients, seconds: 10)
            var byte: UInt8 = 1
            _ = write(releaseWrite, &byte, 1)
            for fd in clients + [releaseWrite] { close(fd) }
            // One loop accepts in order: once a new request is answered, the waiting connects have been taken,
            // and shutdown does not close the listener while they are being set up (apple/swift-nio#2813).
            _ = try await HTTPStream(port: port, path: "/")
            // NIO's own backlog (128) would leave the rest unanswered until the server accepts again.
            #expect(connected == clients.count)
        }
        try await loop.shutdownGracefully()
    }

    @Test func liveStreamCarriesFixedSecurityHeadersWithoutThePageMiddlewares() async throws {
        let harness = try SiteHarness()
        let (fd, port) = try listeningSocket()
        let server = ActivatedHTTPServer(fd: fd, responder: harness.site.router.buildResponder(), logger: logger)
        let group = ServiceGroup(services: harness.site.services + [server], logger: logger)
        try await whileServing(group) {
            let stream = try await HTTPStream(port: port, path: "/live")
            #expect(stream.status == 200)
            #expect(stream.headers["content-type"] == "text/event-stream; charset=utf-8")
            #expect(stream.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'")
            #expect(stream.headers["x-content-type-options"] == "nosniff")
            #expect(stream.headers["referrer-policy"] == "same-origin")
            #expect(stream.headers["x-frame-options"] == "DENY")
            stream.close()
            let page = try await HTTPStream(port: port, path: "/live.js")
            #expect(page.headers["content-security-policy"]?.contains("'nonce-") == true, "the script is served like a page")
            page.close()
        }
    }
}

private func freePort() throws -> Int {
    let (fd, port) = try listeningSocket()
    close(fd)
    return port
}

private func retrying<Value>(_ body: () async throws -> Value) async throws -> Value {
    for _ in 0..<50 {
        if let value = try? await body() { return value }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await body()
}

/// A non-blocking TCP connect to 127.0.0.1:`port`, started and not waited for.
private func connectWithoutWaiting(port: Int) throws -> CInt {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw LiveTestFailure("socket: \(errno)") }
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    return fd
}

/// How many of `fds` have completed their handshake within `seconds`.
private func waitUntilConnected(_ fds: [CInt], seconds: Double) -> Int {
    var pending = Set(fds)
    let deadline = Date().addingTimeInterval(seconds)
    while !pending.isEmpty && Date() < deadline {
        var polls = pending.map { pollfd(fd: $0, events: Int16(POLLOUT), revents: 0) }
        _ = poll(&polls, nfds_t(polls.count), 100)
        for entry in polls where entry.revents & Int16(POLLOUT) != 0 {
            var error: CInt = 0
            var length = socklen_t(MemoryLayout<CInt>.size)
            getsockopt(entry.fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error == 0 { pending.remove(entry.fd) }
        }
    }
    return fds.count - pending.count
}
