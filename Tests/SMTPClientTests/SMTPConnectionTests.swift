import Foundation
import SMTPClient
import Testing

/// The client against a real SMTP server (aiosmtpd), started and stopped by each test.
@Suite(.serialized) struct SMTPConnectionTests {
    static func message(_ body: String, to recipient: String = "ada@example.net") -> SMTPMessage {
        SMTPMessage(sender: "campaign@example.org", recipients: [recipient], data: Array(body.utf8))
    }

    static func configuration(_ server: TestSMTPServer, host: String = "127.0.0.1", security: SMTPSecurity = .none) -> SMTPConfiguration {
        SMTPConfiguration(
            host: host, port: server.port, security: security,
            trustRoots: FileManager.default.fileExists(atPath: server.caFile) ? .file(server.caFile) : .system, ehloName: "mailer.test",
            timeouts: SMTPTimeouts(connect: .seconds(10), command: .seconds(30), data: .seconds(30)))
    }

    static func temporaryFailure(_ outcome: SMTPOutcome) -> SMTPFailure? {
        if case .temporaryFailure(let failure) = outcome { return failure }
        return nil
    }

    static func permanentFailure(_ outcome: SMTPOutcome) -> SMTPFailure? {
        if case .permanentFailure(let failure) = outcome { return failure }
        return nil
    }

    static func isDelivered(_ outcome: SMTPOutcome) -> Bool {
        if case .delivered = outcome { return true }
        return false
    }

    @Test func aMessageArrivesByteForByteWithCRLFAndDotStuffing() async throws {
        try await TestSMTPServer.with(.init()) { server in
            let connection = try SMTPConnection(configuration: Self.configuration(server))
            let body = "Subject: dots\nFrom: campaign@example.org\n\n.a line with a dot\r\n..two\n.\nend\n"
            let outcome = await connection.send(Self.message(body))
            await connection.close()
            #expect(Self.isDelivered(outcome))
            let received = try server.messages()
            try #require(received.count == 1)
            let expected = body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
            #expect(received[0].data == Array(expected.utf8))
            #expect(received[0].envelope.from == "campaign@example.org")
            #expect(received[0].envelope.to == ["ada@example.net"])
        }
    }

    @Test(arguments: [true, false])
    func twoHundredMessagesGoOverOneReusedConnection(pipelining: Bool) async throws {
        try await TestSMTPServer.with(.init(pipelining: pipelining)) { server in
            let connection = try SMTPConnection(configuration: Self.configuration(server))
            var delivered = 0
            for index in 0..<200 {
                if Self.isDelivered(await connection.send(Self.message("Subject: \(index)\r\n\r\nbody \(index)\r\n"))) {
                    delivered += 1
                }
            }
            #expect(await connection.connectionsOpened == 1)
            await connection.close()
            #expect(delivered == 200)
            #expect(server.connections == 1)
            let received = try server.messages()
            #expect(received.count == 200)
            #expect(received.last.map { String(decoding: $0.data, as: UTF8.self) } == "Subject: 199\r\n\r\nbody 199\r\n")
        }
    }

    @Test func twoHundredPipelinedMessagesArriveOnceEachInFewerReads() async throws {
        try await TestSMTPServer.with(.init()) { server in
            let connection = try SMTPConnection(configuration: Self.configuration(server))
            let messages = (0..<200).map { Self.message("Subject: \($0)\r\n\r\nbody \($0)\r\n", to: "p\($0)@example.net") }
            let outcomes = await connection.send(messages)
            await connection.close()
            #expect(outcomes.count == 200)
            #expect(outcomes.allSatisfy(Self.isDelivered))
            #expect(server.connections == 1)
            let received = try server.messages()
            #expect(received.map { $0.envelope.to } == (0..<200).map { ["p\($0)@example.net"] })
            #expect(received.map { String(decoding: $0.data, as: UTF8.self) } == (0..<200).map { "Subject: \($0)\r\n\r\nbody \($0)\r\n" })
            // One at a time, each message takes the server two reads at least (its commands, then its body
            // after the 354); pipelined across messages, about one.
            #expect(server.reads < 300)
        }
    }

    @Test func withoutPipeliningABatchGoesOneCommandAtATime() async throws {
        try await TestSMTPServer.with(.init(pipelining: false)) { server in
            let connection = try SMTPConnection(configuration: Self.configuration(server))
            let outcomes = await connection.send((0..<20).map { Self.message("Subject: \($0)\r\n\r\nx\r\n") })
            await connection.close()
            #expect(outcomes.allSatisfy(Self.isDelivered))
            #expect(try server.messages().count == 20)
            // MAIL, RCPT, DATA and the body each wait for the previous reply.
            #expect(server.reads >= 4 * 20)
        }
    }

    @Test func aBatchOutlivesAServerThatClosesAfterEachMessage() async throws {
        try await TestSMTPServer.with(.init(mode: "drop")) { server in
            let connection = try SMTPConnection(configuration: Self.configuration(server))
            let outcomes = await connection.send((0..<3).map { Self.message("Subject: \($0)\r\n\r\nx\r\n") })
            await connection.close()
            // After each 250 the server hangs up; the messages whose dot had not gone out go on a new connection.
            #expect(outcomes.allSatisfy(Self.isDelivered))
            #expect(server.connections == 3)
            #expect(try server.messages().map { String(decoding: $0.data, as: UTF8.self) } == (0..<3).map { "Subject: \($0)\r\n\r\nx\r\n" })
        }
    }

    @Test func aBatchKeepsEachMessagesOwnOutcome() async throws {
        try await TestSMTPServer.with(.init(mode: "tempfail")) { server in
            let connection = try SMTPConnection(configuration: Self.configuration(server))
            let outcomes = await connection.send((0..<3).map { Self.message("Subject: \($0)\r\n\r\nx\r\n") })
            await connection.close()
            #expect(outcomes.first == .temporaryFailure(SMTPFailure(stage: .dataEnd, code: 451, text: "4.3.0 try again later")))
            #expect(outcomes.dropFirst().allSatisfy(Self.isDelivered))
            #expect(try server.messages().map { String(decoding: $0.data, as: UTF8.self) } == (1..<3).map { "Subject: \($0)\r\n\r\nx\r\n" })
        }
    }

    @Test func a451IsATemporaryFailureAndTheNextTryIsDelivered() async throws {
        try await TestSMTPServer.with(.init(mode: "tempfail")) { server in
            let connection = try SMTPConnection(configuration: Self.configuration(server))
            let first = await connection.send(Self.message("Subject: retry\r\n\r\nx\r\n"))
            #expect(first == .temporaryFailure(SMTPFailure(stage: .dataEnd, code: 451, text: "4.3.0 try again later")))
            let second = await connection.send(Self.message("Subject: retry\r\n\r\nx\r\n"))
            await connection.close()
            #expect(Self.isDelivered(second))
            #expect(try server.messages().count == 1)
        }
    }

    @Test func aDeliveredMessageIsFollowedByMailWithoutRset() async throws {
        try await TestSMTPServer.with(.init()) { server in
            let connection = try SMTPConnection(configuration: Self.configuration(server))
            for index in 0..<3 { #expect(Self.isDelivered(await connection.send(Self.message("Subject: \(index)\r\n\r\nx\r\n")))) }
            await connection.close()
            #expect(server.commands == ["connect", "EHLO"] + Array(repeating: ["MAIL", "RCPT", "DATA"], count: 3).joined() + ["QUIT"])
        }
    }

    @Test func aRefusedMessageIsFollowedByRset() async throws {
        try await TestSMTPServer.with(.init(mode: "tempfail")) { server in
            let connection = try SMTPConnection(configuration: Self.configuration(server))
            #expect(Self.temporaryFailure(await connection.send(Self.message("Subject: 1\r\n\r\nx\r\n"))) != nil)
            #expect(Self.isDelivered(await connection.send(Self.message("Subject: 2\r\n\r\nx\r\n"))))
            #expect(Self.isDelivered(await connection.send(Self.message("Subject: 3\r\n\r\nx\r\n"))))
            await connection.close()
            #expect(
                server.commands == [
                    "connect", "EHLO", "MAIL", "RCPT", "DATA", "RSET", "MAIL", "RCPT", "DATA", "MAIL", "RCPT", "DATA", "QUIT",
                ])
        }
    }

    @Test func a550IsAPermanentFailure() async throws {
        try await TestSMTPServer.with(.init(mode: "reject")) { server in
            let connection = try SMTPConnection(configuration: Self.configuration(server))
            let outcome = await connection.send(Self.message("Subject: no\r\n\r\nx\r\n", to: "gone@example.net"))
            await connection.close()
            let failure = try #require(Self.permanentFailure(outcome))
            #expect(failure.code == 550)
            #expect(failure.stage == .recipient)
            #expect(try server.messages().isEmpty)
        }
    }

    @Test func startTLSRequiredButNotOfferedSendsNothing() async throws {
        try await TestSMTPServer.with(.init()) { server in
            let connection = try SMTPConnection(configuration: Self.configuration(server, security: .startTLS(required: true)))
            let outcome = await connection.send(Self.message("Subject: secret\r\n\r\nx\r\n"))
            await connection.close()
            let failure = try #require(Self.temporaryFailure(outcome))
            #expect(failure.stage == .tls)
            #expect(try server.messages().isEmpty)
        }
    }

    @Test func startTLSIsUsedWhenOffered() async throws {
        try await TestSMTPServer.with(.init(startTLS: true)) { server in
            let connection = try SMTPConnection(
                configuration: Self.configuration(server, host: "localhost", security: .startTLS(required: true)))
            let outcome = await connection.send(Self.message("Subject: tls\r\n\r\nx\r\n"))
            await connection.close()
            #expect(Self.isDelivered(outcome))
            #expect(try server.messages().first?.envelope.tls == true)
        }
    }

    @Test func anUntrustedCertificateIsATemporaryTLSFailure() async throws {
        try await TestSMTPServer.with(.init(startTLS: true)) { server in
            var configuration = Self.configuration(server, host: "localhost", security: .startTLS(required: true))
            configuration.trustRoots = .system
            let connection = try SMTPConnection(configuration: configuration)
            let outcome = await connection.send(Self.message("Subject: tls\r\n\r\nx\r\n"))
            await connection.close()
            let failure = try #require(Self.temporaryFailure(outcome))
            #expect(failure.stage == .tls)
            #expect(try server.messages().isEmpty)
        }
    }

    @Test func opportunisticStartTLSAcceptsAnUntrustedCertificate() async throws {
        try await TestSMTPServer.with(.init(startTLS: true)) { server in
            var configuration = Self.configuration(server, host: "localhost", security: .startTLS(required: false))
            configuration.trustRoots = .system
            let connection = try SMTPConnection(configuration: configuration)
            let outcome = await connection.send(Self.message("Subject: maybe tls\r\n\r\nx\r\n"))
            await connection.close()
            #expect(Self.isDelivered(outcome))
            #expect(try server.messages().first?.envelope.tls == true)
        }
    }

    @Test func authPlainWorksOverTLSOnly() async throws {
        try await TestSMTPServer.with(.init(startTLS: true, auth: "mailer:s3cret")) { server in
            var configuration = Self.configuration(server, host: "localhost", security: .startTLS(required: true))
            configuration.credentials = SMTPCredentials(username: "mailer", password: "s3cret")
            let connection = try SMTPConnection(configuration: configuration)
            #expect(Self.isDelivered(await connection.send(Self.message("Subject: auth\r\n\r\nx\r\n"))))
            await connection.close()

            // The same server without TLS: the client refuses to send the credentials at all.
            configuration.security = .none
            let clear = try SMTPConnection(configuration: configuration)
            let outcome = await clear.send(Self.message("Subject: clear\r\n\r\nx\r\n"))
            await clear.close()
            let failure = try #require(Self.temporaryFailure(outcome))
            #expect(failure.stage == .authentication)
            let received = try server.messages()
            #expect(received.count == 1)
            #expect(received.first?.envelope.login == "mailer")
            #expect(received.first?.envelope.tls == true)
        }
    }

    @Test func implicitTLSDelivers() async throws {
        try await TestSMTPServer.with(.init(implicitTLS: true)) { server in
            let connection = try SMTPConnection(configuration: Self.configuration(server, host: "localhost", security: .implicitTLS))
            let outcome = await connection.send(Self.message("Subject: smtps\r\n\r\nx\r\n"))
            await connection.close()
            #expect(Self.isDelivered(outcome))
            #expect(try server.messages().first?.envelope.tls == true)
        }
    }

    @Test func aServerThatIsDownIsATemporaryFailure() async throws {
        // A port that was just served, now closed.
        let configuration = try await TestSMTPServer.with(.init()) { server in Self.configuration(server) }
        let connection = try SMTPConnection(configuration: configuration)
        let outcome = await connection.send(Self.message("Subject: down\r\n\r\nx\r\n"))
        let failure = try #require(Self.temporaryFailure(outcome))
        #expect(failure.stage == .connection)
        #expect(failure.code == nil)
    }

    @Test func aConnectionTheServerClosedIsOpenedAgain() async throws {
        try await TestSMTPServer.with(.init(mode: "drop")) { server in
            let connection = try SMTPConnection(configuration: Self.configuration(server))
            var outcomes: [SMTPOutcome] = []
            for index in 0..<3 { outcomes.append(await connection.send(Self.message("Subject: \(index)\r\n\r\nx\r\n"))) }
            await connection.close()
            #expect(outcomes.allSatisfy(Self.isDelivered))
            #expect(server.connections == 3)
            #expect(try server.messages().count == 3)
        }
    }

    @Test func aServerThatNeverAnswersIsATemporaryFailure() async throws {
        try await TestSMTPServer.with(.init(mode: "mute")) { server in
            var configuration = Self.configuration(server)
            configuration.timeouts.command = .seconds(1)
            let connection = try SMTPConnection(configuration: configuration)
            let outcome = await connection.send(Self.message("Subject: mute\r\n\r\nx\r\n"))
            await connection.close()
            let failure = try #require(Self.temporaryFailure(outcome))
            #expect(failure.stage == .greeting)
            #expect(failure.code == nil)
        }
    }

    @Test func aLineOver998OctetsIsRefusedBeforeSending() async throws {
        try await TestSMTPServer.with(.init()) { server in
            let connection = try SMTPConnection(configuration: Self.configuration(server))
            let outcome = await connection.send(Self.message("Subject: long\r\n\r\n" + String(repeating: "x", count: 999) + "\r\n"))
            await connection.close()
            let failure = try #require(Self.permanentFailure(outcome))
            #expect(failure.stage == .message)
            #expect(server.connections == 0)
        }
    }
}
