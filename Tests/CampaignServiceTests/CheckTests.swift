import CampaignProtocol
import GRDB
import Testing

@testable import CampaignService

/// `service.check`: every counter against a recount from the rows.
@Suite struct CheckTests {
    @Test func serviceCheckFindsNoDriftAfterEveryKindOfChange() async throws {
        let h = try await Harness.make()
        let id = try await h.signAndConfirm("A", "a@example.org", organization: "Org", isCustomer: true)
        _ = try await h.call(SignLetter(name: "B", email: "b@example.org"), role: .public)
        _ = try await h.call(ModerateSignature(signatureId: id, action: .invalidate))
        _ = try await h.call(
            CreatePledge(name: "P", email: "p@example.org", amount: Money(amountMinor: 2500, currency: "USD")), role: .public)
        _ = try await h.call(CreateRSVP(eventId: "connect-2027-protest", name: "R", email: "r@example.org", guests: 2), role: .public)
        let report = try await h.call(CheckService())
        #expect(report.ok && report.drift == 0 && report.integrity == "ok")
        #expect(report.counters.contains { $0.name == "events.connect-2027-protest.going" && $0.recounted == 3 })
        #expect(report.counters.contains { $0.name == "signatures.invalidated" && $0.stored == 1 })
    }

    @Test func serviceCheckReportsDrift() async throws {
        let h = try await Harness.make()
        _ = try await h.call(SignLetter(name: "B", email: "b@example.org"), role: .public)
        try await h.core.store.pool.write { db in
            try db.execute(sql: "UPDATE counter SET value = value + 5 WHERE name = 'signatures.pending'")
        }
        let report = try await h.call(CheckService())
        #expect(!report.ok && report.drift == 1)
        let pending = try #require(report.counters.first { $0.name == "signatures.pending" })
        #expect(pending.stored == 6 && pending.recounted == 1)
        #expect(await h.errorCode("service.check", role: .public) == -32601)
    }
}
