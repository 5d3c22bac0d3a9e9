import CampaignProtocol
import Foundation
import GRDB
import Testing

@testable import CampaignService

/// `person.export` and `person.erase` through the dispatcher on a real SQLite file, and the bytes of that
/// file afterwards.
@Suite struct PersonTests {
    /// What the person left: every value a scan of the database must not find after erasure.
    struct Person {
        static let email = "Erin.Erasable+letter@Example.org"
        static let stored = "Erin.Erasable+letter@example.org"
        static let canonical = "erin.erasable@example.org"
        static let name = "Erin Erasable"
        static let ip = "203.0.113.77"
        static let ipBytes: [UInt8] = [203, 0, 113, 77]
        static let userAgent = "ErasureTestBrowser/7.3"
        static let postalCode = "EC1A 9ZZ"
        static let phone = "+44 20 7946 0991"
        static let secrets = [stored, canonical, "erin.erasable", name, ip, userAgent, postalCode, phone]
    }

    /// A signature (confirmed, its first message delivered), a pledge whose message was given up and an RSVP
    /// whose message is being retried, all from one address; and a bystander who must stay untouched.
    static func seed(_ h: Harness) async throws {
        let client = ClientInfo(ip: Person.ip, userAgent: Person.userAgent)
        _ = try await h.call(
            SignLetter(
                name: Person.name, email: Person.email, organization: "Erasable Welding", jobTitle: "Welder", isCustomer: true,
                country: "GB", postalCode: Person.postalCode, comment: "Sign me up", showName: true, contactOptIn: true, client: client),
            role: .public)
        let confirm = try #require(try await h.claimAll().first { $0.to.email == Person.stored })
        _ = try await h.call(ConfirmToken(token: try #require(confirm.token)), role: .public)
        _ = try await h.call(AckOutbox(ids: [confirm.id]))
        _ = try await h.signAndConfirm("Bea Bystander", "bea@example.net", organization: "Bystanders")
        _ = try await h.call(
            CreatePledge(
                name: Person.name, email: Person.email, amount: Money(amountMinor: 2500, currency: "USD"), showName: true,
                message: "For the buses", idempotencyKey: "erin-1", client: client), role: .public)
        _ = try await h.call(
            CreateRSVP(
                eventId: "connect-2027-protest", name: Person.name, email: Person.email, guests: 1, phone: Person.phone, client: client),
            role: .public)
        let messages = try await h.claimAll()
        let pledgeMessage = try #require(messages.first { $0.kind == .pledgeConfirm && $0.to.email == Person.stored })
        let rsvpMessage = try #require(messages.first { $0.kind == .rsvpConfirm && $0.to.email == Person.stored })
        _ = try await h.call(ConfirmToken(token: try #require(pledgeMessage.token)), role: .public)
        _ = try await h.call(FailOutbox(ids: [pledgeMessage.id], permanent: true, reason: "550 5.1.1 <\(Person.stored)>: no such user"))
        _ = try await h.call(FailOutbox(ids: [rsvpMessage.id], permanent: false, reason: "451 4.7.1 greylisted \(Person.ip)"))
    }

    /// Every figure a tombstone must keep.
    struct Figures: Equatable {
        var counts: SignatureCounts
        var fundraiser: Fundraiser
        var events: [Event]
        var stats: ServiceStats.SignatureTotals
        var pledges: ServiceStats.PledgeTotals

        static func of(_ h: Harness) async throws -> Figures {
            let stats = try await h.call(ServiceStats())
            return Figures(
                counts: try await h.call(CountSignatures()), fundraiser: try await h.call(GetFundraiser()),
                events: try await h.call(ListEvents()).items, stats: stats.signatures, pledges: stats.pledges)
        }
    }

    @Test func exportShowsEveryRecordHeldAboutTheCanonicalEmail() async throws {
        let h = try await Harness.make()
        try await Self.seed(h)
        // Another spelling of the same person finds the same records.
        let records = try await h.call(ExportPerson(email: "ERIN.ERASABLE+other@example.org"))
        #expect(records.emailCanonical == Person.canonical)
        let signature = try #require(records.signatures.first)
        #expect(records.signatures.count == 1)
        #expect(signature.email == Person.stored && signature.name == Person.name && signature.status == .confirmed)
        #expect(signature.postalCode == Person.postalCode && signature.contactOptIn && signature.showName)
        #expect(signature.client == ClientInfo(ip: Person.ip, userAgent: Person.userAgent))
        #expect(signature.delivery?.state == .sent)
        let pledge = try #require(records.pledges.first)
        #expect(pledge.email == Person.stored && pledge.amount.amountMinor == 2500 && pledge.client?.ip == Person.ip)
        #expect(pledge.delivery?.state == .failed && pledge.delivery?.reason?.contains("550") == true)
        let rsvp = try #require(records.rsvps.first)
        #expect(rsvp.phone == Person.phone && rsvp.eventId == "connect-2027-protest" && rsvp.client?.userAgent == Person.userAgent)
        #expect(rsvp.delivery?.state == .retrying)
        #expect(Set(records.messages.map(\.state)) == [.failed, .retrying])
        #expect(records.messages.allSatisfy { $0.to.email == Person.stored })
        #expect(records.messages.first { $0.state == .failed }?.lastError?.contains("550") == true)
        #expect(Set(records.tokens.map(\.about)) == [.signature, .pledge, .rsvp])
        // One row per scope: the signature, the pledge and the RSVP each counted the address.
        #expect(records.addressLimitRows == 3)
        // Nothing of the bystander.
        #expect(!JSONWriter.string(try JSONValueEncoder().encode(records)).contains("bea@example.net"))
    }

    @Test func exportOfAnUnknownEmailIsEmpty() async throws {
        let h = try await Harness.make()
        let records = try await h.call(ExportPerson(email: "nobody@example.org"))
        #expect(
            records
                == ExportPerson.Result(
                    emailCanonical: "nobody@example.org", signatures: [], pledges: [], rsvps: [], messages: [], tokens: [],
                    addressLimitRows: 0))
    }

    @Test func personMethodsRefuseAMalformedEmailAndThePublicListener() async throws {
        let h = try await Harness.make()
        for method in [ExportPerson.method, ErasePerson.method] {
            let reply = await h.raw(method: method, params: .parse(#"{"email":"not an address"}"#))
            #expect(reply["error"]?["code"]?.intValue == -32602 && reply["error"]?["data"]?["field"]?.stringValue == "email")
            #expect(await h.errorCode(method, .parse(#"{"email":"a@example.org"}"#), role: .public) == -32601)
        }
    }

    @Test func eraseRemovesEveryRecordAndKeepsEveryFigure() async throws {
        let h = try await Harness.make()
        try await Self.seed(h)
        let before = try await Figures.of(h)
        let bystanderBefore = try await h.call(ExportPerson(email: "bea@example.net"))

        let erased = try await h.call(ErasePerson(email: Person.email))
        #expect(
            erased
                == ErasePerson.Result(
                    emailCanonical: Person.canonical, signatures: 1, pledges: 1, rsvps: 1, messages: 2, tokens: 3, addressLimitRows: 3,
                    walCheckpointed: true))
        #expect(
            try await h.call(ExportPerson(email: Person.email))
                == ExportPerson.Result(
                    emailCanonical: Person.canonical, signatures: [], pledges: [], rsvps: [], messages: [], tokens: [], addressLimitRows: 0)
        )
        #expect(try await Figures.of(h) == before)
        let check = try await h.call(CheckService())
        #expect(check.drift == 0 && check.ok)
        #expect(try await h.call(ExportPerson(email: "bea@example.net")) == bystanderBefore)

        // The tombstones: ids, statuses and amounts stay; nothing that names the person.
        let tombstone = try #require(try await h.exportAll().first { $0.name == nil })
        #expect(tombstone.status == .confirmed && tombstone.email == nil && tombstone.client == nil && tombstone.postalCode == nil)
        #expect(tombstone.organization == "" && tombstone.jobTitle == nil && tombstone.comment == nil && !tombstone.showName)
        #expect(tombstone.isCustomer && tombstone.delivery?.reason == nil)
        let pledge = try #require(try await h.call(ExportPledges()).items.first)
        #expect(
            pledge.email == "" && pledge.name == "" && pledge.message == nil && pledge.idempotencyKey == nil && pledge.status == .confirmed)
        let rsvp = try #require(try await h.call(ExportRSVPs(eventId: "connect-2027-protest")).items.first)
        #expect(rsvp.email == nil && rsvp.name == nil && rsvp.phone == nil && rsvp.client == nil && rsvp.guests == 1)
        // Nothing public shows the tombstone.
        #expect(try await h.call(ListSignatures(), role: .public).items.map(\.name) == ["Bea Bystander"])
        #expect(try await h.call(RecentPledges(), role: .public).items.isEmpty)
    }

    @Test func eraseInvalidatesThePersonsTokens() async throws {
        let h = try await Harness.make()
        _ = try await h.call(SignLetter(name: Person.name, email: Person.email), role: .public)
        let token = try #require(try await h.claimAll().first?.token)
        _ = try await h.call(ErasePerson(email: Person.email))
        #expect(await h.errorCode("tokens.get", .object(["token": .string(token)]), role: .public) == -32001)
        #expect(await h.errorCode("tokens.confirm", .object(["token": .string(token)]), role: .public) == -32001)
    }

    @Test func eraseIsIdempotentAndTheEmailMaySignAgainAsANewPerson() async throws {
        let h = try await Harness.make()
        try await Self.seed(h)
        _ = try await h.call(ErasePerson(email: Person.email))
        #expect(try await h.call(ErasePerson(email: Person.email)) == ErasePerson.Result(emailCanonical: Person.canonical))
        #expect(try await h.call(ErasePerson(email: "nobody@example.org")) == ErasePerson.Result(emailCanonical: "nobody@example.org"))
        let pending = try await h.call(CountSignatures()).pending
        _ = try await h.call(SignLetter(name: "Erin Again", email: Person.email), role: .public)
        let again = try await h.call(ExportPerson(email: Person.email))
        #expect(again.signatures.map(\.name) == ["Erin Again"] && again.signatures.first?.status == .pending)
        #expect(try await h.call(CountSignatures()).pending == (pending ?? 0) + 1)
        #expect(try await h.call(CheckService()).drift == 0)
    }

    @Test func erasedValuesAreNotInTheDatabaseFileOrItsWAL() async throws {
        let h = try await Harness.make()
        try await Self.seed(h)
        let path = h.directory + "/campaign.sqlite"
        // A positive control: before erasure, the same scan finds the person.
        #expect(!Self.scan(path).isEmpty)
        _ = try await h.call(ErasePerson(email: Person.email))
        let found = Self.scan(path)
        #expect(found.isEmpty, "erased values still in the files: \(found)")
        // The service goes on writing as before.
        _ = try await h.call(SignLetter(name: "After Erasure", email: "after@example.org"), role: .public)
        #expect(Self.scan(path).isEmpty)
    }

    /// Which of the person's values the database file, its WAL and its shared memory hold, as text
    /// (any case) or, for the address, as its four bytes.
    static func scan(_ path: String) -> [String] {
        var found: [String] = []
        for file in [path, path + "-wal", path + "-shm"] {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            let bytes = [UInt8](data)
            let lowered = bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
            for secret in Person.secrets where contains(lowered, Array(secret.lowercased().utf8)) {
                found.append("\(secret) in \(file)")
            }
            if contains(bytes, Person.ipBytes) { found.append("the address's bytes in \(file)") }
        }
        return found
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
