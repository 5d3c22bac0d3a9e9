import CampaignProtocol
import Foundation

/// Who is calling: the role of the listener the request came in on, and the connection's
/// subscription, where the transport can deliver notifications.
public struct CallContext: Sendable {
    public var role: Role
    public var session: ChangeFeed.Session?
    /// The connection's recent tweet clicks; nil counts every click (tests calling the core directly).
    public var clicks: ClickThrottle?
    /// Set per request by the transport: told when a write of the request parks until another writer's
    /// commit (`GroupCommit.Waiting`), so that the request's admission turn goes to other work.
    public var whileWaitingForCommit: (@Sendable () -> Void)?
    public init(role: Role, session: ChangeFeed.Session? = nil, clicks: ClickThrottle? = nil) {
        self.role = role
        self.session = session
        self.clicks = clicks
    }
}

/// One registered method: its role and a type-erased call that decodes params and encodes the result.
struct Handler: Sendable {
    let role: Role
    let call: @Sendable (JSONValue, CallContext) async throws -> [UInt8]
}

/// The methods this service answers, by wire name.
public struct MethodRegistry: Sendable {
    private(set) var handlers: [String: Handler] = [:]

    public init() {}

    public var names: [String] { handlers.keys.sorted() }

    public func role(of name: String) -> Role? { handlers[name]?.role }

    func handler(named name: String) -> Handler? { handlers[name] }

    /// Registers a typed handler: params are decoded strictly (unknown fields refused).
    mutating func register<M: RPCMethod>(_ method: M.Type, _ body: @escaping @Sendable (M, CallContext) async throws -> M.Result) {
        precondition(handlers[M.method] == nil, "\(M.method) registered twice")
        handlers[M.method] = Handler(role: M.role) { params, context in
            let decoded: M
            do {
                decoded = try JSONValueDecoder(strict: true).decode(M.self, from: params)
            } catch let error as DecodingError {
                throw ResponseError.invalidParams(error)
            }
            let result = try await body(decoded, context)
            if let direct = result as? any DirectJSON { return direct.jsonBytes }
            return try Array(JSONCoding.shared.encode(result))
        }
    }

    /// Registers a handler that produces its result bytes itself (e.g. a precomputed document).
    mutating func registerRaw<M: ParameterlessMethod>(
        _ method: M.Type, _ body: @escaping @Sendable (CallContext) async throws -> [UInt8]
    ) {
        precondition(handlers[M.method] == nil, "\(M.method) registered twice")
        handlers[M.method] = Handler(role: M.role) { params, context in
            do {
                _ = try JSONValueDecoder(strict: true).decode(M.self, from: params)
            } catch let error as DecodingError {
                throw ResponseError.invalidParams(error)
            }
            return try await body(context)
        }
    }
}

enum JSONCoding {
    /// One encoder for every reply: `encode` keeps no state between calls.
    static let shared: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }()
}
