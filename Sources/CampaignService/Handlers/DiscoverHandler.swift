import CampaignProtocol

/// `rpc.discover`: the OpenRPC document embedded in the binary (`Schemas/openrpc.json`). On a public
/// listener the admin methods are removed, and with them every shape only they use (the outbox message
/// with its token, the signature record with email and address, the stats): a stranger learns the
/// public contract and nothing of what organisers see.
struct DiscoveryDocument: Sendable {
    let admin: [UInt8]
    let `public`: [UInt8]

    init(registry: MethodRegistry) {
        let bytes = PackageResources.openrpc_json
        guard var document = try? JSONParser.parse(bytes, maxDepth: 256), case .object(var members) = document,
            case .array(let methods)? = members["methods"]
        else {
            admin = bytes
            `public` = bytes
            return
        }
        admin = Array(JSONWriter.string(document).utf8)
        let publicMethods = methods.filter { method in
            guard let name = method["name"]?.stringValue else { return false }
            return name == Discover.method || registry.role(of: name) == .public
        }
        members["methods"] = .array(publicMethods)
        if case .object(var components)? = members["components"] {
            let used = Self.references(from: .array(publicMethods + (members["x-notifications"]?.arrayValue ?? [])), in: components)
            for kind in ["schemas", "errors"] {
                guard case .object(let entries)? = components[kind] else { continue }
                components[kind] = .object(entries.filter { used.contains("#/components/\(kind)/\($0.key)") })
            }
            members["components"] = .object(components)
        }
        document = .object(members)
        `public` = Array(JSONWriter.string(document).utf8)
    }

    /// Every `$ref` reachable from `root`, following references into `components`.
    static func references(from root: JSONValue, in components: [String: JSONValue]) -> Set<String> {
        var found = Set<String>()
        var pending = [root]
        while let value = pending.popLast() {
            switch value {
            case .object(let members):
                if case .string(let ref)? = members["$ref"], found.insert(ref).inserted {
                    let path = ref.split(separator: "/").map(String.init)
                    if path.count == 4, path[0] == "#", path[1] == "components", let target = components[path[2]]?[path[3]] {
                        pending.append(target)
                    }
                }
                pending.append(contentsOf: members.values)
            case .array(let items):
                pending.append(contentsOf: items)
            default:
                break
            }
        }
        return found
    }

    /// The embedded document as parsed, for tests.
    static var source: JSONValue? { try? JSONParser.parse(PackageResources.openrpc_json, maxDepth: 256) }
}

extension MethodRegistry {
    mutating func registerDiscovery() {
        let document = DiscoveryDocument(registry: self)
        registerRaw(Discover.self) { context in context.role == .admin ? document.admin : document.public }
    }
}
