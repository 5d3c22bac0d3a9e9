import CampaignProtocol
import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import CampaignService

/// A clock tests can move.
final class TestClock: Sendable {
    private let now = NIOLockedValueBox(Timestamp(rfc3339: "2026-11-30T12:00:00Z")!)
    var current: Timestamp { now.withLockedValue { $0 } }
    func advance(seconds: Int64) { now.withLockedValue { $0 = $0.adding(seconds: seconds) } }
}

/// A campaign on a fresh database in a temporary directory, driven through the real dispatcher.
struct Harness {
    let core: CampaignCore
    let clock: TestClock
    let directory: String
    /// The subscriptions of the two connections the harness stands for: an organiser's and a frontend's.
    let session: ChangeFeed.Session
    let publicSession: ChangeFeed.Session

    static let exampleDefinition: [UInt8] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Schemas/examples/northwind.campaign.json")
        return Array((try? Data(contentsOf: url)) ?? Data())
    }()

    /// The example campaign (open, confirmation required), optionally adjusted.
    static func make(
        confirmationRequired: Bool = true, status: String = "open", limits: AbuseLimits = .init(),
        abuse: AbusePolicy = .init(), rsvpHoldSeconds: Int64 = CampaignStore.defaultRSVPHoldSeconds,
        remindAfterSeconds: Int64 = CampaignStore.defaultRemindAfterSeconds, importExample: Bool = true
    ) async throws -> Harness {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let clock = TestClock()
        let store = try CampaignStore(
            path: directory + "/campaign.sqlite", limits: limits, abuse: abuse, rsvpHoldSeconds: rsvpHoldSeconds,
            remindAfterSeconds: remindAfterSeconds, clock: { clock.current })
        let harness = Harness(core: CampaignCore(store: store), clock: clock, directory: directory)
        if importExample {
            guard case .object(var definition) = try JSONParser.parse(exampleDefinition),
                case .object(var letter)? = definition["letter"]
            else { throw HarnessError.badExample }
            letter["confirmationRequired"] = .bool(confirmationRequired)
            letter["status"] = .string(status)
            definition["letter"] = .object(letter)
            let reply = await harness.raw(method: "campaign.import", params: .object(["definition": .object(definition)]))
            guard reply["result"] != nil else { throw HarnessError.importFailed(JSONWriter.string(reply)) }
        }
        return harness
    }

    /// The same database opened again, as after a restart, at the same moment.
    func reopened(limits: AbuseLimits = .init()) throws -> Harness {
        let clock = self.clock
        let store = try CampaignStore(path: directory + "/campaign.sqlite", limits: limits, clock: { clock.current })
        return Harness(core: CampaignCore(store: store), clock: clock, directory: directory)
    }

    init(core: CampaignCore, clock: TestClock, directory: String) {
        self.core = core
        self.clock = clock
        self.directory = directory
        session = core.feed.openSession(role: .admin)
        publicSession = core.feed.openSession(role: .public)
    }

    enum HarnessError: Error {
        case badExample
        case importFailed(String)
        case noReply
    }

    /// Sends one frame as given and parses the reply (nil: no reply was due).
    func frame(_ text: String, role: Role = .admin) async -> JSONValue? {
        let context = CallContext(role: role, session: role == .admin ? session : publicSession)
        guard let reply = await core.dispatcher.respond(to: Array(text.utf8), context: context) else { return nil }
        return try? JSONParser.parse(reply)
    }

    /// One request; returns the whole reply object.
    func raw(method: String, params: JSONValue? = nil, role: Role = .admin) async -> JSONValue {
        var request: [String: JSONValue] = ["jsonrpc": .string("2.0"), "id": JSONValue(1), "method": .string(method)]
        if let params { request["params"] = params }
        return await frame(JSONWriter.string(.object(request)), role: role) ?? .null
    }

    /// A typed call through the dispatcher, as a frontend would make it.
    func call<M: RPCMethod>(_ method: M, role: Role = .admin) async throws -> M.Result {
        let params = try JSONValueEncoder().encode(method)
        let reply = await raw(method: M.method, params: params, role: role)
        if let error = reply["error"] {
            throw try JSONValueDecoder(strict: false).decode(ResponseError.self, from: error)
        }
        guard let result = reply["result"] else { throw HarnessError.noReply }
        return try JSONValueDecoder(strict: false).decode(M.Result.self, from: result)
    }

    /// The error code a call fails with, or nil if it succeeds.
    func errorCode(_ method: String, _ params: JSONValue? = nil, role: Role = .admin) async -> Int? {
        let reply = await raw(method: method, params: params, role: role)
        guard case .number(let code)? = reply["error"]?["code"] else { return nil }
        return Int(code)
    }

    /// Claims every due message (leases them).
    func claimAll() async throws -> [OutboxMessage] {
        try await call(ClaimOutbox(limit: 100)).messages
    }

    /// Signs, claims the confirmation and confirms it; returns the signature's id.
    @discardableResult
    func signAndConfirm(
        _ name: String, _ email: String, organization: String? = nil, isCustomer: Bool? = nil,
        showName: Bool = true
    ) async throws -> String {
        _ = try await call(
            SignLetter(name: name, email: email, organization: organization, isCustomer: isCustomer, showName: showName),
            role: .public)
        let message = try #require(try await claimAll().first { $0.to.email.lowercased() == email.lowercased() })
        let token = try #require(message.token)
        let record = try await call(ConfirmToken(token: token), role: .public)
        return record.id
    }

    func exportAll(status: SignatureStatus? = nil) async throws -> [SignatureRecord] {
        try await call(ExportSignatures(limit: 1000, status: status)).items
    }
}

extension JSONValue {
    /// Parses test literals.
    static func parse(_ text: String) -> JSONValue { (try? JSONParser.parse(text)) ?? .null }

    var intValue: Int? {
        if case .number(let n) = self { return Int(n) }
        return nil
    }
}
