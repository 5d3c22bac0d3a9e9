import CampaignProtocol
import Foundation
import GRDB
import Testing

@testable import CampaignService

@Suite struct SignatureTests {
    @Test func signOutboxConfirmCountList() async throws {
        let h = try await Harness.make()
        let receipt = try await h.call(
            SignLetter(
                name: " Ada Lovelace ", email: "Ada@Example.org", organization: "Analytical Engines", isCustomer: true,
                country: "GB", comment: "Drop the contract.", showName: true),
            role: .public)
        #expect(receipt == Acceptance(accepted: true, confirmationRequired: true))
        #expect(try await h.call(CountSignatures(), role: .admin).pending == 1)

        let messages = try await h.claimAll()
        #expect(messages.count == 1)
        let message = try #require(messages.first)
        #expect(message.kind == .signatureConfirm)
        #expect(message.to == Addressee(name: "Ada Lovelace", email: "Ada@example.org"))
        let token = try #require(message.token)
        #expect(token.count >= 22)  // at least 128 bits, base64url

        let confirmed = try await h.call(ConfirmToken(token: token), role: .public)
        #expect(confirmed.status == "confirmed")
        let counts = try await h.call(CountSignatures(), role: .public)
        #expect(counts == SignatureCounts(confirmed: 1, pending: nil, organizations: 1, customers: 1, goal: 5000))

        let page = try await h.call(ListSignatures(), role: .public)
        #expect(page.items.map(\.name) == ["Ada Lovelace"])
        #expect(page.items.first?.organization == "Analytical Engines")
        #expect(page.items.first?.country == "GB")
        #expect(page.next == nil)
    }

    @Test func repeatSignatureGetsSameReply() async throws {
        let h = try await Harness.make()
        let params = JSONValue.parse(#"{"name":"Bo","email":"bo@example.org"}"#)
        let first = await h.raw(method: "letter.sign", params: params, role: .public)
        let firstClaim = try await h.claimAll()
        let second = await h.raw(method: "letter.sign", params: params, role: .public)
        #expect(first == second)
        // The repeat resends the confirmation, to the person only.
        let resent = try await h.claimAll()
        #expect(firstClaim.map(\.kind) == [.signatureConfirm])
        #expect(resent.map(\.kind) == [.signatureConfirm])
        #expect(try await h.exportAll().count == 1)
    }

    @Test(arguments: [
        ("carol@example.org", "Carol@EXAMPLE.org"),
        ("carol@example.org", "carol+letter@example.org"),
        ("carol.smith@gmail.com", "carolsmith@gmail.com"),
        ("carol.smith@gmail.com", "Carol.Smith+news@googlemail.com"),
    ])
    func canonicalEmailCollisionGetsSameReply(first: String, second: String) async throws {
        let h = try await Harness.make()
        let a = await h.raw(method: "letter.sign", params: .object(["name": .string("Carol"), "email": .string(first)]), role: .public)
        let b = await h.raw(method: "letter.sign", params: .object(["name": .string("Carol"), "email": .string(second)]), role: .public)
        #expect(a == b)
        #expect(try await h.exportAll().count == 1)
    }

    @Test func repeatOfConfirmedSignatureSendsDuplicateNotice() async throws {
        let h = try await Harness.make()
        try await h.signAndConfirm("Dee", "dee@example.org")
        let before = try await h.call(CountSignatures())
        let reply = try await h.call(SignLetter(name: "Dee", email: "DEE@example.org"), role: .public)
        #expect(reply == Acceptance(confirmationRequired: true))
        #expect(try await h.call(CountSignatures()) == before)
        #expect(try await h.claimAll().map(\.kind) == [.signatureDuplicate])
    }

    @Test func atMostFiveMessagesPerSignature() async throws {
        let h = try await Harness.make()
        for _ in 0..<12 {
            _ = try await h.call(SignLetter(name: "Eve", email: "eve@example.org"), role: .public)
        }
        #expect(try await h.claimAll().count == 5)
        #expect(try await h.exportAll().first?.messagesSent == 5)
    }

    @Test func withoutConfirmationSignatureIsConfirmedAndReceiptSent() async throws {
        let h = try await Harness.make(confirmationRequired: false)
        let receipt = try await h.call(SignLetter(name: "Fay", email: "fay@example.org", showName: true), role: .public)
        #expect(!receipt.confirmationRequired)
        #expect(try await h.call(CountSignatures(), role: .public).confirmed == 1)
        let messages = try await h.claimAll()
        #expect(messages.map(\.kind) == [.signatureReceipt])
        #expect(messages.first?.token != nil)
    }

    @Test(arguments: [
        (#"{"email":"a@example.org"}"#, "name"),
        (#"{"name":"","email":"a@example.org"}"#, "name"),
        (#"{"name":"\#(String(repeating: "x", count: 101))","email":"a@example.org"}"#, "name"),
        (#"{"name":"A\u0007B","email":"a@example.org"}"#, "name"),
        (#"{"name":"A"}"#, "email"),
        (#"{"name":"A","email":"not-an-email"}"#, "email"),
        (#"{"name":"A","email":"a@@example.org"}"#, "email"),
        (#"{"name":"A","email":"a@localhost"}"#, "email"),
        (#"{"name":"A","email":"\#(String(repeating: "a", count: 250))@example.org"}"#, "email"),
        (#"{"name":"A","email":"a@example.org","organization":"\#(String(repeating: "o", count: 121))"}"#, "organization"),
        (#"{"name":"A","email":"a@example.org","jobTitle":"\#(String(repeating: "j", count: 101))"}"#, "jobTitle"),
        (#"{"name":"A","email":"a@example.org","isCustomer":"yes"}"#, "isCustomer"),
        (#"{"name":"A","email":"a@example.org","country":"gb"}"#, "country"),
        (#"{"name":"A","email":"a@example.org","country":"GBR"}"#, "country"),
        (#"{"name":"A","email":"a@example.org","postalCode":"\#(String(repeating: "1", count: 21))"}"#, "postalCode"),
        (#"{"name":"A","email":"a@example.org","comment":"\#(String(repeating: "c", count: 501))"}"#, "comment"),
        (#"{"name":"A","email":"a@example.org","comment":"bad\u0000byte"}"#, "comment"),
        (#"{"name":"A","email":"a@example.org","showName":1}"#, "showName"),
        (#"{"name":"A","email":"a@example.org","contactOptIn":null,"source":7}"#, "source"),
        (#"{"name":"A","email":"a@example.org","client":{"ip":"999.1.1.1"}}"#, "client.ip"),
        (#"{"name":"A","email":"a@example.org","client":{"userAgent":"\#(String(repeating: "u", count: 513))"}}"#, "client.userAgent"),
        (#"{"name":"A","email":"a@example.org","client":"1.2.3.4"}"#, "client"),
        (#"{"name":"A","email":"a@example.org","nmae":"typo"}"#, "nmae"),
    ])
    func badInputIsRefusedNamingTheFieldAndNothingIsStored(params: String, field: String) async throws {
        let h = try await Harness.make()
        let reply = await h.raw(method: "letter.sign", params: .parse(params), role: .public)
        #expect(reply["error"]?["code"] == JSONValue(-32602))
        #expect(reply["error"]?["data"]?["field"] == .string(field))
        #expect(try await h.exportAll().isEmpty)
        #expect(try await h.call(ClaimOutbox()).messages.isEmpty)
    }

    @Test func textIsTrimmedAndNFCNormalised() async throws {
        let h = try await Harness.make()
        _ = try await h.call(
            SignLetter(name: "  Jose\u{301}  ", email: "jose@example.org", comment: " Line one\nline two "),
            role: .public)
        let record = try #require(try await h.exportAll().first)
        #expect(record.name == "Jos\u{E9}")
        #expect(record.name?.unicodeScalars.count == 4)
        #expect(record.comment == "Line one\nline two")
    }

    @Test func listShowsOnlyConfirmedVisibleSignersNewestFirst() async throws {
        let h = try await Harness.make()
        try await h.signAndConfirm("First", "first@example.org")
        try await h.signAndConfirm("Hidden name", "private@example.org", showName: false)
        _ = try await h.call(SignLetter(name: "Pending", email: "pending@example.org", showName: true), role: .public)
        try await h.signAndConfirm("Second", "second@example.org")
        let page = try await h.call(ListSignatures(), role: .public)
        #expect(page.items.map(\.name) == ["Second", "First"])
    }

    @Test func listPagesByKeyWithoutGapsOrRepeats() async throws {
        let h = try await Harness.make(confirmationRequired: false)
        for i in 0..<25 {
            _ = try await h.call(SignLetter(name: "Signer \(i)", email: "s\(i)@example.org", showName: true), role: .public)
        }
        var names: [String] = []
        var after: String? = nil
        repeat {
            let page = try await h.call(ListSignatures(limit: 10, after: after), role: .public)
            names += page.items.map(\.name)
            after = page.next
        } while after != nil
        #expect(names == (0..<25).reversed().map { "Signer \($0)" })
        #expect(await h.errorCode("signatures.list", .parse(#"{"after":"bogus"}"#), role: .public) == -32602)
        #expect(await h.errorCode("signatures.list", .parse(#"{"limit":0}"#), role: .public) == -32602)
        #expect(await h.errorCode("signatures.list", .parse(#"{"limit":101}"#), role: .public) == -32602)
    }

    @Test func listFiltersFeaturedOrganizationsCustomers() async throws {
        let h = try await Harness.make()
        let org = try await h.signAndConfirm("Org person", "org@example.org", organization: "Union Local 1")
        try await h.signAndConfirm("Customer", "customer@example.org", isCustomer: true)
        try await h.signAndConfirm("Plain", "plain@example.org")
        _ = try await h.call(ModerateSignature(signatureId: org, action: .feature))
        #expect(try await h.call(ListSignatures(filter: .featured), role: .public).items.map(\.name) == ["Org person"])
        #expect(try await h.call(ListSignatures(filter: .organizations), role: .public).items.map(\.name) == ["Org person"])
        #expect(try await h.call(ListSignatures(filter: .customers), role: .public).items.map(\.name) == ["Customer"])
        #expect(try await h.call(ListSignatures(filter: .all), role: .public).items.count == 3)
    }

    @Test func moderationHideKeepsCountInvalidateRemovesIt() async throws {
        let h = try await Harness.make()
        let id = try await h.signAndConfirm("Gus", "gus@example.org", organization: "Co-op")
        let hidden = try await h.call(ModerateSignature(signatureId: id, action: .hide))
        #expect(hidden.hidden)
        #expect(try await h.call(ListSignatures(), role: .public).items.isEmpty)
        #expect(try await h.call(CountSignatures()).confirmed == 1)
        _ = try await h.call(ModerateSignature(signatureId: id, action: .unhide))
        #expect(try await h.call(ListSignatures(), role: .public).items.count == 1)
        let invalid = try await h.call(ModerateSignature(signatureId: id, action: .invalidate))
        #expect(invalid.status == .invalidated)
        #expect(
            try await h.call(CountSignatures()) == SignatureCounts(confirmed: 0, pending: 0, organizations: 0, customers: 0, goal: 5000))
        #expect(try await h.call(ListSignatures(), role: .public).items.isEmpty)
        #expect(await h.errorCode("signatures.moderate", .parse(#"{"signatureId":"sig_nope","action":"hide"}"#)) == -32001)
        #expect(await h.errorCode("signatures.moderate", .parse(#"{"signatureId":"\#(id)","action":"accept"}"#)) == -32002)
        #expect(await h.errorCode("signatures.moderate", .parse(#"{"signatureId":"\#(id)","action":"delete"}"#)) == -32602)
    }

    @Test func signingOverTheAddressLimitIsKeptAsSuspect() async throws {
        let h = try await Harness.make()
        let client = ClientInfo(ip: "203.0.113.9", userAgent: "test")
        var replies: [JSONValue] = []
        for i in 0..<5 {
            let params = try JSONValueEncoder().encode(SignLetter(name: "Bot \(i)", email: "bot\(i)@example.org", client: client))
            var reply = await h.raw(method: "letter.sign", params: params, role: .public)
            // The counts in the reply move with pending signatures; the rest of the reply is the same.
            if case .object(var members) = reply, case .object(var result)? = members["result"] {
                result["counts"] = nil
                members["result"] = .object(result)
                reply = .object(members)
            }
            replies.append(reply)
        }
        #expect(Set(replies).count == 1)
        let suspects = try await h.exportAll(status: .suspect)
        #expect(suspects.map(\.name) == ["Bot 3", "Bot 4"])
        #expect(try await h.call(CountSignatures()).pending == 3)
        // Suspects get no mail.
        #expect(try await h.claimAll().count == 3)
        // Another address is unaffected; after the burst window the address may sign again.
        _ = try await h.call(SignLetter(name: "Other", email: "other@example.org", client: ClientInfo(ip: "2001:db8::1")), role: .public)
        h.clock.advance(seconds: 61)
        _ = try await h.call(SignLetter(name: "Later", email: "later@example.org", client: client), role: .public)
        #expect(try await h.exportAll(status: .suspect).count == 2)
        #expect(try await h.call(CountSignatures()).pending == 5)
    }

    @Test func acceptingASuspectSendsItsConfirmation() async throws {
        var limits = AbuseLimits()
        limits.signing = RateLimit(burst: 1, sustained: 10)
        let h = try await Harness.make(limits: limits)
        let client = ClientInfo(ip: "192.0.2.1")
        _ = try await h.call(SignLetter(name: "One", email: "one@example.org", client: client), role: .public)
        _ = try await h.call(SignLetter(name: "Two", email: "two@example.org", client: client), role: .public)
        _ = try await h.claimAll()
        let suspect = try #require(try await h.exportAll(status: .suspect).first)
        #expect(suspect.name == "Two")
        let accepted = try await h.call(ModerateSignature(signatureId: suspect.id, action: .accept))
        #expect(accepted.status == .pending)
        let message = try #require(try await h.claimAll().first)
        #expect(message.kind == .signatureConfirm && message.to.email == "two@example.org")
        _ = try await h.call(ConfirmToken(token: try #require(message.token)), role: .public)
        #expect(try await h.call(CountSignatures()).confirmed == 1)
    }

    @Test func exportHasEveryFieldOldestFirst() async throws {
        let h = try await Harness.make()
        _ = try await h.call(
            SignLetter(
                name: "Hal", email: "hal@example.org", organization: "Org", jobTitle: "Engineer", isCustomer: true,
                country: "US", postalCode: "94103", comment: "Hi", showName: true, contactOptIn: true,
                source: "newsletter", client: ClientInfo(ip: "192.0.2.44", userAgent: "Mozilla/5.0")),
            role: .public)
        _ = try await h.call(SignLetter(name: "Ida", email: "ida@example.org"), role: .public)
        let page = try await h.call(ExportSignatures(limit: 1))
        let record = try #require(page.items.first)
        #expect(record.name == "Hal" && record.email == "hal@example.org" && record.postalCode == "94103")
        #expect(record.client == ClientInfo(ip: "192.0.2.44", userAgent: "Mozilla/5.0"))
        #expect(record.jobTitle == "Engineer" && record.source == "newsletter" && record.contactOptIn && record.isCustomer)
        let next = try await h.call(ExportSignatures(limit: 1, after: page.next))
        #expect(next.items.map(\.name) == ["Ida"])
        #expect(next.next == nil)
        #expect(try await h.call(ExportSignatures(status: .confirmed)).items.isEmpty)
    }

    @Test func countsStayExactThroughEveryTransition() async throws {
        let h = try await Harness.make()
        let a = try await h.signAndConfirm("A", "a@example.org", organization: "O", isCustomer: true)
        try await h.signAndConfirm("B", "b@example.org")
        _ = try await h.call(SignLetter(name: "C", email: "c@example.org"), role: .public)
        #expect(
            try await h.call(CountSignatures()) == SignatureCounts(confirmed: 2, pending: 1, organizations: 1, customers: 1, goal: 5000))
        _ = try await h.call(ModerateSignature(signatureId: a, action: .invalidate))
        #expect(
            try await h.call(CountSignatures()) == SignatureCounts(confirmed: 1, pending: 1, organizations: 0, customers: 0, goal: 5000))
        let stats = try await h.call(ServiceStats())
        #expect(stats.signatures == ServiceStats.SignatureTotals(pending: 1, confirmed: 1, withdrawn: 0, invalidated: 1, suspect: 0))
    }

    @Test func publicCountsMoveOnlyWhenASignatureIsConfirmed() async throws {
        let h = try await Harness.make()
        let before = try await h.call(CountSignatures(), role: .public)
        _ = try await h.call(SignLetter(name: "Gil", email: "gil@example.org", organization: "Org", isCustomer: true), role: .public)
        #expect(try await h.call(CountSignatures(), role: .public) == before)
        #expect(await h.raw(method: "signatures.count", role: .public)["result"]?["pending"] == nil)
        #expect(try await h.call(CountSignatures(), role: .admin).pending == 1)
        for message in try await h.claimAll() { _ = try await h.call(ConfirmToken(token: try #require(message.token)), role: .public) }
        #expect(
            try await h.call(CountSignatures(), role: .public)
                == SignatureCounts(confirmed: 1, pending: nil, organizations: 1, customers: 1, goal: 5000))
    }

    @Test func aRepeatPastTheMessageCapStillWaitsForACommit() async throws {
        let h = try await Harness.make()
        for _ in 0..<maxMessagesPerSignature {
            _ = try await h.call(SignLetter(name: "Hal", email: "hal@example.org"), role: .public)
        }
        #expect(try await h.exportAll().first?.messagesSent == maxMessagesPerSignature)
        // Another connection sees `data_version` move only when a transaction wrote something: a repeat
        // that skipped its write would answer sooner than a first signature, and so tell it apart.
        let observer = try DatabaseQueue(path: h.directory + "/campaign.sqlite")
        let version = { try observer.read { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? -1 } }
        let before = try version()
        _ = try await h.call(SignLetter(name: "Hal", email: "hal@example.org"), role: .public)
        #expect(try version() != before)
        #expect(try await h.exportAll().first?.messagesSent == maxMessagesPerSignature)
    }

    @Test func aRepeatCountsAgainstTheAddressLimitAsAFirstSignatureDoes() async throws {
        let h = try await Harness.make(
            limits: {
                var l = AbuseLimits(); l.signing = RateLimit(burst: 2, sustained: 10); return l
            }())
        let ip = ClientInfo(ip: "198.51.100.9")
        try await h.signAndConfirm("Known", "known@example.org")
        // Two attempts from one address, the second a repeat: the third new email is over the limit either way.
        _ = try await h.call(SignLetter(name: "New", email: "new1@example.org", client: ip), role: .public)
        _ = try await h.call(SignLetter(name: "Known", email: "known@example.org", client: ip), role: .public)
        _ = try await h.call(SignLetter(name: "New", email: "new2@example.org", client: ip), role: .public)
        #expect(try await h.exportAll(status: .suspect).map(\.email) == ["new2@example.org"])
    }

    @Test func theListCursorIsTheLastSignersIdAndNothingElse() async throws {
        let h = try await Harness.make()
        try await h.signAndConfirm("One", "one@example.org")
        for i in 0..<7 { _ = try await h.call(SignLetter(name: "P", email: "p\(i)@example.org"), role: .public) }
        try await h.signAndConfirm("Two", "two@example.org")
        try await h.signAndConfirm("Three", "three@example.org")
        let first = try await h.call(ListSignatures(limit: 1), role: .public)
        let cursor = try #require(first.next)
        #expect(cursor == first.items.last?.id)
        let second = try await h.call(ListSignatures(limit: 1, after: cursor), role: .public)
        #expect(second.items.map(\.name) == ["Two"])
        #expect(second.next == second.items.last?.id)
        let last = try await h.call(ListSignatures(limit: 5, after: second.next), role: .public)
        #expect(last.items.map(\.name) == ["One"] && last.next == nil)
        #expect(await h.errorCode("signatures.list", .parse(#"{"after":"c1e"}"#), role: .public) == -32602)
    }
}
