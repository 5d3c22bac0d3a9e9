import CampaignClient
import CampaignProtocol
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// What a subscriber of `LiveFeed` receives: the newest figures, and the version that tells a change
/// from a keep-alive tick (a tick repeats the version already sent).
public struct LiveUpdate: Sendable {
    /// Goes up by one each time the figures change; 0 until the first figures arrive.
    public let version: Int
    /// Nil until the feed has reached campaignd once.
    public let figures: LiveFigures?
    /// The `event: figures` frame, encoded once for every stream.
    let frame: ByteBuffer?
}

/// campaign-web's one `campaign.subscribe` subscription to campaignd, fanned out to every browser.
///
/// Run it in the process's `ServiceGroup`: `run()` keeps the subscription on the public socket,
/// reconnecting with a backoff (0.1 s doubling to 5 s) whenever campaignd goes away, and reads the whole
/// campaign again after each (re)connection, so that no change made meanwhile is missed. Each subscriber
/// gets the newest update only (`.bufferingNewest(1)`): a slow browser skips figures, it never queues them.
/// One shared ticker repeats the current update every `keepAliveInterval`, which `/live` turns into a
/// keep-alive comment: no timer per stream.
public final class LiveFeed: Service, Sendable {
    public typealias SubscriberID = Int

    /// The first wait before reconnecting, and the longest.
    static let firstRetryDelay = Duration.milliseconds(100)
    static let longestRetryDelay = Duration.seconds(5)

    let socketPath: String
    let keepAliveInterval: Duration
    let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var version = 0
        var figures: LiveFigures?
        var frame: ByteBuffer?
        var connected = false
        var nextID = 0
        var subscribers: [SubscriberID: AsyncStream<LiveUpdate>.Continuation] = [:]
        var hooks: [@Sendable (LiveFigures) -> Void] = []
        /// Set once `run()` has ended: later subscribers get a finished stream.
        var stopped = false

        var update: LiveUpdate { LiveUpdate(version: version, figures: figures, frame: frame) }
    }

    /// - Parameters:
    ///   - socketPath: campaignd's public socket.
    ///   - keepAliveInterval: how often every stream gets a keep-alive (15 s; shorter in tests).
    public init(socketPath: String, keepAliveInterval: Duration = .seconds(15), logger: Logger) {
        self.socketPath = socketPath
        self.keepAliveInterval = keepAliveInterval
        self.logger = logger
    }

    /// The newest figures, nil until campaignd has been reached once. They stay (and are served) while
    /// campaignd is away.
    public var current: LiveFigures? { state.withLockedValue { $0.figures } }

    /// Whether the subscription is up now (for `/healthz`).
    public var isConnected: Bool { state.withLockedValue { $0.connected } }

    /// Streams open now.
    public var subscriberCount: Int { state.withLockedValue { $0.subscribers.count } }

    /// Calls `hook` with the new figures after every change (the site drops its cached page there).
    /// Hooks run on the feed's task, one after the other: they should return quickly.
    public func onChange(_ hook: @escaping @Sendable (LiveFigures) -> Void) {
        state.withLockedValue { $0.hooks.append(hook) }
    }

    /// A stream of updates, starting with the current figures when there are any. It ends on
    /// `unsubscribe(_:)`, when its reader stops iterating, or when the feed stops.
    public func subscribe() -> (updates: AsyncStream<LiveUpdate>, id: SubscriberID) {
        let (stream, continuation) = AsyncStream.makeStream(of: LiveUpdate.self, bufferingPolicy: .bufferingNewest(1))
        let id: SubscriberID? = state.withLockedValue { state in
            guard !state.stopped else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = continuation
            if state.figures != nil { continuation.yield(state.update) }
            return id
        }
        guard let id else {
            continuation.finish()
            return (stream, -1)
        }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
        return (stream, id)
    }

    /// Ends a subscriber's stream.
    public func unsubscribe(_ id: SubscriberID) {
        // Finished outside the lock: `finish()` runs `onTermination`, which comes back here.
        state.withLockedValue { $0.subscribers.removeValue(forKey: id) }?.finish()
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.keepSubscribed() }
                group.addTask { await self.tick() }
            }
        }
        let subscribers = state.withLockedValue { state in
            state.stopped = true
            state.connected = false
            defer { state.subscribers = [:] }
            return state.subscribers
        }
        for continuation in subscribers.values { continuation.finish() }
    }

    /// Connects, follows, and reconnects until cancelled.
    private func keepSubscribed() async {
        var delay = Self.firstRetryDelay
        while !Task.isCancelled {
            do {
                let client = try await CampaignClient.connect(socketPath: socketPath)
                if await follow(client) { delay = Self.firstRetryDelay }
            } catch {
                logger.debug("campaignd not reachable", metadata: ["error": "\(error)", "socket": "\(socketPath)"])
            }
            guard !Task.isCancelled else { break }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, Self.longestRetryDelay)
        }
    }

    /// Subscribes on `client`, then reads the campaign and passes every change on until the connection
    /// ends. True when it got as far as the figures.
    private func follow(_ client: CampaignClient) async -> Bool {
        // The stream first, so that no notification falls between subscribing and reading it.
        let logger = self.logger
        let changes = client.notifications(of: CampaignChanged.self) { error in
            logger.warning("unreadable campaign.changed", metadata: ["error": "\(error)"])
        }
        var reached = false
        do {
            _ = try await client.call(Subscribe(topics: [.signatures, .fundraiser, .events]))
            let campaign = try await client.call(GetCampaign())
            reached = true
            state.withLockedValue { $0.connected = true }
            logger.info("following campaignd's figures", metadata: ["socket": "\(socketPath)"])
            publish { _ in LiveFigures(campaign) }
            for await change in changes {
                publish { $0?.applying(change) }
            }
        } catch {
            logger.debug("subscription failed", metadata: ["error": "\(error)"])
        }
        state.withLockedValue { $0.connected = false }
        if reached && !Task.isCancelled { logger.warning("lost campaignd; reconnecting", metadata: ["socket": "\(socketPath)"]) }
        await client.close()
        return reached
    }

    /// Replaces the figures; when they changed, every subscriber gets them and the hooks run.
    private func publish(_ change: (LiveFigures?) -> LiveFigures?) {
        let hooks: [@Sendable (LiveFigures) -> Void]
        let figures: LiveFigures
        do {
            let current = state.withLockedValue { $0.figures }
            guard let new = change(current), new != current else { return }
            figures = new
        }
        let frame = ServerSentEvents.figuresFrame(figures)
        // Yielded under the lock so that a tick can never overtake a newer version in a stream's buffer.
        hooks = state.withLockedValue { state in
            state.version += 1
            state.figures = figures
            state.frame = frame
            let update = state.update
            for continuation in state.subscribers.values { continuation.yield(update) }
            return state.hooks
        }
        for hook in hooks { hook(figures) }
    }

    /// The shared keep-alive ticker: every stream gets the current update again.
    private func tick() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: keepAliveInterval) } catch { return }
            state.withLockedValue { state in
                let update = state.update
                for continuation in state.subscribers.values { continuation.yield(update) }
            }
        }
    }
}
