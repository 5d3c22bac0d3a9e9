/// A request id exactly as the client gave it: a string, a number (kept as its source text) or null.
public enum RequestID: Hashable, Sendable, Codable, CustomStringConvertible {
    case string(String)
    case number(String)
    case null

    public init(_ int: Int) { self = .number(String(int)) }

    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        switch value {
        case .string(let s): self = .string(s)
        case .number(let n): self = .number(n)
        case .null: self = .null
        default:
            throw DecodingError.typeMismatch(RequestID.self, .init(codingPath: decoder.codingPath, debugDescription: "id"))
        }
    }

    public func encode(to encoder: any Encoder) throws { try json.encode(to: encoder) }

    public var json: JSONValue {
        switch self {
        case .string(let s): .string(s)
        case .number(let n): .number(n)
        case .null: .null
        }
    }

    public var description: String { JSONWriter.string(json) }
}

/// One request (or notification, when `id` is absent) taken from a frame.
public struct Request: Sendable {
    public var id: RequestID?
    public var method: String
    public var params: JSONValue?

    public var isNotification: Bool { id == nil }

    public init(id: RequestID?, method: String, params: JSONValue?) {
        self.id = id
        self.method = method
        self.params = params
    }

    /// Checks one element of a frame against JSON-RPC 2.0 §4. On failure it returns the error together
    /// with the id, when the id itself was readable, so the reply can name it.
    public static func validate(_ value: JSONValue) -> Result<Request, Invalid> {
        guard case .object(let members) = value else {
            return .failure(Invalid(id: .null, error: .invalidRequest("a request must be an object")))
        }
        var id: RequestID? = nil
        if let raw = members["id"] {
            switch raw {
            case .string(let s): id = .string(s)
            case .number(let n): id = .number(n)
            case .null: id = .null
            default: return .failure(Invalid(id: .null, error: .invalidRequest("id must be a string, a number or null")))
            }
        }
        let replyID = id ?? .null
        guard members["jsonrpc"] == .string("2.0") else {
            return .failure(Invalid(id: replyID, error: .invalidRequest("jsonrpc must be \"2.0\"")))
        }
        guard case .string(let method) = members["method"] else {
            return .failure(Invalid(id: replyID, error: .invalidRequest("method must be a string")))
        }
        for key in members.keys where !["jsonrpc", "id", "method", "params"].contains(key) {
            return .failure(Invalid(id: replyID, error: .invalidRequest("unknown member \"\(key)\"")))
        }
        let params = members["params"]
        switch params {
        case nil, .object?:
            break
        case .array?:
            // By-position params are a valid request shape that this service does not accept.
            return .failure(
                Invalid(
                    id: replyID, error: .invalidParams(field: "params", reason: "params must be an object (by name)"),
                    isNotification: id == nil))
        default:
            return .failure(Invalid(id: replyID, error: .invalidRequest("params must be an object")))
        }
        return .success(Request(id: id, method: method, params: params))
    }

    public struct Invalid: Error, Sendable {
        public var id: RequestID
        public var error: ResponseError
        /// A well-formed notification with bad params still gets no reply.
        public var isNotification = false
    }
}

/// Writes compact JSON.
public enum JSONWriter {
    public static func string(_ value: JSONValue) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    public static func write(_ value: JSONValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): writeString(s, into: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                write(v, into: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            var first = true
            for key in o.keys.sorted() {
                if !first { out += "," }
                first = false
                writeString(key, into: &out)
                out += ":"
                write(o[key]!, into: &out)
            }
            out += "}"
        }
    }

    public static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
