import Testing

@testable import SMTPClient

@Suite struct SMTPMessageTests {
    static func encode(_ text: String) throws -> String {
        let message = SMTPMessage(sender: "a@example.org", recipients: ["b@example.org"], data: Array(text.utf8))
        return String(decoding: try message.encoded(), as: UTF8.self)
    }

    @Test func lineEndingsBecomeCRLFAndLeadingDotsAreDoubled() throws {
        #expect(try Self.encode("a\n.b\r\n..c\rd") == "a\r\n..b\r\n...c\r\nd\r\n.\r\n")
        #expect(try Self.encode(".\r\n") == "..\r\n.\r\n")
        #expect(try Self.encode("") == ".\r\n")
    }

    @Test func aLineOf998OctetsIsSentAndOneOf999IsRefused() throws {
        _ = try Self.encode(String(repeating: "x", count: 998) + "\r\n")
        #expect(throws: SMTPFailure.self) { try Self.encode("ok\n" + String(repeating: "x", count: 999)) }
    }

    @Test func anAddressThatCouldCarryACommandIsRefused() {
        for address in ["a@b>\r\nRCPT TO:<c@d", "a b@c", "a@b\n", "<a@b>"] {
            let message = SMTPMessage(sender: "a@example.org", recipients: [address], data: [])
            #expect(throws: SMTPFailure.self) { try message.encoded() }
        }
        #expect(SMTPMessage.isSafeAddress(""))
    }

    @Test func smtpURLRequiresStartTLSUnlessTLSIsNone() throws {
        let required = try SMTPConfiguration(url: "smtp://mail.example.org:587")
        #expect(required.host == "mail.example.org")
        #expect(required.port == 587)
        #expect(required.security == .startTLS(required: true))
        let optional = try SMTPConfiguration(url: "smtp://localhost?tls=none")
        #expect(optional.port == 25)
        #expect(optional.security == .startTLS(required: false))
    }

    @Test func smtpsURLIsImplicitTLSOnPort465() throws {
        let implicit = try SMTPConfiguration(url: "smtps://mail.example.org")
        #expect(implicit.port == 465)
        #expect(implicit.security == .implicitTLS)
        let ipv6 = try SMTPConfiguration(url: "smtps://[::1]:2465")
        #expect(ipv6.host == "::1")
        #expect(ipv6.port == 2465)
    }

    @Test func aURLWithCredentialsOrAnUnknownFormIsRefused() {
        #expect(throws: SMTPConfiguration.URLError.credentialsInURL) { try SMTPConfiguration(url: "smtp://u:p@mail.example.org") }
        #expect(throws: SMTPConfiguration.URLError.self) { try SMTPConfiguration(url: "http://mail.example.org") }
        #expect(throws: SMTPConfiguration.URLError.self) { try SMTPConfiguration(url: "smtp://mail.example.org:99999") }
        #expect(throws: SMTPConfiguration.URLError.self) { try SMTPConfiguration(url: "smtp://mail.example.org?tls=maybe") }
        #expect(throws: SMTPConfiguration.URLError.self) { try SMTPConfiguration(url: "smtps://mail.example.org?tls=none") }
        #expect(throws: SMTPConfiguration.URLError.missingHost) { try SMTPConfiguration(url: "smtp://:25") }
    }
}
