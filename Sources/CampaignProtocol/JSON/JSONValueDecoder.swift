import Foundation

/// Decodes `Decodable` values from a parsed `JSONValue`.
///
/// In strict mode (the service reading params) every object member that the type did not ask for is an
/// error naming it, so a typo is refused instead of silently dropping data. Integers refuse fractions
/// and exponents. Errors are `DecodingError`s with a full coding path, which `ParamsError` turns into
/// the `data.field` of a `-32602` reply.
public struct JSONValueDecoder: Sendable {
    public var strict: Bool

    public init(strict: Bool = true) { self.strict = strict }

    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        let tracker = KeyTracker()
        let decoder = TreeDecoder(value: value, codingPath: [], tracker: tracker)
        let result = try T(from: decoder)
        if strict, let unknown = tracker.firstUnknown() {
            throw DecodingError.dataCorrupted(.init(codingPath: unknown, debugDescription: "unknown field"))
        }
        // A type with no properties never opens a container: every member it was given is unknown.
        if strict, !tracker.openedAnyObject, case .object(let members) = value, let first = members.keys.sorted().first {
            throw DecodingError.dataCorrupted(.init(codingPath: [AnyKey(first)], debugDescription: "unknown field"))
        }
        return result
    }
}

/// Lets `JSONValue.init(from:)` take the subtree as it is.
protocol JSONValueDecoding {
    var currentValue: JSONValue { get }
}

/// Records, per object decoded, which members were asked for.
final class KeyTracker {
    private var objects: [(path: [any CodingKey], members: [String: JSONValue], asked: Set<String>)] = []

    var openedAnyObject: Bool { !objects.isEmpty }

    func register(path: [any CodingKey], members: [String: JSONValue]) -> Int {
        objects.append((path, members, []))
        return objects.count - 1
    }

    func asked(_ key: String, in object: Int) { objects[object].asked.insert(key) }

    func firstUnknown() -> [any CodingKey]? {
        for object in objects {
            for key in object.members.keys.sorted() where !object.asked.contains(key) {
                return object.path + [AnyKey(key)]
            }
        }
        return nil
    }
}

struct TreeDecoder: Decoder, JSONValueDecoding {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let tracker: KeyTracker
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var currentValue: JSONValue { value }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else {
            throw DecodingError.typeMismatch(
                [String: JSONValue].self, .init(codingPath: codingPath, debugDescription: "expected an object, got \(value.typeName)"))
        }
        let id = tracker.register(path: codingPath, members: members)
        return KeyedDecodingContainer(Keyed<Key>(members: members, codingPath: codingPath, tracker: tracker, objectID: id))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else {
            throw DecodingError.typeMismatch(
                [JSONValue].self, .init(codingPath: codingPath, debugDescription: "expected an array, got \(value.typeName)"))
        }
        return Unkeyed(elements: elements, codingPath: codingPath, tracker: tracker)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        Single(value: value, codingPath: codingPath, tracker: tracker)
    }
}

private func mismatch(_ expected: String, _ value: JSONValue, _ path: [any CodingKey]) -> DecodingError {
    .typeMismatch(Any.self, .init(codingPath: path, debugDescription: "expected \(expected), got \(value.typeName)"))
}

private func unbox<T: Decodable>(_ type: T.Type, _ value: JSONValue, _ path: [any CodingKey], _ tracker: KeyTracker) throws -> T {
    switch type {
    case is String.Type:
        guard case .string(let s) = value else { throw mismatch("a string", value, path) }
        return s as! T
    case is Bool.Type:
        guard case .bool(let b) = value else { throw mismatch("a boolean", value, path) }
        return b as! T
    case is Int.Type:
        return try unboxInteger(value, path) as! T
    case is Int64.Type:
        return Int64(try unboxInteger(value, path)) as! T
    case is Double.Type:
        guard case .number(let text) = value, let d = Double(text) else { throw mismatch("a number", value, path) }
        return d as! T
    case let integer as any FixedWidthInteger.Type:
        // The other widths: left to their own `init(from:)`, they would ask for themselves again, forever.
        guard case .number(let text) = value else { throw mismatch("an integer", value, path) }
        guard let i = integer.init(text, radix: 10) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: path, debugDescription: "expected an integer in range of \(type), got \(text)"))
        }
        return i as! T
    case is Float.Type:
        guard case .number(let text) = value, let f = Float(text) else { throw mismatch("a number", value, path) }
        return f as! T
    default:
        return try T(from: TreeDecoder(value: value, codingPath: path, tracker: tracker))
    }
}

private func unboxInteger(_ value: JSONValue, _ path: [any CodingKey]) throws -> Int {
    guard case .number(let text) = value else { throw mismatch("an integer", value, path) }
    guard let i = Int(text) else {
        throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "expected an integer, got \(text)"))
    }
    return i
}

private struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    let codingPath: [any CodingKey]
    let tracker: KeyTracker
    let objectID: Int

    var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool {
        tracker.asked(key.stringValue, in: objectID)
        return members[key.stringValue] != nil
    }

    private func member(_ key: Key) throws -> JSONValue {
        tracker.asked(key.stringValue, in: objectID)
        guard let v = members[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath + [key], debugDescription: "required"))
        }
        return v
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        tracker.asked(key.stringValue, in: objectID)
        return members[key.stringValue].map { $0 == .null } ?? true
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try unbox(type, try member(key), codingPath + [key], tracker)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        tracker.asked(key.stringValue, in: objectID)
        guard let v = members[key.stringValue], v != .null else { return nil }
        return try unbox(type, v, codingPath + [key], tracker)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try TreeDecoder(value: try member(key), codingPath: codingPath + [key], tracker: tracker).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try TreeDecoder(value: try member(key), codingPath: codingPath + [key], tracker: tracker).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { TreeDecoder(value: .object(members), codingPath: codingPath, tracker: tracker) }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        TreeDecoder(value: try member(key), codingPath: codingPath + [key], tracker: tracker)
    }
}

private struct Unkeyed: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let codingPath: [any CodingKey]
    let tracker: KeyTracker
    var currentIndex = 0

    init(elements: [JSONValue], codingPath: [any CodingKey], tracker: KeyTracker) {
        self.elements = elements
        self.codingPath = codingPath
        self.tracker = tracker
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws -> (JSONValue, [any CodingKey]) {
        let path = codingPath + [AnyKey(intValue: currentIndex)]
        guard !isAtEnd else { throw DecodingError.valueNotFound(Any.self, .init(codingPath: path, debugDescription: "too few elements")) }
        defer { currentIndex += 1 }
        return (elements[currentIndex], path)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (v, path) = try next()
        return try unbox(type, v, path, tracker)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (v, path) = try next()
        return try TreeDecoder(value: v, codingPath: path, tracker: tracker).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (v, path) = try next()
        return try TreeDecoder(value: v, codingPath: path, tracker: tracker).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (v, path) = try next()
        return TreeDecoder(value: v, codingPath: path, tracker: tracker)
    }
}

private struct Single: SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let tracker: KeyTracker

    func decodeNil() -> Bool { value == .null }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try unbox(type, value, codingPath, tracker) }
}

extension DecodingError {
    /// The dotted path of the field the error is about (`client.ip`, `recipients[0].name`), and why.
    public var fieldAndReason: (field: String, reason: String) {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let i = key.intValue {
                    out += "[\(i)]"
                } else {
                    out += out.isEmpty ? key.stringValue : "." + key.stringValue
                }
            }
            return out
        }
        switch self {
        case .keyNotFound(let key, let context):
            return (
                path(context.codingPath.last?.stringValue == key.stringValue ? context.codingPath : context.codingPath + [key]), "required"
            )
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return (path(context.codingPath), context.debugDescription)
        @unknown default:
            return ("", "invalid")
        }
    }
}
