import CampaignProtocol
import Foundation

/// A connection to campaignd.
///
/// ```swift
/// let client = try await CampaignClient.connect(socketPath: "/run/campaignd/public.sock")
/// let receipt = try await client.call(SignLetter(name: "Ada", email: "ada@example.org", showName: true))
/// print(receipt.counts.confirmed)
/// ```
///
/// Calls may be made from any number of tasks at once: they are pipelined on the one connection and
/// each answer is matched to its call by id, in whatever order the service sends them. A JSON-RPC error
/// is thrown as `ResponseError`; a lost connection as `CampaignClientError.connectionClosed`.
public final class CampaignClient: Sendable {
    public typealias Notification = (method: String, params: JSONValue?)

    /// Every notification the service sends on its own, undecoded, for tools that relay them; see
    /// `notifications(of:)` for typed ones. Iterate it from one task. It ends when the connection does.
    /// If nobody reads it, only the newest 256 are kept, so an unread stream costs bounded memory.
    public let notifications: AsyncStream<Notification>

    private let connection: LineConnection
    private let pending: PendingCalls
    private let subscriptions: Subscriptions
    private let child: ChildProcess?

    private init(
        connection: LineConnection, pending: PendingCalls, subscriptions: Subscriptions, notifications: AsyncStream<Notification>,
        child: ChildProcess?
    ) {
        self.connection = connection
        self.pending = pending
        self.subscriptions = subscriptions
        self.notifications = notifications
        self.child = child
    }

    deinit {
        // A client dropped without `close()` must not leave its socket, or its child, behind.
        connection.closeNow()
    }

    /// Connects to a listener's Unix socket: the public one for a web frontend, the admin one for
    /// organisers' tools.
    public static func connect(socketPath: String) async throws -> CampaignClient {
        try await start(Transport.connect(unixDomainSocketPath: socketPath), child: nil)
    }

    /// Starts `campaignd` as a child process serving this client alone over its stdin and stdout, as a
    /// local organiser's tool or a test would. `--stdio` is added to `arguments` unless already there;
    /// pass `--role admin` for admin methods. The child exits when the client closes.
    public static func spawn(executable: String, arguments: [String]) async throws -> CampaignClient {
        let arguments = arguments.contains("--stdio") ? arguments : ["--stdio"] + arguments
        let (channel, child) = try await Transport.spawn(executable: executable, arguments: arguments)
        do {
            return try await start(channel, child: child)
        } catch {
            _ = await child.reap(grace: .seconds(5))
            throw error
        }
    }

    private static func start(_ channel: LineChannel, child: ChildProcess?) async throws -> CampaignClient {
        let pending = PendingCalls()
        let subscriptions = Subscriptions()
        let (notifications, continuation) = AsyncStream.makeStream(
            of: Notification.self, bufferingPolicy: .bufferingNewest(Self.notificationBuffer))
        let inbox = Inbox(pending: pending, subscriptions: subscriptions, notifications: continuation)
        let connection = try await LineConnection.start(channel, onLine: inbox.receive, onEnd: inbox.end)
        return CampaignClient(
            connection: connection, pending: pending, subscriptions: subscriptions, notifications: notifications, child: child)
    }

    /// Notifications each stream keeps while nobody reads it (the newest).
    static let notificationBuffer = 256

    /// Calls a method and decodes its result. Result members this build does not know are ignored, so
    /// that a newer service stays usable.
    public func call<M: RPCMethod>(_ method: M) async throws -> M.Result {
        let result = try await callRaw(method: M.method, params: Self.params(of: method, named: M.method))
        return try Self.decode(M.Result.self, from: result, what: "\(M.method) result")
    }

    /// Calls a method by name, for tools that relay JSON they do not interpret. `params` goes out as
    /// given (nil leaves it out); the service checks it.
    public func callRaw(method: String, params: JSONValue?) async throws -> JSONValue {
        let id = try pending.reserve()
        let request = Self.message(id: id, method: method, params: params)
        let pending = self.pending
        return try await withTaskCancellationHandler {
            do {
                try await connection.send(request)
            } catch {
                pending.discard(id)
                if error is CancellationError { throw error }
                throw CampaignClientError.connectionClosed
            }
            return try await pending.wait(for: id)
        } onCancel: {
            // The service may still carry the call out; its answer, if it comes, is dropped.
            pending.settle(id, with: .failure(CancellationError()))
        }
    }

    /// Sends a notification: no id, so the service never answers, not even with an error
    /// (`tweets.click`).
    public func notify<N: RPCNotification>(_ notification: N) async throws {
        try await notifyRaw(method: N.method, params: Self.params(of: notification, named: N.method))
    }

    /// Sends a notification by name.
    public func notifyRaw(method: String, params: JSONValue?) async throws {
        do {
            try await connection.send(Self.message(id: nil, method: method, params: params))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw CampaignClientError.connectionClosed
        }
    }

    /// The notifications of one kind the service sends, decoded (`CampaignChanged` after
    /// `campaign.subscribe`). Each call gives a stream of its own, so any number of tasks may each hold
    /// one; it sees what arrives after the call, so make it before the call that starts them. It ends
    /// when the connection does. Unread, it keeps the newest 256. Members this build does not know are
    /// ignored; a notification that still does not decode is skipped and passed to `unreadable`, which
    /// runs on the connection's reader and should return quickly.
    public func notifications<N: RPCNotification>(
        of type: N.Type, unreadable: (@Sendable (CampaignClientError) -> Void)? = nil
    ) -> AsyncStream<N> {
        let (stream, continuation) = AsyncStream.makeStream(of: N.self, bufferingPolicy: .bufferingNewest(Self.notificationBuffer))
        let route = Subscriptions.Route(
            method: N.method,
            deliver: { params in
                do {
                    // Absent params are an empty object, as the service reads them.
                    continuation.yield(try Self.decode(N.self, from: params ?? .object([:]), what: "\(N.method) params"))
                } catch let error as CampaignClientError {
                    unreadable?(error)
                } catch {
                    unreadable?(.invalidResponse("\(N.method) params: \(error)"))
                }
            },
            finish: { continuation.finish() })
        guard let id = subscriptions.add(route) else {
            continuation.finish()
            return stream
        }
        let subscriptions = self.subscriptions
        continuation.onTermination = { _ in subscriptions.remove(id) }
        return stream
    }

    /// Closes the connection. Calls still waiting throw `CampaignClientError.connectionClosed`; a spawned
    /// child is waited for (and terminated if it has not exited within five seconds).
    public func close() async {
        pending.close(with: CampaignClientError.connectionClosed)
        await connection.close()
        _ = await child?.reap(grace: .seconds(5))
    }

    /// Params as the service wants them: by name, and left out when there are none.
    static func params(of params: some Encodable, named method: String) throws -> JSONValue? {
        let encoded: JSONValue
        do {
            encoded = try JSONValueEncoder().encode(params)
        } catch {
            throw CampaignClientError.invalidParams("\(method): \(error)")
        }
        switch encoded {
        case .object(let members): return members.isEmpty ? nil : encoded
        default: throw CampaignClientError.invalidParams("\(method) params must encode as an object, not \(encoded.typeName)")
        }
    }

    /// Decodes what the service sent, ignoring members this build does not know, so that a newer
    /// service stays usable.
    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, what: String) throws -> T {
        do {
            return try JSONValueDecoder(strict: false).decode(type, from: value)
        } catch let error as DecodingError {
            let (field, reason) = error.fieldAndReason
            throw CampaignClientError.invalidResponse("\(what)\(field.isEmpty ? "" : " at \(field)"): \(reason)")
        }
    }

    static func message(id: Int?, method: String, params: JSONValue?) -> String {
        var members: [String: JSONValue] = ["jsonrpc": .string("2.0"), "method": .string(method)]
        if let id { members["id"] = JSONValue(id) }
        if let params { members["params"] = params }
        return JSONWriter.string(.object(members))
    }
}

/// Why a call failed other than by a JSON-RPC error (those are `ResponseError`).
public enum CampaignClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Nothing listens at the socket path, or the peer refused.
    case cannotConnect(path: String, reason: String)
    /// The child process could not be started.
    case spawnFailed(executable: String, reason: String)
    /// The connection ended (closed by either side, or the child exited) before the answer came.
    case connectionClosed
    /// The service sent something this client cannot use as an answer.
    case invalidResponse(String)
    /// The params could not be encoded as a JSON object.
    case invalidParams(String)

    public var description: String {
        switch self {
        case .cannotConnect(let path, let reason): "cannot connect to \(path): \(reason)"
        case .spawnFailed(let executable, let reason): "cannot start \(executable): \(reason)"
        case .connectionClosed: "the connection to campaignd closed before the answer came"
        case .invalidResponse(let reason): "invalid response from campaignd: \(reason)"
        case .invalidParams(let reason): "cannot encode params: \(reason)"
        }
    }
}
