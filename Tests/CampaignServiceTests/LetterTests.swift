import CampaignProtocol
import Testing

@testable import CampaignService

@Suite struct LetterTests {
    @Test func letterGetReturnsTheImportedLetter() async throws {
        let h = try await Harness.make()
        let letter = try await h.call(GetLetter(), role: .public)
        #expect(letter.status == .open)
        #expect(letter.version == 1)
        #expect(letter.confirmationRequired)
        #expect(letter.recipients.first?.organization == "Northwind Software")
    }

    @Test func draftLetterIsNotFoundOnPublicListener() async throws {
        let h = try await Harness.make(status: "draft")
        #expect(await h.errorCode("letter.get", role: .public) == -32001)
        #expect(try await h.call(GetLetter(), role: .admin).status == .draft)
    }

    @Test func letterUpdateBumpsVersion() async throws {
        let h = try await Harness.make()
        let updated = try await h.call(UpdateLetter(expectedVersion: 1, title: "  A new title  ", signatureGoal: 10_000))
        #expect(updated.version == 2)
        #expect(updated.title == "A new title")
        #expect(updated.signatureGoal == 10_000)
        #expect(try await h.call(CountSignatures()).goal == 10_000)
    }

    @Test func staleExpectedVersionIsConflict() async throws {
        let h = try await Harness.make()
        _ = try await h.call(UpdateLetter(expectedVersion: 1, title: "First"))
        #expect(await h.errorCode("letter.update", .parse(#"{"expectedVersion":1,"title":"Second"}"#)) == -32002)
        #expect(try await h.call(GetLetter()).title == "First")
    }

    @Test func letterUpdateRefusesBadFields() async throws {
        let h = try await Harness.make()
        let empty = await h.raw(method: "letter.update", params: .parse(#"{"expectedVersion":1,"title":"   "}"#))
        #expect(empty["error"]?["data"]?["field"] == .string("title"))
        let recipients = await h.raw(method: "letter.update", params: .parse(#"{"expectedVersion":1,"recipients":[{"name":""}]}"#))
        #expect(recipients["error"]?["data"]?["field"] == .string("recipients[0].name"))
        let goal = await h.raw(method: "letter.update", params: .parse(#"{"expectedVersion":1,"signatureGoal":0}"#))
        #expect(goal["error"]?["data"]?["field"] == .string("signatureGoal"))
        #expect(try await h.call(GetLetter()).version == 1)
    }

    @Test func letterSetStatusClosesAndReopens() async throws {
        let h = try await Harness.make()
        #expect(try await h.call(SetLetterStatus(status: .closed)).status == .closed)
        #expect(await h.errorCode("letter.sign", .parse(#"{"name":"A","email":"a@example.org"}"#), role: .public) == -32003)
        #expect(try await h.call(SetLetterStatus(status: .open)).status == .open)
        _ = try await h.call(SignLetter(name: "A", email: "a@example.org"), role: .public)
    }

    @Test func draftLetterRefusesSignatures() async throws {
        let h = try await Harness.make(status: "draft")
        #expect(await h.errorCode("letter.sign", .parse(#"{"name":"A","email":"a@example.org"}"#), role: .public) == -32003)
    }

    @Test(arguments: [
        "letter.update", "letter.setStatus", "signatures.export", "signatures.moderate", "outbox.claim", "outbox.ack",
        "service.stats", "campaign.import",
    ])
    func adminMethodIsNotFoundOnPublicListener(method: String) async throws {
        let h = try await Harness.make()
        #expect(await h.errorCode(method, .object([:]), role: .public) == -32601)
    }

    @Test func campaignImportUpdatesTheLetterAndKeepsSignatures() async throws {
        let h = try await Harness.make()
        try await h.signAndConfirm("Ada", "ada@example.org")
        let definition = JSONValue.parse(#"{"letter":{"title":"Revised","body":"Body","recipients":[{"name":"CEO"}],"status":"open"}}"#)
        let reply = await h.raw(method: "campaign.import", params: .object(["definition": definition]))
        #expect(reply["result"]?["letter"]?["title"] == .string("Revised"))
        #expect(reply["result"]?["letter"]?["version"] == JSONValue(2))
        #expect(try await h.call(CountSignatures()).confirmed == 1)
    }

    @Test func campaignImportRefusesUnknownFieldsAndBadZones() async throws {
        let h = try await Harness.make()
        let typo = await h.raw(
            method: "campaign.import",
            params: .parse(#"{"definition":{"letter":{"title":"T","body":"B","recipients":[{"name":"C"}],"stauts":"open"}}}"#))
        #expect(typo["error"]?["data"]?["field"] == .string("definition.letter.stauts"))
        let zone = await h.raw(
            method: "campaign.import",
            params: .parse(
                """
                {"definition":{"letter":{"title":"T","body":"B","recipients":[{"name":"C"}]},
                 "events":[{"id":"e","title":"Protest","description":"D","startsAt":"2027-04-14T08:00:00-07:00","timeZone":"Mars/Olympus",
                            "location":{"city":"San Francisco","country":"US"}}]}}
                """))
        #expect(zone["error"]?["data"]?["field"] == .string("definition.events[0].timeZone"))
        #expect(try await h.call(GetLetter()).version == 1)
    }

    @Test func importOnFirstStartLeavesAnExistingCampaignAlone() async throws {
        let h = try await Harness.make()
        _ = try await h.call(UpdateLetter(expectedVersion: 1, title: "Organisers' edit"))
        #expect(try await h.core.importOnFirstStart(definitionJSON: Harness.exampleDefinition) == false)
        #expect(try await h.call(GetLetter()).title == "Organisers' edit")
    }
}
