import CampaignProtocol

/// `rpc.discover`: the OpenRPC document embedded in the binary (`Schemas/openrpc.json`), with the
/// admin methods removed on a public listener.
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
        members["methods"] = .array(
            methods.filter { method in
                guard let name = method["name"]?.stringValue else { return false }
                return name == Discover.name || registry.role(of: name) == .public
            })
        document = .object(members)
        `public` = Array(JSONWriter.string(document).utf8)
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
