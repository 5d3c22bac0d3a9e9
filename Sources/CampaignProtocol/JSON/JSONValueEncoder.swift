import Foundation

/// Encodes `Encodable` values straight to a `JSONValue`, with no bytes written and parsed again.
///
/// The tree is what `JSONEncoder` with its default strategies followed by `JSONParser` gives: optionals
/// that `encodeIfPresent` skips are left out, an explicit `encodeNil` is `null`, a float's text drops a
/// trailing `.0` (NaN and infinities are refused), `Data` is Base64, `URL` its absolute string,
/// `Decimal` a number, `Date` its seconds since 2001. A value that encodes nothing is `{}`.
public struct JSONValueEncoder: Sendable {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        try box(value, codingPath: [])
    }
}

/// Lets `JSONValue.encode(to:)` put itself in the tree as it is (numbers keep their text).
protocol JSONValueEncoding {
    func store(_ value: JSONValue)
}

/// A value under construction. Containers handed out by an encoder write into the node they share
/// with it, so that a container asked for twice, or a nested one written after it was handed out,
/// ends up in one place.
private final class Node {
    enum Content {
        case empty
        case value(JSONValue)
        case object([String: Member])
        case array([Member])
    }

    /// A member is final once written, except a nested container or super encoder, which stays open.
    enum Member {
        case value(JSONValue)
        case node(Node)

        var json: JSONValue {
            switch self {
            case .value(let value): value
            case .node(let node): node.json
            }
        }
    }

    var content = Content.empty

    var json: JSONValue {
        switch content {
        case .empty: .object([:])
        case .value(let value): value
        case .object(let members): .object(members.mapValues(\.json))
        case .array(let elements): .array(elements.map(\.json))
        }
    }

    func openObject(_ codingPath: [any CodingKey]) throws {
        switch content {
        case .empty: content = .object([:])
        case .object: break
        default: throw conflict(codingPath, "an object")
        }
    }

    func openArray(_ codingPath: [any CodingKey]) throws {
        switch content {
        case .empty: content = .array([])
        case .array: break
        default: throw conflict(codingPath, "an array")
        }
    }

    func set(_ key: String, _ member: Member) {
        guard case .object(var members) = content else { return }
        content = .empty  // keeps `members` uniquely referenced while it changes
        members[key] = member
        content = .object(members)
    }

    func append(_ member: Member) {
        guard case .array(var elements) = content else { return }
        content = .empty
        elements.append(member)
        content = .array(elements)
    }

    var count: Int {
        if case .array(let elements) = content { return elements.count }
        return 0
    }

    private func conflict(_ codingPath: [any CodingKey], _ wanted: String) -> EncodingError {
        .invalidValue(
            Node.self,
            .init(codingPath: codingPath, debugDescription: "asked for \(wanted) where another kind of value was already encoded"))
    }
}

private func box<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> JSONValue {
    switch value {
    case let s as String: return .string(s)
    case let b as Bool: return .bool(b)
    case let i as Int: return .number(String(i))
    case let i as Int64: return .number(String(i))
    case let json as JSONValue: return json
    case let d as Double: return try number(d, codingPath)
    case let f as Float: return try number(f, codingPath)
    case let i as any FixedWidthInteger: return .number(String(describing: i))
    case let data as Data: return .string(data.base64EncodedString())
    case let url as URL: return .string(url.absoluteString)
    case let decimal as Decimal: return .number(decimal.description)
    default:
        let node = Node()
        try value.encode(to: TreeEncoder(node: node, codingPath: codingPath))
        return node.json
    }
}

private func number<F: BinaryFloatingPoint & CustomStringConvertible>(_ value: F, _ codingPath: [any CodingKey]) throws -> JSONValue {
    guard value.isFinite else {
        throw EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "\(value) is not a JSON number"))
    }
    var text = value.description
    if text.hasSuffix(".0") { text.removeLast(2) }
    return .number(text)
}

private struct TreeEncoder: Encoder, JSONValueEncoding {
    let node: Node
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func store(_ value: JSONValue) { node.content = .value(value) }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        // `Encoder` cannot throw here: a clash is recorded as a failing container instead.
        do {
            try node.openObject(codingPath)
            return KeyedEncodingContainer(Keyed<Key>(node: node, codingPath: codingPath, failure: nil))
        } catch {
            return KeyedEncodingContainer(Keyed<Key>(node: node, codingPath: codingPath, failure: error))
        }
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        do {
            try node.openArray(codingPath)
            return Unkeyed(node: node, codingPath: codingPath, failure: nil)
        } catch {
            return Unkeyed(node: node, codingPath: codingPath, failure: error)
        }
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { Single(node: node, codingPath: codingPath) }
}

private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    let codingPath: [any CodingKey]
    let failure: (any Error)?

    private func checked() throws {
        if let failure { throw failure }
    }

    mutating func encodeNil(forKey key: Key) throws {
        try checked()
        node.set(key.stringValue, .value(.null))
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try checked()
        node.set(key.stringValue, .value(try box(value, codingPath: codingPath + [key])))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<
        NestedKey
    > {
        TreeEncoder(node: child(key), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        TreeEncoder(node: child(key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { TreeEncoder(node: child(AnyKey("super")), codingPath: codingPath + [AnyKey("super")]) }

    mutating func superEncoder(forKey key: Key) -> any Encoder { TreeEncoder(node: child(key), codingPath: codingPath + [key]) }

    private func child(_ key: some CodingKey) -> Node {
        let child = Node()
        node.set(key.stringValue, .node(child))
        return child
    }
}

private struct Unkeyed: UnkeyedEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]
    let failure: (any Error)?

    var count: Int { node.count }

    private func checked() throws {
        if let failure { throw failure }
    }

    private var nextPath: [any CodingKey] { codingPath + [AnyKey(intValue: count)] }

    mutating func encodeNil() throws {
        try checked()
        node.append(.value(.null))
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try checked()
        node.append(.value(try box(value, codingPath: nextPath)))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = nextPath
        return TreeEncoder(node: child(), codingPath: path).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath
        return TreeEncoder(node: child(), codingPath: path).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let path = nextPath
        return TreeEncoder(node: child(), codingPath: path)
    }

    private func child() -> Node {
        let child = Node()
        node.append(.node(child))
        return child
    }
}

private struct Single: SingleValueEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.content = .value(.null) }

    mutating func encode<T: Encodable>(_ value: T) throws { node.content = .value(try box(value, codingPath: codingPath)) }
}
