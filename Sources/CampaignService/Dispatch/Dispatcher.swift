import CampaignProtocol
import Logging

/// The JSON-RPC 2.0 engine: one frame in, at most one frame out. Batches run concurrently;
/// notifications get no reply; an all-notification batch gets none at all.
public struct Dispatcher: Sendable {
    public struct Limits: Sendable {
        public var maxBatch: Int
        public var maxDepth: Int
        public init(maxBatch: Int = 100, maxDepth: Int = 64) {
            self.maxBatch = maxBatch
            self.maxDepth = maxDepth
        }
    }

    let registry: MethodRegistry
    let limits: Limits
    let metrics: ServiceMetrics
    let logger: Logger

    init(registry: MethodRegistry, limits: Limits, metrics: ServiceMetrics, logger: Logger) {
        self.registry = registry
        self.limits = limits
        self.metrics = metrics
        self.logger = logger
    }

    /// Answers one frame. Nil means no reply is due.
    public func respond(to frame: [UInt8], context: CallContext) async -> [UInt8]? {
        let document: JSONValue
        do {
            document = try JSONParser.parse(frame, maxDepth: limits.maxDepth)
        } catch .tooDeep(let limit) {
            metrics.recordRejected(.invalidRequest)
            return Response.error(id: .null, .invalidRequest("nesting deeper than \(limit) levels"))
        } catch {
            metrics.recordRejected(.parseError)
            return Response.error(id: .null, .parseError(Self.describe(error)))
        }

        guard case .array(let elements) = document else {
            return await respond(toElement: document, context: context)
        }
        guard !elements.isEmpty else {
            metrics.recordRejected(.invalidRequest)
            return Response.error(id: .null, .invalidRequest("empty batch"))
        }
        guard elements.count <= limits.maxBatch else {
            metrics.recordRejected(.invalidRequest)
            return Response.error(id: .null, .invalidRequest("batch of \(elements.count) exceeds the limit of \(limits.maxBatch)"))
        }
        let replies = await withTaskGroup(of: (Int, [UInt8]?).self) { group in
            for (index, element) in elements.enumerated() {
                group.addTask { (index, await respond(toElement: element, context: context)) }
            }
            var replies = [[UInt8]?](repeating: nil, count: elements.count)
            for await (index, reply) in group { replies[index] = reply }
            return replies.compactMap { $0 }
        }
        guard !replies.isEmpty else { return nil }
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (i, reply) in replies.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: reply)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    func respond(toElement element: JSONValue, context: CallContext) async -> [UInt8]? {
        let started = metrics.clock
        let request: Request
        switch Request.validate(element) {
        case .success(let r):
            request = r
        case .failure(let invalid):
            metrics.recordRejected(invalid.error.code)
            return invalid.isNotification ? nil : Response.error(id: invalid.id, invalid.error)
        }
        let outcome = await call(request, context: context)
        metrics.recordRequest(method: request.method, error: outcome.failure?.code, since: started)
        guard let id = request.id else { return nil }
        switch outcome {
        case .success(let result): return Response.result(id: id, result)
        case .failure(let error): return Response.error(id: id, error)
        }
    }

    /// Calls a method, mapping every failure to a JSON-RPC error.
    func call(_ request: Request, context: CallContext) async -> Result<[UInt8], ResponseError> {
        // On a public listener an admin method does not exist.
        guard let handler = registry.handler(named: request.method), handler.role == .public || context.role == .admin else {
            return .failure(.methodNotFound(request.method))
        }
        do {
            return .success(try await handler.call(request.params ?? .object([:]), context))
        } catch let error as ResponseError {
            return .failure(error)
        } catch {
            logger.error("method failed", metadata: ["method": "\(request.method)", "error": "\(error)"])
            return .failure(.internalError())
        }
    }

    static func describe(_ error: JSONParser.Failure) -> String {
        switch error {
        case .syntax(let offset, let reason): "\(reason) at byte \(offset)"
        case .tooDeep(let limit): "nesting deeper than \(limit)"
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// Builds response frames (compact, one line).
enum Response {
    static func result(id: RequestID, _ result: [UInt8]) -> [UInt8] {
        var out = Array(#"{"jsonrpc":"2.0","id":"#.utf8)
        out.append(contentsOf: JSONWriter.string(id.json).utf8)
        out.append(contentsOf: #","result":"#.utf8)
        out.append(contentsOf: result)
        out.append(UInt8(ascii: "}"))
        return out
    }

    static func error(id: RequestID, _ error: ResponseError) -> [UInt8] {
        var body = #"{"jsonrpc":"2.0","id":"#
        JSONWriter.write(id.json, into: &body)
        body += #","error":{"code":"# + String(error.code.rawValue) + #","message":"#
        JSONWriter.writeString(error.message, into: &body)
        if let data = error.data {
            var members: [String: JSONValue] = [:]
            if let f = data.field { members["field"] = .string(f) }
            if let r = data.reason { members["reason"] = .string(r) }
            if let ms = data.retryAfterMs { members["retryAfterMs"] = JSONValue(ms) }
            body += #","data":"#
            JSONWriter.write(.object(members), into: &body)
        }
        body += "}}"
        return Array(body.utf8)
    }
}
