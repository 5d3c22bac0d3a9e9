import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle

/// `GET /live`: the campaign's figures as Server-Sent Events, from the process's one `LiveFeed`.
///
/// ```
/// retry: 5000
///
/// event: figures
/// data: {"events":[…],"fundraiser":{…},"signatures":{"confirmed":1285,"customers":613,"goal":5000,"organizations":41}}
///
/// : keep-alive
/// ```
///
/// The current figures come at once, then one `figures` event per change; a keep-alive comment
/// every `LiveFeed.keepAliveInterval` keeps proxies from closing a quiet stream. A stream ends when
/// its client goes (the next write fails) or when the server shuts down gracefully.
public enum ServerSentEvents {
    /// How long a browser waits before reconnecting, in milliseconds (the `retry:` field).
    public static let retryMilliseconds = 5000

    static let preamble = ByteBuffer(string: "retry: \(retryMilliseconds)\n\n")
    static let keepAlive = ByteBuffer(string: ": keep-alive\n\n")

    /// The response headers of a stream: no caching, no buffering by nginx (`X-Accel-Buffering`), and
    /// the security headers of every page, fixed (a stream is no document: its policy allows nothing), since
    /// the stream is served without the middlewares that set them on pages.
    public static let headers: HTTPFields = {
        var fields = HTTPFields()
        fields[.contentType] = "text/event-stream; charset=utf-8"
        fields[.cacheControl] = "no-store"
        // A valid token written here, not input: the name cannot fail.
        fields[.init("X-Accel-Buffering")!] = "no"
        fields[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
        fields[.xContentTypeOptions] = "nosniff"
        fields[.referrerPolicy] = "same-origin"
        fields[.xFrameOptions] = "DENY"
        return fields
    }()

    /// One `figures` event: its JSON on one line (JSONEncoder never writes a raw newline).
    static func figuresFrame(_ figures: LiveFigures) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Only Ints and Strings: encoding cannot fail; an empty object keeps the stream well-formed if it did.
        let json = (try? encoder.encode(figures)) ?? Data("{}".utf8)
        var buffer = ByteBuffer(string: "event: figures\ndata: ")
        buffer.writeBytes(json)
        buffer.writeString("\n\n")
        return buffer
    }

    /// The streaming response of one browser.
    public static func response(feed: LiveFeed) -> Response {
        Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                let (updates, id) = feed.subscribe()
                defer { feed.unsubscribe(id) }
                try await writer.write(preamble)
                var sent: Int?
                try await withGracefulShutdownHandler {
                    for await update in updates {
                        if update.version != sent, let frame = update.frame {
                            try await writer.write(frame)
                            sent = update.version
                        } else {
                            try await writer.write(keepAlive)
                        }
                    }
                } onGracefulShutdown: {
                    feed.unsubscribe(id)
                }
                try await writer.finish(nil)
            })
    }
}

extension Router {
    /// Adds `GET /live` (the stream) and `GET /live.js` (the script that shows it on the page).
    @discardableResult
    public func addLiveRoutes(feed: LiveFeed) -> Self {
        addLiveStream(feed: feed).addLiveScript()
    }

    /// Adds `GET /live`, the stream.
    @discardableResult
    public func addLiveStream(feed: LiveFeed) -> Self {
        get("/live") { _, _ in ServerSentEvents.response(feed: feed) }
    }

    /// Adds `GET /live.js`, the script that shows the stream on the page.
    @discardableResult
    public func addLiveScript() -> Self {
        get("/live.js") { request, _ in LiveScript.response(to: request) }
    }
}
