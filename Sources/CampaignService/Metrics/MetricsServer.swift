import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// `GET /metrics` over HTTP/1.1 on a TCP address (`--metrics-listen`), as a Service of campaignd's group.
/// One small NIOHTTP1 pipeline: Prometheus asks every few seconds, so each connection gets one reply
/// and is closed, and a connection that sends nothing is dropped after a few seconds.
public struct MetricsServer: Service {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    let host: String
    let port: Int
    let logger: Logger
    let render: @Sendable () async -> [UInt8]
    let bound: (@Sendable (Int) -> Void)?

    /// `render` writes the exposition; `bound` is told the port listened on (0 asks the kernel for one).
    public init(
        host: String, port: Int, logger: Logger, bound: (@Sendable (Int) -> Void)? = nil,
        render: @escaping @Sendable () async -> [UInt8]
    ) {
        self.host = host
        self.port = port
        self.logger = logger
        self.bound = bound
        self.render = render
    }

    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    public func run() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(10)))
                    try channel.pipeline.syncOperations.addHandler(IdleCloser())
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        let port = server.channel.localAddress?.port ?? port
        logger.info("serving metrics", metadata: ["address": "http://\(host):\(port)/metrics"])
        bound?(port)
        // Shutdown closes the listener; a scrape in progress is answered (connections are one-shot and
        // an idle one is closed within seconds).
        let listener = server.channel
        do {
            try await withGracefulShutdownHandler {
                try await server.executeThenClose { inbound in
                    try await withThrowingDiscardingTaskGroup { group in
                        for try await connection in inbound {
                            group.addTask { await serve(connection) }
                        }
                    }
                }
            } onGracefulShutdown: {
                listener.close(promise: nil)
            }
        } catch ChannelError.alreadyClosed {
            // Closed by the shutdown above.
        }
    }

    func serve(_ connection: Connection) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                for try await part in inbound {
                    switch part {
                    case .head(let request): head = request
                    case .body: continue
                    case .end:
                        guard let request = head else { return }
                        let (status, body) = await answer(request)
                        var headers = HTTPHeaders()
                        headers.add(name: "Content-Type", value: status == .ok ? Self.contentType : "text/plain; charset=utf-8")
                        headers.add(name: "Content-Length", value: String(body.count))
                        headers.add(name: "Connection", value: "close")
                        if status == .methodNotAllowed { headers.add(name: "Allow", value: "GET, HEAD") }
                        try await outbound.write(.head(HTTPResponseHead(version: request.version, status: status, headers: headers)))
                        if request.method != .HEAD { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                        try await outbound.write(.end(nil))
                        return
                    }
                }
            }
        } catch {
            logger.debug("metrics connection ended", metadata: ["error": "\(error)"])
        }
    }

    func answer(_ request: HTTPRequestHead) async -> (HTTPResponseStatus, [UInt8]) {
        guard request.method == .GET || request.method == .HEAD else { return (.methodNotAllowed, Array("GET only\n".utf8)) }
        // The query string (Prometheus sends none, some tools do) does not change the answer.
        let path = request.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard path == "/metrics" else { return (.notFound, Array("metrics are at /metrics\n".utf8)) }
        return (.ok, await render())
    }
}
