import CampaignProtocol
import Foundation
import Testing

@testable import CampaignService

/// SPEC §4.1: no public response ever contains an email address, IP address, user agent, postal code
/// or token. This drives every public method through full flows and scans every byte it answered.
@Suite struct PrivacyTests {
    @Test func publicResponsesNeverContainPrivateFields() async throws {
        let h = try await Harness.make()
        let secrets = ["zoe.private@example.org", "192.0.2.199", "SecretAgent/9.9", "SW1A 1AA"]
        var publicBytes = ""
        func publicCall(_ method: String, _ params: String) async {
            publicBytes += JSONWriter.string(await h.raw(method: method, params: .parse(params), role: .public))
        }
        let sign =
            #"{"name":"Zoe","email":"zoe.private@example.org","organization":"Org","postalCode":"SW1A 1AA","showName":true,"comment":"Hi","client":{"ip":"192.0.2.199","userAgent":"SecretAgent/9.9"}}"#
        await publicCall("letter.sign", sign)
        await publicCall("letter.sign", sign)
        let messages = try await h.claimAll()
        let tokens = messages.compactMap(\.token)
        #expect(!tokens.isEmpty)
        for token in tokens {
            await publicCall("tokens.get", #"{"token":"\#(token)"}"#)
            await publicCall("tokens.confirm", #"{"token":"\#(token)"}"#)
        }
        await publicCall("letter.sign", sign)
        await publicCall("signatures.list", "{}")
        await publicCall("signatures.list", #"{"filter":"organizations"}"#)
        await publicCall("signatures.count", "{}")
        await publicCall("letter.get", "{}")
        await publicCall("service.health", "{}")
        await publicCall("rpc.discover", "{}")
        await publicCall("signatures.export", "{}")
        await publicCall("outbox.claim", "{}")
        for token in tokens { await publicCall("tokens.cancel", #"{"token":"\#(token)"}"#) }
        #expect(publicBytes.contains("Zoe"))
        for secret in secrets + tokens {
            #expect(!publicBytes.contains(secret), "public response contained \(secret)")
        }
    }

    @Test func databaseFileIsPrivate() async throws {
        let h = try await Harness.make()
        let attributes = try FileManager.default.attributesOfItem(atPath: h.directory + "/campaign.sqlite")
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0
        #expect(mode & 0o077 == 0)
    }
}
