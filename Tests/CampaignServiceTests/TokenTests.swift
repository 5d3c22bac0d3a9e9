import CampaignProtocol
import Foundation
import GRDB
import Testing

@testable import CampaignService

@Suite struct TokenTests {
    func pendingToken(_ h: Harness, email: String = "tia@example.org") async throws -> String {
        _ = try await h.call(SignLetter(name: "Tia", email: email, showName: true), role: .public)
        return try #require(try await h.claimAll().first?.token)
    }

    @Test func tokensGetShowsTheHolderTheirRecordWithoutContactDetails() async throws {
        let h = try await Harness.make()
        let token = try await pendingToken(h)
        let reply = await h.raw(method: "tokens.get", params: .object(["token": .string(token)]), role: .public)
        #expect(reply["result"]?["kind"] == .string("signature"))
        #expect(reply["result"]?["status"] == .string("pending"))
        #expect(reply["result"]?["name"] == .string("Tia"))
        let text = JSONWriter.string(reply)
        #expect(!text.contains("tia@example.org") && !text.contains(token))
    }

    @Test func tokensAreUnpaddedBase64urlOfTheirRandomBytes() {
        for length in 0..<40 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255) }
            let foundation = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(Random.base64url(bytes[...]) == foundation)
        }
        let token = Random.token()
        #expect(token.utf8.count == 43)
        #expect(token.utf8.allSatisfy { Random.base64urlAlphabet.contains($0) })
        #expect(Random.token() != token)
    }

    @Test func unknownTokenIsNotFound() async throws {
        let h = try await Harness.make()
        #expect(await h.errorCode("tokens.get", .parse(#"{"token":"nope"}"#), role: .public) == -32001)
        #expect(await h.errorCode("tokens.confirm", .parse(#"{"token":"nope"}"#), role: .public) == -32001)
        #expect(await h.errorCode("tokens.cancel", .parse(#"{"token":"nope"}"#), role: .public) == -32001)
        #expect(await h.errorCode("tokens.get", .parse(#"{"token":""}"#), role: .public) == -32602)
    }

    @Test func tokensConfirmIsIdempotent() async throws {
        let h = try await Harness.make()
        let token = try await pendingToken(h)
        let first = await h.raw(method: "tokens.confirm", params: .object(["token": .string(token)]), role: .public)
        let second = await h.raw(method: "tokens.confirm", params: .object(["token": .string(token)]), role: .public)
        #expect(first == second)
        #expect(try await h.call(CountSignatures()).confirmed == 1)
    }

    @Test func tokensAreStoredOnlyAsHashes() async throws {
        let h = try await Harness.make()
        let token = try await pendingToken(h)
        let stored = try await h.core.store.pool.read { db in try Data.fetchAll(db, sql: "SELECT hash FROM token") }
        #expect(stored == [TokenHash.of(token)])
        let dump = try await h.core.store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT quote(hash) || subjectKind FROM token")
        }
        #expect(!dump.joined().contains(token))
    }

    @Test func reclaimAfterLeaseCarriesNewTokenAndOldStaysValid() async throws {
        let h = try await Harness.make()
        _ = try await h.call(SignLetter(name: "Uma", email: "uma@example.org"), role: .public)
        let first = try #require(try await h.call(ClaimOutbox(limit: 10, leaseSeconds: 60)).messages.first)
        #expect(try await h.call(ClaimOutbox(limit: 10)).messages.isEmpty)
        h.clock.advance(seconds: 61)
        let second = try #require(try await h.call(ClaimOutbox(limit: 10)).messages.first)
        #expect(second.id == first.id)
        #expect(second.token != first.token)
        _ = try await h.call(GetToken(token: try #require(first.token)), role: .public)
        _ = try await h.call(ConfirmToken(token: try #require(second.token)), role: .public)
        #expect(try await h.call(GetToken(token: try #require(first.token)), role: .public).status == "confirmed")
    }

    @Test func confirmationWorksFor24HoursAfterTheLetterCloses() async throws {
        let h = try await Harness.make()
        let early = try await pendingToken(h, email: "early@example.org")
        let late = try await pendingToken(h, email: "late@example.org")
        _ = try await h.call(SetLetterStatus(status: .closed))
        h.clock.advance(seconds: 23 * 3600)
        #expect(try await h.call(ConfirmToken(token: early), role: .public).status == "confirmed")
        h.clock.advance(seconds: 2 * 3600)
        #expect(await h.errorCode("tokens.confirm", .object(["token": .string(late)]), role: .public) == -32003)
        // Confirming again what was confirmed stays fine.
        #expect(try await h.call(ConfirmToken(token: early), role: .public).status == "confirmed")
    }

    @Test func withdrawalErasesDetailsKeepsTombstoneAndIsIdempotent() async throws {
        let h = try await Harness.make()
        _ = try await h.call(
            SignLetter(
                name: "Vic", email: "vic@example.org", organization: "Org", isCustomer: true, postalCode: "1000",
                showName: true, client: ClientInfo(ip: "192.0.2.8", userAgent: "UA")),
            role: .public)
        let token = try #require(try await h.claimAll().first?.token)
        _ = try await h.call(ConfirmToken(token: token), role: .public)
        _ = try await h.call(SignLetter(name: "Vic", email: "vic@example.org"), role: .public)  // queues a duplicate notice
        let first = await h.raw(method: "tokens.cancel", params: .object(["token": .string(token)]), role: .public)
        let second = await h.raw(method: "tokens.cancel", params: .object(["token": .string(token)]), role: .public)
        #expect(first == second)
        #expect(first["result"]?["status"] == .string("withdrawn"))
        #expect(
            try await h.call(CountSignatures()) == SignatureCounts(confirmed: 0, pending: 0, organizations: 0, customers: 0, goal: 5000))
        #expect(try await h.call(ListSignatures(), role: .public).items.isEmpty)
        let tombstone = try #require(try await h.exportAll().first)
        #expect(tombstone.status == .withdrawn && tombstone.withdrawnAt != nil)
        #expect(tombstone.name == nil && tombstone.email == nil && tombstone.organization == nil && tombstone.postalCode == nil)
        #expect(tombstone.client == nil && tombstone.comment == nil)
        // Queued mail to the person is dropped: it held their address.
        #expect(try await h.claimAll().isEmpty)
        #expect(try await h.call(ServiceStats()).signatures.withdrawn == 1)
        // The address is free again.
        _ = try await h.call(SignLetter(name: "Vic", email: "vic@example.org"), role: .public)
        #expect(try await h.call(CountSignatures()).pending == 1)
    }

    @Test func confirmingAWithdrawnSignatureIsConflict() async throws {
        let h = try await Harness.make()
        let token = try await pendingToken(h)
        _ = try await h.call(CancelToken(token: token), role: .public)
        #expect(await h.errorCode("tokens.confirm", .object(["token": .string(token)]), role: .public) == -32002)
    }
}
