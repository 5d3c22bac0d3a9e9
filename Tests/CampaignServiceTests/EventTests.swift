import CampaignProtocol
import Foundation
import Testing

@testable import CampaignService

@Suite struct EventTests {
    static let protest = "connect-2027-protest"

    /// A small event to fill: capacity 5, up to 3 guests.
    func smallEvent(_ h: Harness, capacity: Int? = 5) async throws -> Event {
        try await h.call(
            CreateEvent(
                id: "vigil", title: "Vigil", description: "Candles at the office.", startsAt: h.clock.current.adding(seconds: 86400),
                timeZone: "America/Los_Angeles", location: Location(city: "San Francisco", country: "US"), capacity: capacity,
                maxGuests: 3))
    }

    /// RSVPs as a visitor does; returns the event as organisers see it (the seats held).
    @discardableResult
    func rsvp(_ h: Harness, _ email: String, guests: Int = 0, event: String = "vigil") async throws -> Event {
        let reply = try await h.call(
            CreateRSVP(eventId: event, name: "R \(email.prefix { $0 != "@" })", email: email, guests: guests), role: .public)
        #expect(reply == Acceptance(confirmationRequired: true))
        return try await h.call(GetEvent(eventId: event), role: .admin)
    }

    func token(_ h: Harness, _ email: String) async throws -> String {
        try #require(try await h.claimAll().last { $0.to.email == email }?.token)
    }

    @Test func eventsListAndGetShowTheImportedProtest() async throws {
        let h = try await Harness.make()
        let list = try await h.call(ListEvents(), role: .public)
        #expect(list.items.map(\.id) == [Self.protest])
        let event = try await h.call(GetEvent(eventId: Self.protest), role: .public)
        #expect(event.timeZone == "America/Los_Angeles" && event.capacity == 300 && event.maxGuests == 3)
        #expect(event.startsAt.description == "2027-04-14T15:00:00Z")
        #expect(event.location.city == "San Francisco")
        #expect(await h.errorCode("events.get", .parse(#"{"eventId":"nope"}"#), role: .public) == -32001)
    }

    @Test func rsvpGoesWhileThePartyFitsThenWaits() async throws {
        let h = try await Harness.make()
        _ = try await smallEvent(h)
        var event = try await rsvp(h, "a@example.org", guests: 2)
        #expect(event.going == 3 && event.waitlisted == 0)
        event = try await rsvp(h, "b@example.org", guests: 2)
        #expect(event.going == 3 && event.waitlisted == 3)
        event = try await rsvp(h, "c@example.org", guests: 1)
        #expect(event.going == 5 && event.waitlisted == 3)
        let b = try await token(h, "b@example.org")
        let record = try await h.call(GetToken(token: b), role: .public)
        #expect(record.kind == .rsvp && record.status == "waitlisted" && record.waitlistPosition == 1 && record.eventId == "vigil")
    }

    @Test func waitlistIsPromotedInArrivalOrderFirstFitWhenSeatsAreFreed() async throws {
        let h = try await Harness.make()
        _ = try await smallEvent(h)
        _ = try await rsvp(h, "big@example.org", guests: 3)  // 4 going
        _ = try await rsvp(h, "w1@example.org", guests: 3)  // 4 waiting
        _ = try await rsvp(h, "w2@example.org", guests: 0)  // fits: 5 going
        _ = try await rsvp(h, "w3@example.org", guests: 1)  // 2 waiting
        _ = try await rsvp(h, "w4@example.org", guests: 0)  // 1 waiting
        let big = try await token(h, "big@example.org")
        _ = try await h.claimAll()
        _ = try await h.call(CancelToken(token: big), role: .public)
        // 4 seats free: w1 (4) fits first, then nothing else fits.
        let event = try await h.call(GetEvent(eventId: "vigil"))
        #expect(event.going == 5 && event.waitlisted == 3)
        let promoted = try await h.claimAll().filter { $0.kind == .rsvpPromoted }.map(\.to.email)
        #expect(promoted == ["w1@example.org"])
        let statuses = try await h.call(ExportRSVPs(eventId: "vigil")).items.map { "\($0.email ?? "-"):\($0.status.rawValue)" }
        #expect(
            statuses == [
                "-:cancelled", "w1@example.org:going", "w2@example.org:going", "w3@example.org:waitlisted", "w4@example.org:waitlisted",
            ])
    }

    @Test func laterSmallerPartiesArePromotedWhenTheFirstDoesNotFit() async throws {
        let h = try await Harness.make()
        _ = try await smallEvent(h)
        _ = try await rsvp(h, "a@example.org", guests: 1)  // 2 going
        _ = try await rsvp(h, "b@example.org", guests: 2)  // 3 going → 5
        _ = try await rsvp(h, "big@example.org", guests: 3)  // 4 waiting
        _ = try await rsvp(h, "small1@example.org")  // 1 waiting
        _ = try await rsvp(h, "small2@example.org")  // 1 waiting
        let a = try await token(h, "a@example.org")
        _ = try await h.claimAll()
        _ = try await h.call(CancelToken(token: a), role: .public)
        let promoted = try await h.claimAll().filter { $0.kind == .rsvpPromoted }.map(\.to.email)
        #expect(promoted == ["small1@example.org", "small2@example.org"])
        let event = try await h.call(GetEvent(eventId: "vigil"))
        #expect(event.going == 5 && event.waitlisted == 4)
    }

    @Test func raisingCapacityPromotesAndLoweringBelowGoingIsConflict() async throws {
        let h = try await Harness.make()
        _ = try await smallEvent(h, capacity: 2)
        _ = try await rsvp(h, "a@example.org", guests: 1)
        _ = try await rsvp(h, "b@example.org", guests: 1)
        #expect(await h.errorCode("events.update", .parse(#"{"eventId":"vigil","capacity":1}"#)) == -32002)
        let event = try await h.call(UpdateEvent(eventId: "vigil", capacity: .limit(4)))
        #expect(event.going == 4 && event.waitlisted == 0)
        #expect(try await h.claimAll().contains { $0.kind == .rsvpPromoted && $0.to.email == "b@example.org" })
    }

    @Test func eventCancellationWritesToEveryHolder() async throws {
        let h = try await Harness.make()
        _ = try await smallEvent(h, capacity: 1)
        _ = try await rsvp(h, "going@example.org")
        _ = try await rsvp(h, "waiting@example.org")
        _ = try await rsvp(h, "gone@example.org")
        let gone = try await token(h, "gone@example.org")
        _ = try await h.call(CancelToken(token: gone), role: .public)
        _ = try await h.claimAll()
        let cancelled = try await h.call(CancelEvent(eventId: "vigil"))
        #expect(cancelled.status == .cancelled)
        let mail = try await h.claimAll().filter { $0.kind == .eventCancelled }.map(\.to.email).sorted()
        #expect(mail == ["going@example.org", "waiting@example.org"])
        _ = try await h.call(CancelEvent(eventId: "vigil"))
        #expect(try await h.claimAll().isEmpty)
        #expect(
            await h.errorCode("rsvps.create", .parse(#"{"eventId":"vigil","name":"L","email":"late@example.org"}"#), role: .public)
                == -32003)
    }

    @Test func pastEventRefusesRSVPs() async throws {
        let h = try await Harness.make()
        _ = try await smallEvent(h)
        h.clock.advance(seconds: 86401)
        #expect(
            await h.errorCode("rsvps.create", .parse(#"{"eventId":"vigil","name":"L","email":"late@example.org"}"#), role: .public)
                == -32003)
    }

    @Test func repeatRSVPGetsSameReply() async throws {
        let h = try await Harness.make()
        _ = try await smallEvent(h)
        let params = JSONValue.parse(#"{"eventId":"vigil","name":"Sam","email":"sam@example.org","guests":1}"#)
        let first = await h.raw(method: "rsvps.create", params: params, role: .public)
        let second = await h.raw(
            method: "rsvps.create", params: .parse(#"{"eventId":"vigil","name":"Sam","email":"SAM+x@example.org"}"#), role: .public)
        #expect(first == second)
        #expect(try await h.call(ExportRSVPs(eventId: "vigil")).items.count == 1)
        #expect(try await h.claimAll().map(\.kind) == [.rsvpConfirm, .rsvpConfirm])
    }

    @Test func guestsBeyondTheEventsMaximumAreRefused() async throws {
        let h = try await Harness.make()
        _ = try await smallEvent(h)
        let reply = await h.raw(
            method: "rsvps.create", params: .parse(#"{"eventId":"vigil","name":"G","email":"g@example.org","guests":4}"#), role: .public)
        #expect(reply["error"]?["data"]?["field"] == .string("guests"))
        let phone = await h.raw(
            method: "rsvps.create", params: .parse(#"{"eventId":"vigil","name":"G","email":"g@example.org","phone":"call me"}"#),
            role: .public)
        #expect(phone["error"]?["data"]?["field"] == .string("phone"))
        #expect(try await h.call(GetEvent(eventId: "vigil")).going == 0)
    }

    @Test(arguments: ["PST", "Mars/Olympus", "America/Los Angeles", ""])
    func timeZonesMustBeIANANames(zone: String) async throws {
        let h = try await Harness.make()
        let reply = await h.raw(
            method: "events.create",
            params: .object([
                "title": .string("T"), "description": .string("D"), "startsAt": .string("2027-04-14T08:00:00-07:00"),
                "timeZone": .string(zone), "location": .parse(#"{"city":"SF","country":"US"}"#),
            ]))
        #expect(reply["error"]?["data"]?["field"] == .string("timeZone"))
    }

    @Test func instantsAreStoredInUTC() async throws {
        let h = try await Harness.make()
        let event = try await h.call(
            CreateEvent(
                title: "Teach-in", description: "D", startsAt: try #require(Timestamp(rfc3339: "2027-04-13T18:30:00-07:00")),
                timeZone: "America/Los_Angeles", location: Location(city: "San Francisco", country: "US")))
        #expect(event.startsAt.description == "2027-04-14T01:30:00Z")
        #expect(event.capacity == nil)
        let json = await h.raw(method: "events.get", params: .object(["eventId": .string(event.id)]))
        #expect(json["result"]?["capacity"] == .null)
    }

    @Test func checkInMarksGoingRSVPsOnly() async throws {
        let h = try await Harness.make()
        _ = try await smallEvent(h, capacity: 1)
        _ = try await rsvp(h, "in@example.org")
        _ = try await rsvp(h, "out@example.org")
        let rsvps = try await h.call(ExportRSVPs(eventId: "vigil")).items
        let first = try await h.call(CheckInRSVP(rsvpId: rsvps[0].id))
        #expect(first.checkedInAt != nil)
        #expect(try await h.call(CheckInRSVP(rsvpId: rsvps[0].id)).checkedInAt == first.checkedInAt)
        #expect(await h.errorCode("rsvps.checkIn", .object(["rsvpId": .string(rsvps[1].id)])) == -32002)
    }

    @Test func rsvpsOverTheAddressLimitAreRateLimited() async throws {
        let h = try await Harness.make()
        for i in 0..<5 {
            _ = try await h.call(
                CreateRSVP(eventId: Self.protest, name: "R", email: "r\(i)@example.org", client: ClientInfo(ip: "198.51.100.77")),
                role: .public)
        }
        let reply = await h.raw(
            method: "rsvps.create",
            params: .parse(#"{"eventId":"\#(Self.protest)","name":"R","email":"r9@example.org","client":{"ip":"198.51.100.77"}}"#),
            role: .public)
        #expect(reply["error"]?["code"] == JSONValue(-32004))
        #expect((reply["error"]?["data"]?["retryAfterMs"]?.intValue ?? 0) > 0)
    }

    @Test func capacityIsNeverExceededUnderConcurrency() async throws {
        let h = try await Harness.make()
        _ = try await smallEvent(h, capacity: 10)
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<40 {
                group.addTask { _ = try? await rsvp(h, "c\(i)@example.org", guests: i % 3) }
            }
        }
        let event = try await h.call(GetEvent(eventId: "vigil"))
        let rows = try await h.call(ExportRSVPs(eventId: "vigil", limit: 1000)).items
        let going = rows.filter { $0.status == .going }.reduce(0) { $0 + 1 + $1.guests }
        let waiting = rows.filter { $0.status == .waitlisted }.reduce(0) { $0 + 1 + $1.guests }
        #expect(rows.count == 40)
        #expect(event.going <= 10 && event.going == going && event.waitlisted == waiting)
    }

    @Test func heldSeatsShowToOrganisersAndConfirmedOnesToEveryone() async throws {
        let h = try await Harness.make()
        _ = try await smallEvent(h)
        let held = try await rsvp(h, "a@example.org", guests: 2)
        #expect(held.going == 3)
        // A stranger's page does not move because someone typed an email.
        #expect(try await h.call(GetEvent(eventId: "vigil"), role: .public).going == 0)
        #expect(try await h.call(ListEvents(), role: .public).items.first { $0.id == "vigil" }?.going == 0)
        let confirmed = try await h.call(ConfirmToken(token: try await token(h, "a@example.org")), role: .public)
        #expect(confirmed.kind == .rsvp && confirmed.confirmedAt != nil)
        #expect(try await h.call(GetEvent(eventId: "vigil"), role: .public).going == 3)
        #expect(try await h.call(GetEvent(eventId: "vigil"), role: .admin).going == 3)
        #expect(try await h.call(CheckService()).drift == 0)
    }

    @Test func anUnconfirmedRSVPExpiresAfterItsHoldAndPromotesTheWaitlist() async throws {
        let h = try await Harness.make(rsvpHoldSeconds: 3600)
        _ = try await smallEvent(h, capacity: 2)
        _ = try await rsvp(h, "fake1@example.org", guests: 1)  // holds both seats, never confirms
        h.clock.advance(seconds: 1800)
        _ = try await rsvp(h, "real@example.org", guests: 1)  // waits
        _ = try await h.call(ConfirmToken(token: try await token(h, "real@example.org")), role: .public)
        h.clock.advance(seconds: 1801)
        #expect(try await h.core.store.expireRSVPHolds() == 1)
        let event = try await h.call(GetEvent(eventId: "vigil"), role: .admin)
        #expect(event.going == 2 && event.waitlisted == 0)
        #expect(try await h.call(GetEvent(eventId: "vigil"), role: .public).going == 2)
        let rows = try await h.call(ExportRSVPs(eventId: "vigil")).items
        #expect(rows.map(\.status) == [.expired, .going])
        // The lapsed RSVP keeps no contact details; the promoted person is told.
        #expect(rows[0].email == nil && rows[0].cancelledAt != nil)
        #expect(try await h.claimAll().filter { $0.kind == .rsvpPromoted }.map(\.to.email) == ["real@example.org"])
        #expect(try await h.core.store.expireRSVPHolds() == 0)
        #expect(try await h.call(CheckService()).drift == 0)
    }

    @Test func aNewRSVPTakesTheSeatsOfLapsedHoldsAtOnce() async throws {
        let h = try await Harness.make(rsvpHoldSeconds: 60)
        _ = try await smallEvent(h, capacity: 1)
        _ = try await rsvp(h, "fake@example.org")
        h.clock.advance(seconds: 61)
        // No sweep has run: the RSVP itself frees what lapsed before deciding.
        let event = try await rsvp(h, "real@example.org")
        #expect(event.going == 1 && event.waitlisted == 0)
    }

    @Test func aConfirmedRSVPKeepsItsSeatsPastTheHold() async throws {
        let h = try await Harness.make(rsvpHoldSeconds: 60)
        _ = try await smallEvent(h)
        _ = try await rsvp(h, "a@example.org")
        _ = try await h.call(ConfirmToken(token: try await token(h, "a@example.org")), role: .public)
        h.clock.advance(seconds: 3600)
        #expect(try await h.core.store.expireRSVPHolds() == 0)
        #expect(try await h.call(GetEvent(eventId: "vigil"), role: .public).going == 1)
    }

    @Test func anRSVPWhoseHoldRanOutCannotBeConfirmed() async throws {
        let h = try await Harness.make(rsvpHoldSeconds: 60)
        _ = try await smallEvent(h)
        _ = try await rsvp(h, "late@example.org")
        let late = try await token(h, "late@example.org")
        h.clock.advance(seconds: 61)
        #expect(await h.errorCode("tokens.confirm", .object(["token": .string(late)]), role: .public) == -32002)
        _ = try await h.core.store.expireRSVPHolds()
        #expect(await h.errorCode("tokens.confirm", .object(["token": .string(late)]), role: .public) == -32002)
        #expect(try await h.call(GetToken(token: late), role: .public).status == "expired")
    }

    @Test func eventsThatHaveAlreadyEndedAreRefused() async throws {
        let h = try await Harness.make()
        let past = h.clock.current.adding(seconds: -3600)
        let create = await h.raw(
            method: "events.create",
            params: .object([
                "title": .string("T"), "description": .string("D"), "startsAt": .string(past.description),
                "timeZone": .string("UTC"), "location": .parse(#"{"city":"SF","country":"US"}"#),
            ]))
        #expect(create["error"]?["data"]?["field"] == .string("startsAt"))
        _ = try await smallEvent(h)
        let update = await h.raw(
            method: "events.update",
            params: .object([
                "eventId": .string("vigil"), "startsAt": .string(past.adding(seconds: -60).description),
                "endsAt": .string(past.description),
            ]))
        #expect(update["error"]?["data"]?["field"] == .string("endsAt"))
        #expect(try await h.call(GetEvent(eventId: "vigil")).startsAt > h.clock.current)
    }

    @Test func updatingCapacityToNullRemovesTheLimit() async throws {
        let h = try await Harness.make()
        _ = try await smallEvent(h, capacity: 1)
        _ = try await rsvp(h, "a@example.org")
        _ = try await rsvp(h, "b@example.org", guests: 2)
        let reply = await h.raw(method: "events.update", params: .parse(#"{"eventId":"vigil","capacity":null}"#))
        #expect(reply["result"]?["capacity"] == .null)
        let event = try await h.call(GetEvent(eventId: "vigil"))
        #expect(event.capacity == nil && event.going == 4 && event.waitlisted == 0)
        // Absent leaves it as it is.
        _ = try await h.call(UpdateEvent(eventId: "vigil", capacity: .limit(10)))
        #expect(try await h.call(UpdateEvent(eventId: "vigil", title: "Vigil, again")).capacity == 10)
    }
}
