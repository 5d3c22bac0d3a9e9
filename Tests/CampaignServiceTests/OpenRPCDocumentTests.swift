import CampaignProtocol
import Foundation
import Testing

@testable import CampaignService

/// `Schemas/openrpc.json` is the contract in machine-readable form: it must list exactly the methods
/// the service registers, with their roles, and every example in it must go through the real dispatcher.
@Suite struct OpenRPCDocumentTests {
    let document: JSONValue
    let methods: [JSONValue]

    init() throws {
        document = try #require(DiscoveryDocument.source)
        methods = try #require(document["methods"]?.arrayValue)
    }

    @Test func documentIsOpenRPC132() {
        #expect(document["openrpc"] == .string("1.3.2"))
    }

    @Test func everyRegisteredMethodIsDocumentedAndEveryDocumentedMethodIsRegistered() async throws {
        let h = try await Harness.make()
        let documented = Set(methods.compactMap { $0["name"]?.stringValue })
        #expect(documented == Set(h.core.registry.names))
        #expect(Set(Methods.all.map { $0.method }) == documented)
    }

    @Test func documentedRolesMatchTheRegistry() async throws {
        let h = try await Harness.make()
        for method in methods {
            let name = try #require(method["name"]?.stringValue)
            #expect(method["x-role"]?.stringValue == h.core.registry.role(of: name)?.rawValue, "\(name)")
        }
    }

    @Test func documentedParamsMatchTheSwiftTypes() async throws {
        // Every documented param is accepted (no "unknown field"), and a required one left out is named.
        let h = try await Harness.make()
        for method in methods {
            let name = try #require(method["name"]?.stringValue)
            for param in method["params"]?.arrayValue ?? [] {
                let field = try #require(param["name"]?.stringValue)
                let reply = await h.raw(method: name, params: .object([field: .null]))
                #expect(reply["error"]?["data"]?["reason"] != .string("unknown field"), "\(name).\(field)")
            }
        }
    }

    @Test func everyMethodHasAnExampleWithAResult() {
        for method in methods {
            let examples = method["examples"]?.arrayValue ?? []
            #expect(examples.contains { $0["result"] != nil }, "\(method["name"]?.stringValue ?? "?")")
        }
    }

    @Test func everyExampleRunsThroughTheDispatcher() async throws {
        let h = try await Harness.make()
        // What the examples refer to: a signature and a token.
        _ = try await h.call(SignLetter(name: "Example Signer", email: "example@example.org", showName: true), role: .public)
        let id = try #require(try await h.exportAll().first?.id)
        try await h.core.store.pool.write { db in
            try db.execute(sql: "UPDATE signature SET id = 'sig_example' WHERE id = ?", arguments: [id])
        }
        try await h.core.store.registerToken("tok_example_0123456789abcdef0123456789abcdef", forSignature: "sig_example")
        _ = try await h.call(
            CreatePledge(name: "Example Pledger", email: "pledger@example.org", amount: Money(amountMinor: 2500, currency: "USD")))
        _ = try await h.call(CreateRSVP(eventId: "connect-2027-protest", name: "Example Marcher", email: "marcher@example.org"))
        try await h.core.store.pool.write { db in
            try db.execute(sql: "UPDATE pledge SET id = 'pl_example', status = 'confirmed'")
            try db.execute(sql: "UPDATE fundraiser SET pledgedMinor = 2500, pledgeCount = 1")
            try db.execute(sql: "UPDATE rsvp SET id = 'rsvp_example'")
        }
        for method in methods {
            let name = try #require(method["name"]?.stringValue)
            for example in method["examples"]?.arrayValue ?? [] {
                var params: [String: JSONValue] = [:]
                for param in example["params"]?.arrayValue ?? [] {
                    if let key = param["name"]?.stringValue, let value = param["value"] { params[key] = value }
                }
                let reply = await h.raw(method: name, params: .object(params))
                #expect(reply["result"] != nil, "\(name) example \(example["name"]?.stringValue ?? ""): \(JSONWriter.string(reply))")
                // The result has every required member of its documented schema, and nothing undocumented.
                if let schema = resolve(method["result"]?["schema"]), case .object(let got)? = reply["result"],
                    case .object(let properties)? = schema["properties"]
                {
                    for key in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
                        #expect(got[key] != nil, "\(name) result lacks required \(key)")
                    }
                    if name != Discover.method {
                        for key in got.keys { #expect(properties[key] != nil, "\(name) result has undocumented \(key)") }
                    }
                }
            }
        }
    }

    /// Follows a `$ref` into `components/schemas`.
    func resolve(_ schema: JSONValue?) -> JSONValue? {
        guard let schema else { return nil }
        guard let ref = schema["$ref"]?.stringValue else { return schema }
        let name = ref.replacingOccurrences(of: "#/components/schemas/", with: "")
        return document["components"]?["schemas"]?[name]
    }

    @Test func rpcDiscoverOnPublicListenerDescribesOnlyTheShapesItsMethodsUse() async throws {
        let h = try await Harness.make()
        let document = try #require(await h.raw(method: "rpc.discover", role: .public)["result"])
        let schemas = try #require(document["components"]?["schemas"]?.objectValue)
        for organisersOnly in ["OutboxMessage", "OutboxClaim", "SignatureRecord", "PledgeRecord", "RSVPRecord", "Stats", "CheckReport"] {
            #expect(schemas[organisersOnly] == nil, "\(organisersOnly)")
        }
        #expect(schemas["Acceptance"] != nil && schemas["PublicSignature"] != nil && schemas["CampaignChanged"] != nil)
        // Nothing it refers to is missing.
        let refs = DiscoveryDocument.references(from: document, in: document["components"]?.objectValue ?? [:])
        for ref in refs {
            let parts = ref.split(separator: "/").map(String.init)
            #expect(parts.count == 4 && document["components"]?[parts[2]]?[parts[3]] != nil, "\(ref)")
        }
        let admin = try #require(await h.raw(method: "rpc.discover", role: .admin)["result"])
        #expect(admin["components"]?["schemas"]?["OutboxMessage"] != nil)
    }

    @Test func rpcDiscoverOnPublicListenerListsPublicMethodsOnly() async throws {
        let h = try await Harness.make()
        let publicDoc = await h.raw(method: "rpc.discover", role: .public)
        let publicNames = Set(publicDoc["result"]?["methods"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])
        let expected = Set(Methods.all.filter { $0.role == .public }.map { $0.method })
        #expect(publicNames == expected)
        let adminDoc = await h.raw(method: "rpc.discover", role: .admin)
        #expect(adminDoc["result"]?["methods"]?.arrayValue?.count == Methods.all.count)
    }
}
