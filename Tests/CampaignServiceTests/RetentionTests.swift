import CampaignProtocol
import Foundation
import Testing

@testable import CampaignService

/// `--anonymise-after DAYS` on a database whose clock is moved past the window.
@Suite struct RetentionTests {
    typealias Person = PersonTests.Person

    /// The example campaign with the person, a private signer and a public one, served by a store that
    /// anonymises 30 days after the letter closes.
    static func make() async throws -> Harness {
        let seeded = try await Harness.make()
        try await PersonTests.seed(seeded)
        _ = try await seeded.signAndConfirm("Pat Private", "pat@example.net", organization: "Quiet Co", showName: false)
        let clock = seeded.clock
        let store = try CampaignStore(path: seeded.directory + "/campaign.sqlite", anonymiseAfterDays: 30, clock: { clock.current })
        return Harness(core: CampaignCore(store: store), clock: clock, directory: seeded.directory)
    }

    @Test func retentionErasesContactDetailsOnceTheWindowAfterClosingHasPassed() async throws {
        let h = try await Self.make()
        _ = try await h.call(SetLetterStatus(status: .closed))
        let before = try await PersonTests.Figures.of(h)
        h.clock.advance(seconds: 29 * 86400)
        #expect(try await h.core.store.applyRetentionIfDue(force: true) == 0)
        #expect(try await h.call(ExportPerson(email: Person.email)).signatures.first?.email == Person.stored)

        h.clock.advance(seconds: 2 * 86400)
        let anonymised = try #require(try await h.core.store.applyRetentionIfDue(force: false))
        // Erin's signature, pledge and RSVP; Pat's and Bea's signatures.
        #expect(anonymised == 5)
        let signatures = try await h.exportAll()
        #expect(signatures.allSatisfy { $0.email == nil && $0.client == nil && $0.postalCode == nil })
        // Public signers keep their names with the letter; the private signer's goes.
        #expect(Set(signatures.compactMap(\.name)) == [Person.name, "Bea Bystander"])
        let pat = try #require(signatures.first { $0.name == nil })
        #expect(pat.organization == "" && pat.status == .confirmed)
        let pledge = try #require(try await h.call(ExportPledges()).items.first)
        #expect(pledge.email == "" && pledge.client == nil && pledge.name == Person.name)
        let rsvp = try #require(try await h.call(ExportRSVPs(eventId: "connect-2027-protest")).items.first)
        #expect(rsvp.email == nil && rsvp.phone == nil && rsvp.name == nil && rsvp.client == nil)
        #expect(try await h.call(ServiceStats()).outbox.queued == 0)
        #expect(try await PersonTests.Figures.of(h) == before)
        #expect(try await h.call(CheckService()).drift == 0)
        #expect(PersonTests.scan(h.directory + "/campaign.sqlite").filter { !$0.hasPrefix(Person.name) }.isEmpty)
    }

    @Test func retentionLeavesAnOpenLetterAlone() async throws {
        let h = try await Self.make()
        h.clock.advance(seconds: 400 * 86400)
        #expect(try await h.core.store.applyRetentionIfDue(force: true) == 0)
        #expect(try await h.call(ExportPerson(email: Person.email)).rsvps.first?.phone == Person.phone)
    }

    @Test func retentionRunsAtStartThenDailyAndServiceStatsSaysWhen() async throws {
        let h = try await Self.make()
        #expect(try await h.call(ServiceStats()).retention == RetentionStatus(anonymiseAfterDays: 30))
        await h.core.housekeeping.runOnce(atStart: true)
        let started = h.clock.current
        #expect(
            try await h.call(ServiceStats()).retention
                == RetentionStatus(anonymiseAfterDays: 30, lastRunAt: started, lastAnonymised: 0))
        h.clock.advance(seconds: 3600)
        #expect(try await h.core.store.applyRetentionIfDue(force: false) == nil)
        _ = try await h.call(SetLetterStatus(status: .closed))
        h.clock.advance(seconds: 31 * 86400)
        await h.core.housekeeping.runOnce()
        let stats = try await h.call(ServiceStats()).retention
        #expect(stats.lastRunAt == h.clock.current && stats.lastAnonymised == 5)
        // A second run finds nothing left to erase.
        #expect(try await h.core.store.applyRetentionIfDue(force: true) == 0)
    }

    @Test func retentionIsOffWithoutAnonymiseAfter() async throws {
        let h = try await Harness.make()
        #expect(try await h.core.store.applyRetentionIfDue(force: true) == nil)
        #expect(try await h.call(ServiceStats()).retention == RetentionStatus())
    }
}
