/// A JSON-RPC error code: the standard ones and the contract's own (SPEC §3).
public struct ErrorCode: RawRepresentable, Hashable, Codable, Sendable {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let parseError = ErrorCode(rawValue: -32700)
    public static let invalidRequest = ErrorCode(rawValue: -32600)
    public static let methodNotFound = ErrorCode(rawValue: -32601)
    public static let invalidParams = ErrorCode(rawValue: -32602)
    public static let internalError = ErrorCode(rawValue: -32603)

    public static let notFound = ErrorCode(rawValue: -32001)
    public static let conflict = ErrorCode(rawValue: -32002)
    public static let closed = ErrorCode(rawValue: -32003)
    public static let rateLimited = ErrorCode(rawValue: -32004)
    public static let unavailable = ErrorCode(rawValue: -32005)
    public static let forbidden = ErrorCode(rawValue: -32006)
}

/// The `data` member of an error: which field was wrong and why, or when to retry.
public struct ErrorData: Codable, Hashable, Sendable {
    public var field: String?
    public var reason: String?
    public var retryAfterMs: Int?

    public init(field: String? = nil, reason: String? = nil, retryAfterMs: Int? = nil) {
        self.field = field
        self.reason = reason
        self.retryAfterMs = retryAfterMs
    }
}

/// The `error` member of a response. Thrown by handlers, carried back by the client.
public struct ResponseError: Error, Codable, Hashable, Sendable {
    public var code: ErrorCode
    public var message: String
    public var data: ErrorData?

    public init(code: ErrorCode, message: String, data: ErrorData? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public static func parseError(_ reason: String) -> Self { .init(code: .parseError, message: "Parse error: \(reason)") }
    public static func invalidRequest(_ reason: String) -> Self { .init(code: .invalidRequest, message: "Invalid request: \(reason)") }
    public static func methodNotFound(_ name: String) -> Self { .init(code: .methodNotFound, message: "Method not found: \(name)") }
    public static func invalidParams(field: String, reason: String) -> Self {
        .init(
            code: .invalidParams, message: "Invalid params: \(field.isEmpty ? "params" : field): \(reason)",
            data: .init(field: field, reason: reason))
    }
    public static func internalError(_ reason: String = "internal error") -> Self { .init(code: .internalError, message: reason) }
    public static func notFound(_ what: String) -> Self { .init(code: .notFound, message: "Not found: \(what)") }
    public static func conflict(_ reason: String) -> Self { .init(code: .conflict, message: "Conflict: \(reason)") }
    public static func closed(_ reason: String) -> Self { .init(code: .closed, message: "Closed: \(reason)") }
    public static func rateLimited(retryAfterMs: Int) -> Self {
        .init(code: .rateLimited, message: "Rate limited", data: .init(retryAfterMs: retryAfterMs))
    }
    public static func unavailable(_ reason: String) -> Self { .init(code: .unavailable, message: "Unavailable: \(reason)") }
    public static let forbidden = ResponseError(code: .forbidden, message: "Forbidden: this peer may not use the admin listener")

    /// The `-32602` error for a params object that failed to decode.
    public static func invalidParams(_ error: DecodingError) -> Self {
        let (field, reason) = error.fieldAndReason
        return .invalidParams(field: field, reason: reason)
    }
}
