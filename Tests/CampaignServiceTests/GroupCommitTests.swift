import CampaignProtocol
import GRDB
import Testing

@testable import CampaignService

/// Concurrent writes share transactions; each still succeeds or fails on its own.
@Suite struct GroupCommitTests {
    @Test func concurrentWritesShareTransactions() async throws {
        let h = try await Harness.make()
        let before = h.core.store.writes.totals
        let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<200 {
                group.addTask { try await h.call(SignLetter(name: "G\(i)", email: "g\(i)@example.org"), role: .public).accepted }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(accepted == 200)
        let after = h.core.store.writes.totals
        #expect(after.writes - before.writes == 200)
        #expect(after.transactions - before.transactions < 200)
        #expect(try await h.call(CountSignatures()).pending == 200)
        let stats = try await h.call(ServiceStats())
        #expect(stats.writes.averageBatch > 1)
    }

    @Test func oneFailingWriteDoesNotFailOthersInItsBatch() async throws {
        let h = try await Harness.make()
        let outcomes = await withTaskGroup(of: (Bool, Int?).self) { group in
            for i in 0..<100 {
                if i % 2 == 0 {
                    group.addTask {
                        (true, await h.errorCode("letter.sign", .parse(#"{"name":"S","email":"s\#(i)@example.org"}"#), role: .public))
                    }
                } else {
                    // Fails inside the transaction, after the lookup.
                    group.addTask {
                        (false, await h.errorCode("signatures.moderate", .parse(#"{"signatureId":"sig_missing","action":"hide"}"#)))
                    }
                }
            }
            var outcomes: [(Bool, Int?)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        #expect(outcomes.filter { $0.0 }.allSatisfy { $0.1 == nil })
        #expect(outcomes.filter { !$0.0 }.allSatisfy { $0.1 == -32001 })
        #expect(try await h.call(CountSignatures()).pending == 50)
    }

    @Test func aFailedWriteLeavesNothingBehind() async throws {
        let h = try await Harness.make()
        // A pledge over the address limit records its attempt before it is refused; the savepoint drops it.
        for i in 0..<3 {
            _ = try await h.call(
                CreatePledge(
                    name: "P", email: "p\(i)@example.org", amount: Money(amountMinor: 1000, currency: "USD"),
                    client: ClientInfo(ip: "192.0.2.9")),
                role: .public)
        }
        let attempts = { try await h.core.store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM signAttempt") ?? -1 } }
        let before = try await attempts()
        #expect(
            await h.errorCode(
                "pledges.create",
                .parse(
                    #"{"name":"P","email":"p9@example.org","amount":{"amountMinor":1000,"currency":"USD"},"client":{"ip":"192.0.2.9"}}"#),
                role: .public) == -32004)
        #expect(try await attempts() == before)
    }
}
