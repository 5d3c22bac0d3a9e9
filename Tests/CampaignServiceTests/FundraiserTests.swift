import CampaignProtocol
import Testing

@testable import CampaignService

@Suite struct FundraiserTests {
    func usd(_ minor: Int) -> Money { Money(amountMinor: minor, currency: "USD") }

    func pledge(_ h: Harness, _ email: String, _ minor: Int, key: String? = nil, showName: Bool = true) async throws -> CreatePledge.Result
    {
        try await h.call(
            CreatePledge(
                name: "Pledger \(email.prefix { $0 != "@" }.lowercased())", email: email, amount: usd(minor), showName: showName,
                idempotencyKey: key),
            role: .public)
    }

    /// Pledges and confirms through the token; returns the pledge's id.
    func confirmedPledge(_ h: Harness, _ email: String, _ minor: Int) async throws -> String {
        _ = try await pledge(h, email, minor)
        let message = try #require(try await h.claimAll().first { $0.to.email == email })
        #expect(message.kind == .pledgeConfirm)
        return try await h.call(ConfirmToken(token: try #require(message.token)), role: .public).id
    }

    @Test func fundraiserGetShowsGoalBoundsAndZeroTotals() async throws {
        let h = try await Harness.make()
        let f = try await h.call(GetFundraiser(), role: .public)
        #expect(f.goal == usd(1_500_000) && f.minimum == usd(500) && f.maximum == usd(100_000))
        #expect(f.pledged == usd(0) && f.paid == usd(0) && f.pledgeCount == 0)
        #expect(f.status == .open)
    }

    @Test(arguments: [
        (#"{"amountMinor":2500.5,"currency":"USD"}"#, "amount.amountMinor"),
        (#"{"amountMinor":25.0,"currency":"USD"}"#, "amount.amountMinor"),
        (#"{"amountMinor":"2500","currency":"USD"}"#, "amount.amountMinor"),
        (#"{"amountMinor":2500,"currency":"usd"}"#, "amount.currency"),
        (#"{"amountMinor":2500,"currency":"EUR"}"#, "amount.currency"),
        (#"{"amountMinor":2500}"#, "amount.currency"),
        (#"{"amountMinor":499,"currency":"USD"}"#, "amount.amountMinor"),
        (#"{"amountMinor":100001,"currency":"USD"}"#, "amount.amountMinor"),
        (#"{"amountMinor":-500,"currency":"USD"}"#, "amount.amountMinor"),
        (#"{"amountMinor":2500,"currency":"USD","cents":true}"#, "amount.cents"),
    ])
    func moneyOutOfRuleIsRefusedNamingTheField(amount: String, field: String) async throws {
        let h = try await Harness.make()
        let reply = await h.raw(
            method: "pledges.create", params: .parse(#"{"name":"A","email":"a@example.org","amount":\#(amount)}"#), role: .public)
        #expect(reply["error"]?["code"] == JSONValue(-32602))
        #expect(reply["error"]?["data"]?["field"] == .string(field))
        #expect(try await h.call(ExportPledges()).items.isEmpty)
    }

    @Test func boundsAreInclusive() async throws {
        let h = try await Harness.make()
        _ = try await pledge(h, "min@example.org", 500)
        _ = try await pledge(h, "max@example.org", 100_000)
        #expect(try await h.call(ExportPledges()).items.count == 2)
    }

    @Test func totalsAfterConfirmPayRefundAndCancel() async throws {
        let h = try await Harness.make()
        let a = try await confirmedPledge(h, "a@example.org", 2500)
        let b = try await confirmedPledge(h, "b@example.org", 10_000)
        _ = try await pledge(h, "pending@example.org", 700)
        var f = try await h.call(GetFundraiser())
        #expect(f.pledged == usd(12_500) && f.paid == usd(0) && f.pledgeCount == 2)
        _ = try await h.call(SetPledgeStatus(pledgeId: a, status: .paid))
        f = try await h.call(GetFundraiser())
        #expect(f.pledged == usd(12_500) && f.paid == usd(2500) && f.pledgeCount == 2)
        _ = try await h.call(SetPledgeStatus(pledgeId: a, status: .refunded))
        f = try await h.call(GetFundraiser())
        #expect(f.pledged == usd(10_000) && f.paid == usd(0) && f.pledgeCount == 1)
        _ = try await h.call(SetPledgeStatus(pledgeId: b, status: .cancelled))
        f = try await h.call(GetFundraiser())
        #expect(f.pledged == usd(0) && f.paid == usd(0) && f.pledgeCount == 0)
        let stats = try await h.call(ServiceStats())
        #expect(stats.pledges == ServiceStats.PledgeTotals(pending: 1, confirmed: 0, paid: 0, refunded: 1, cancelled: 1))
    }

    @Test func everyDisallowedTransitionIsConflict() async throws {
        let allowed: Set<String> = ["pending>confirmed", "confirmed>paid", "paid>refunded", "pending>cancelled", "confirmed>cancelled"]
        let paths: [PledgeStatus: [PledgeStatus]] = [
            .pending: [], .confirmed: [.confirmed], .paid: [.confirmed, .paid], .refunded: [.confirmed, .paid, .refunded],
            .cancelled: [.cancelled],
        ]
        for (from, path) in paths {
            for to in PledgeStatus.allCases where to != from {
                let h = try await Harness.make(confirmationRequired: true)
                _ = try await pledge(h, "x@example.org", 1000)
                let id = try #require(try await h.call(ExportPledges()).items.first?.id)
                for step in path { _ = try await h.call(SetPledgeStatus(pledgeId: id, status: step)) }
                let before = try await h.call(GetFundraiser())
                let code = await h.errorCode("pledges.setStatus", .object(["pledgeId": .string(id), "status": .string(to.rawValue)]))
                if allowed.contains("\(from.rawValue)>\(to.rawValue)") {
                    #expect(code == nil, "\(from) → \(to)")
                } else {
                    #expect(code == -32002, "\(from) → \(to)")
                    #expect(try await h.call(GetFundraiser()) == before)
                }
            }
        }
    }

    @Test func repeatedIdempotencyKeyFromSameEmailCreatesNothing() async throws {
        let h = try await Harness.make()
        let first = try await pledge(h, "k@example.org", 2500, key: "form-123")
        let second = try await pledge(h, "K@Example.org", 2500, key: "form-123")
        #expect(first == second)
        _ = try await pledge(h, "other@example.org", 2500, key: "form-123")
        _ = try await pledge(h, "k@example.org", 2500, key: "form-124")
        _ = try await pledge(h, "k@example.org", 2500)
        #expect(try await h.call(ExportPledges()).items.count == 4)
        #expect(try await h.claimAll().count == 4)
    }

    @Test func pledgesAfterClosesAtAreClosedButConfirmationHasAGrace() async throws {
        let h = try await Harness.make()
        _ = try await pledge(h, "early@example.org", 1000)
        let token = try #require(try await h.claimAll().first?.token)
        _ = try await h.call(UpdateFundraiser(closesAt: h.clock.current.adding(seconds: 60)))
        h.clock.advance(seconds: 61)
        #expect(try await h.call(GetFundraiser()).status == .closed)
        #expect(
            await h.errorCode(
                "pledges.create", .parse(#"{"name":"A","email":"a@example.org","amount":{"amountMinor":1000,"currency":"USD"}}"#),
                role: .public) == -32003)
        h.clock.advance(seconds: 23 * 3600)
        #expect(try await h.call(ConfirmToken(token: token), role: .public).status == "confirmed")
    }

    @Test func confirmationAfterTheGraceIsClosed() async throws {
        let h = try await Harness.make()
        _ = try await pledge(h, "late@example.org", 1000)
        let token = try #require(try await h.claimAll().first?.token)
        _ = try await h.call(UpdateFundraiser(status: .closed))
        h.clock.advance(seconds: 25 * 3600)
        #expect(await h.errorCode("tokens.confirm", .object(["token": .string(token)]), role: .public) == -32003)
    }

    @Test func tokensShowAndCancelAPledge() async throws {
        let h = try await Harness.make()
        _ = try await pledge(h, "t@example.org", 4200)
        let token = try #require(try await h.claimAll().first?.token)
        let record = try await h.call(GetToken(token: token), role: .public)
        #expect(record.kind == .pledge && record.amount == usd(4200) && record.status == "pending")
        let cancelled = await h.raw(method: "tokens.cancel", params: .object(["token": .string(token)]), role: .public)
        let again = await h.raw(method: "tokens.cancel", params: .object(["token": .string(token)]), role: .public)
        #expect(cancelled == again)
        #expect(cancelled["result"]?["status"] == .string("cancelled"))
        #expect(await h.errorCode("tokens.confirm", .object(["token": .string(token)]), role: .public) == -32002)
    }

    @Test func aPaidPledgeCannotBeCancelledByToken() async throws {
        let h = try await Harness.make()
        _ = try await pledge(h, "paid@example.org", 4200)
        let token = try #require(try await h.claimAll().first?.token)
        let id = try await h.call(ConfirmToken(token: token), role: .public).id
        _ = try await h.call(SetPledgeStatus(pledgeId: id, status: .paid))
        #expect(await h.errorCode("tokens.cancel", .object(["token": .string(token)]), role: .public) == -32002)
        #expect(try await h.call(GetFundraiser()).paid == usd(4200))
    }

    @Test func recentPledgesShowConfirmedPledgersWhoChoseToBeShown() async throws {
        let h = try await Harness.make()
        _ = try await confirmedPledge(h, "shown@example.org", 1000)
        _ = try await pledge(h, "hidden@example.org", 2000, showName: false)
        _ = try await pledge(h, "pending@example.org", 3000)
        let recent = await h.raw(method: "pledges.recent", role: .public)
        let items = try #require(recent["result"]?["items"]?.arrayValue)
        #expect(items.count == 1)
        #expect(items.first?["name"] == .string("Pledger shown"))
        #expect(!JSONWriter.string(recent).contains("@example.org"))
    }

    @Test func pledgesOverTheAddressLimitAreRateLimited() async throws {
        let h = try await Harness.make()
        let client = ClientInfo(ip: "203.0.113.50")
        for i in 0..<3 {
            _ = try await h.call(CreatePledge(name: "R", email: "r\(i)@example.org", amount: usd(1000), client: client), role: .public)
        }
        let reply = await h.raw(
            method: "pledges.create",
            params: .parse(
                #"{"name":"R","email":"r9@example.org","amount":{"amountMinor":1000,"currency":"USD"},"client":{"ip":"203.0.113.50"}}"#),
            role: .public)
        #expect(reply["error"]?["code"] == JSONValue(-32004))
        let retry = try #require(reply["error"]?["data"]?["retryAfterMs"]?.intValue)
        #expect(retry > 0 && retry <= 60_000)
        #expect(try await h.call(ExportPledges()).items.count == 3)
        h.clock.advance(seconds: 61)
        _ = try await h.call(CreatePledge(name: "R", email: "r10@example.org", amount: usd(1000), client: client), role: .public)
    }

    @Test func withoutConfirmationAPledgeCountsAtOnce() async throws {
        let h = try await Harness.make()
        _ = try await h.call(UpdateFundraiser(confirmationRequired: false))
        let reply = try await pledge(h, "now@example.org", 5000)
        #expect(reply == Acceptance(confirmationRequired: false))
        let fundraiser = try await h.call(GetFundraiser(), role: .public)
        #expect(fundraiser.pledged == usd(5000) && fundraiser.pledgeCount == 1)
        #expect(try await h.claimAll().map(\.kind) == [.pledgeReceipt])
    }

    @Test func fundraiserUpdateRefusesAnotherCurrencyAndCrossedBounds() async throws {
        let h = try await Harness.make()
        let currency = await h.raw(method: "fundraiser.update", params: .parse(#"{"goal":{"amountMinor":100,"currency":"EUR"}}"#))
        #expect(currency["error"]?["data"]?["field"] == .string("goal.currency"))
        let bounds = await h.raw(method: "fundraiser.update", params: .parse(#"{"minimum":{"amountMinor":200000,"currency":"USD"}}"#))
        #expect(bounds["error"]?["data"]?["field"] == .string("minimum"))
        #expect(try await h.call(GetFundraiser()).minimum == usd(500))
    }

    @Test func anIdempotencyKeyReusedWithOtherDetailsIsAConflict() async throws {
        let h = try await Harness.make()
        let first = try await pledge(h, "k@example.org", 2500, key: "order-7")
        #expect(try await pledge(h, "K@example.org", 2500, key: "order-7") == first)
        let other = await h.raw(
            method: "pledges.create",
            params: .parse(
                #"{"name":"Pledger k","email":"k@example.org","amount":{"amountMinor":9900,"currency":"USD"},"idempotencyKey":"order-7"}"#),
            role: .public)
        #expect(other["error"]?["code"] == JSONValue(-32002))
        let pledges = try await h.call(ExportPledges()).items
        #expect(pledges.count == 1 && pledges.first?.amount == usd(2500))
    }

    @Test func totalsThatWouldOverflowAreRefusedAndTheFundraiserStillReads() async throws {
        let h = try await Harness.make()
        _ = try await confirmedPledge(h, "a@example.org", 1000)
        // Totals this close to Int64's limit can only be reached by many bounded pledges; set them directly.
        try await h.core.store.pool.write { db in
            try db.execute(sql: "UPDATE fundraiser SET pledgedMinor = ? WHERE id = 1", arguments: [Int.max - 500])
        }
        _ = try await pledge(h, "b@example.org", 1000)
        let token = try #require(try await h.claimAll().first { $0.to.email == "b@example.org" }?.token)
        #expect(await h.errorCode("tokens.confirm", .object(["token": .string(token)]), role: .public) == -32002)
        let f = try await h.call(GetFundraiser(), role: .public)
        #expect(f.pledged == usd(Int.max - 500) && f.pledgeCount == 1)
    }

    @Test func aFundraiserRowThatDoesNotDecodeIsAnErrorReplyNotACrash() async throws {
        let h = try await Harness.make()
        // What an overflowing SUM used to leave behind: a REAL where an INTEGER belongs.
        try await h.core.store.pool.write { db in
            try db.execute(sql: "UPDATE fundraiser SET pledgedMinor = 9.3e18 WHERE id = 1")
        }
        #expect(await h.errorCode("fundraiser.get", role: .public) == -32603)
        #expect(await h.errorCode("campaign.get", role: .public) == -32603)
        #expect(await h.errorCode("letter.get", role: .public) == nil)
    }
}
