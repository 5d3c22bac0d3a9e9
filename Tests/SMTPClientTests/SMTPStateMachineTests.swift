import Testing

@testable import SMTPClient

/// The protocol without a network: replies in, commands out.
@Suite struct SMTPStateMachineTests {
    static let clear = SMTPStateMachine.Settings(ehloName: "mailer.test", requireTLS: false, useStartTLS: true)
    static let verified = SMTPStateMachine.Settings(ehloName: "mailer.test", requireTLS: true, useStartTLS: true)

    static func reply(_ code: Int, _ lines: String...) -> SMTPReply {
        SMTPReply(code: code, lines: lines.isEmpty ? ["ok"] : lines)
    }

    static func text(_ action: SMTPStateMachine.Action) -> String? {
        guard case .write(let bytes) = action else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func closeFailure(_ action: SMTPStateMachine.Action) -> SMTPFailure? {
        if case .close(let failure) = action { return failure }
        return nil
    }

    static func permanentFailure(_ action: SMTPStateMachine.Action) -> SMTPFailure? {
        if case .finished(let outcomes, _) = action, case .permanentFailure(let failure)? = outcomes.first { return failure }
        return nil
    }

    /// A machine past EHLO, ready for a message.
    static func ready(_ extensions: [String], settings: SMTPStateMachine.Settings = clear) -> SMTPStateMachine {
        var machine = SMTPStateMachine(settings: settings, tlsActive: false)
        #expect(text(machine.receive(reply(220, "test.invalid ESMTP"))) == "EHLO mailer.test\r\n")
        #expect(machine.receive(SMTPReply(code: 250, lines: ["test.invalid"] + extensions)) == .ready)
        return machine
    }

    static let message = SMTPMessage(
        sender: "campaign@example.org", recipients: ["ada@example.net"], data: Array("Subject: hi\r\n\r\nhello\r\n".utf8))

    @Test func aMultiLineReplyIsOneReply() throws {
        var parser = SMTPReplyParser()
        #expect(try parser.feed(Array("250-test.invalid".utf8)) == nil)
        #expect(try parser.feed(Array("250-PIPELINING".utf8)) == nil)
        let reply = try parser.feed(Array("250 HELP".utf8))
        #expect(reply == SMTPReply(code: 250, lines: ["test.invalid", "PIPELINING", "HELP"]))
        #expect(try parser.feed(Array("354".utf8)) == SMTPReply(code: 354, lines: [""]))
    }

    @Test func aReplyWhoseCodeChangesMidwayIsRefused() throws {
        var parser = SMTPReplyParser()
        _ = try parser.feed(Array("250-one".utf8))
        #expect(throws: SMTPReplyParser.ParseError.codeChangedInsideReply) { try parser.feed(Array("251 two".utf8)) }
        #expect(throws: SMTPReplyParser.ParseError.self) { try SMTPReplyParser().feedingCopy(Array("hello".utf8)) }
    }

    @Test func pipeliningSendsMailRcptAndDataInOneWrite() {
        var machine = Self.ready(["PIPELINING"])
        var message = Self.message
        message.recipients.append("bob@example.net")
        #expect(
            Self.text(machine.send(message))
                == "MAIL FROM:<campaign@example.org>\r\nRCPT TO:<ada@example.net>\r\nRCPT TO:<bob@example.net>\r\nDATA\r\n")
        #expect(machine.receive(Self.reply(250)) == .wait)
        #expect(machine.receive(Self.reply(250)) == .wait)
        #expect(machine.receive(Self.reply(250)) == .wait)
        #expect(Self.text(machine.receive(Self.reply(354))) == "Subject: hi\r\n\r\nhello\r\n.\r\n")
        #expect(machine.isAwaitingDataEnd)
        let done = Self.reply(250, "queued")
        #expect(machine.receive(done) == .finished([.delivered(reply: done, refusedRecipients: [:])], write: nil))
        #expect(machine.isIdle)
    }

    @Test func withoutPipeliningCommandsGoOneAtATime() {
        var machine = Self.ready([])
        #expect(Self.text(machine.send(Self.message)) == "MAIL FROM:<campaign@example.org>\r\n")
        #expect(Self.text(machine.receive(Self.reply(250))) == "RCPT TO:<ada@example.net>\r\n")
        #expect(Self.text(machine.receive(Self.reply(250))) == "DATA\r\n")
        #expect(Self.text(machine.receive(Self.reply(354)))?.hasSuffix("\r\n.\r\n") == true)
    }

    @Test func noRsetFollowsADeliveredMessage() {
        var machine = Self.ready(["PIPELINING"])
        #expect(Self.text(machine.send(Self.message))?.hasPrefix("MAIL FROM:") == true)
        _ = machine.receive(Self.reply(250))
        _ = machine.receive(Self.reply(250))
        _ = machine.receive(Self.reply(354))
        _ = machine.receive(Self.reply(250))
        #expect(
            Self.text(machine.send(Self.message)) == "MAIL FROM:<campaign@example.org>\r\nRCPT TO:<ada@example.net>\r\nDATA\r\n")
    }

    @Test(arguments: [451, 550])
    func rsetFollowsAMessageRefusedAtItsEnd(code: Int) {
        var machine = Self.ready(["PIPELINING"])
        _ = machine.send(Self.message)
        _ = machine.receive(Self.reply(250))
        _ = machine.receive(Self.reply(250))
        _ = machine.receive(Self.reply(354))
        _ = machine.receive(Self.reply(code))
        #expect(Self.text(machine.send(Self.message))?.hasPrefix("RSET\r\nMAIL FROM:<campaign@example.org>\r\n") == true)
        #expect(machine.receive(Self.reply(250)) == .wait)
    }

    @Test func rsetFollowsAMessageRefusedBeforeData() {
        var machine = Self.ready(["PIPELINING"])
        _ = machine.send(Self.message)
        _ = machine.receive(Self.reply(250))
        _ = machine.receive(Self.reply(550, "no such mailbox"))
        _ = machine.receive(Self.reply(503, "need RCPT"))
        #expect(machine.isIdle)
        #expect(Self.text(machine.send(Self.message))?.hasPrefix("RSET\r\nMAIL FROM:") == true)
        // And once a message is delivered after it, none again.
        _ = machine.receive(Self.reply(250))
        _ = machine.receive(Self.reply(250))
        _ = machine.receive(Self.reply(250))
        _ = machine.receive(Self.reply(354))
        _ = machine.receive(Self.reply(250))
        #expect(Self.text(machine.send(Self.message))?.hasPrefix("MAIL FROM:") == true)
    }

    @Test func aRecipientRefusedInAPipelineIsAPermanentFailureOfItsMessage() {
        var machine = Self.ready(["PIPELINING"])
        _ = machine.send(Self.message)
        #expect(machine.receive(Self.reply(250)) == .wait)
        #expect(machine.receive(Self.reply(550, "no such mailbox")) == .wait)
        let outcome = machine.receive(Self.reply(503, "need RCPT"))
        #expect(outcome == .finished([.permanentFailure(SMTPFailure(stage: .recipient, code: 550, text: "no such mailbox"))], write: nil))
        #expect(machine.isIdle)
    }

    @Test func aRecipientRefusedAmongOthersIsListedWithTheDelivery() {
        var machine = Self.ready([])
        var message = Self.message
        message.recipients = ["gone@example.net", "ada@example.net"]
        _ = machine.send(message)
        _ = machine.receive(Self.reply(250))
        #expect(Self.text(machine.receive(Self.reply(550, "gone"))) == "RCPT TO:<ada@example.net>\r\n")
        _ = machine.receive(Self.reply(250))
        _ = machine.receive(Self.reply(354))
        let done = Self.reply(250)
        let refused = ["gone@example.net": SMTPFailure(stage: .recipient, code: 550, text: "gone")]
        #expect(machine.receive(done) == .finished([.delivered(reply: done, refusedRecipients: refused)], write: nil))
    }

    @Test func a451ToTheFinalDotIsATemporaryFailure() {
        var machine = Self.ready(["PIPELINING"])
        _ = machine.send(Self.message)
        _ = machine.receive(Self.reply(250))
        _ = machine.receive(Self.reply(250))
        _ = machine.receive(Self.reply(354))
        #expect(
            machine.receive(Self.reply(451, "later"))
                == .finished([.temporaryFailure(SMTPFailure(stage: .dataEnd, code: 451, text: "later"))], write: nil))
    }

    @Test func dataAcceptedWithNoValidRecipientSendsOnlyTheDot() {
        var machine = Self.ready(["PIPELINING"])
        _ = machine.send(Self.message)
        _ = machine.receive(Self.reply(250))
        _ = machine.receive(Self.reply(550, "no"))
        #expect(Self.text(machine.receive(Self.reply(354))) == ".\r\n")
        #expect(
            machine.receive(Self.reply(250))
                == .finished([.permanentFailure(SMTPFailure(stage: .recipient, code: 550, text: "no"))], write: nil))
    }

    @Test func a421ClosesTheSession() {
        var machine = Self.ready(["PIPELINING"])
        _ = machine.send(Self.message)
        let action = machine.receive(Self.reply(421, "shutting down"))
        #expect(action == .close(SMTPFailure(stage: .mailFrom, code: 421, text: "shutting down")))
    }

    @Test func startTLSIsSentWhenOfferedAndEHLOIsRepeatedAfterTheHandshake() {
        let settings = SMTPStateMachine.Settings(ehloName: "m", requireTLS: true, useStartTLS: true)
        var machine = SMTPStateMachine(settings: settings, tlsActive: false)
        _ = machine.receive(Self.reply(220))
        #expect(Self.text(machine.receive(SMTPReply(code: 250, lines: ["x", "STARTTLS"]))) == "STARTTLS\r\n")
        #expect(machine.receive(Self.reply(220, "go ahead")) == .startTLS)
        #expect(Self.text(machine.tlsEstablished()) == "EHLO m\r\n")
        #expect(machine.receive(SMTPReply(code: 250, lines: ["x"])) == .ready)
    }

    @Test func startTLSRequiredButNotOfferedClosesBeforeAnyMail() throws {
        let settings = SMTPStateMachine.Settings(ehloName: "m", requireTLS: true, useStartTLS: true)
        var machine = SMTPStateMachine(settings: settings, tlsActive: false)
        _ = machine.receive(Self.reply(220))
        let failure = try #require(Self.closeFailure(machine.receive(SMTPReply(code: 250, lines: ["x", "PIPELINING"]))))
        #expect(failure.stage == .tls)
        #expect(SMTPOutcome.failure(failure) == .temporaryFailure(failure))
    }

    @Test func credentialsAreNeverSentInClear() throws {
        var settings = Self.clear
        settings.credentials = SMTPCredentials(username: "u", password: "p")
        var machine = SMTPStateMachine(settings: settings, tlsActive: false)
        _ = machine.receive(Self.reply(220))
        let failure = try #require(Self.closeFailure(machine.receive(SMTPReply(code: 250, lines: ["x", "AUTH PLAIN LOGIN"]))))
        #expect(failure.stage == .authentication)
    }

    @Test func credentialsAreNeverSentOverUnverifiedTLS() throws {
        var settings = Self.clear
        settings.credentials = SMTPCredentials(username: "u", password: "p")
        var machine = SMTPStateMachine(settings: settings, tlsActive: false)
        _ = machine.receive(Self.reply(220))
        #expect(Self.text(machine.receive(SMTPReply(code: 250, lines: ["x", "STARTTLS"]))) == "STARTTLS\r\n")
        #expect(machine.receive(Self.reply(220)) == .startTLS)
        _ = machine.tlsEstablished()
        let failure = try #require(Self.closeFailure(machine.receive(SMTPReply(code: 250, lines: ["x", "AUTH PLAIN"]))))
        #expect(failure.stage == .authentication)
    }

    @Test func authPlainIsPreferredAndLoginIsUsedWhenPlainIsNotOffered() {
        var settings = Self.verified
        settings.credentials = SMTPCredentials(username: "user", password: "secret")
        var plain = SMTPStateMachine(settings: settings, tlsActive: true)
        _ = plain.receive(Self.reply(220))
        #expect(Self.text(plain.receive(SMTPReply(code: 250, lines: ["x", "AUTH LOGIN PLAIN"]))) == "AUTH PLAIN AHVzZXIAc2VjcmV0\r\n")
        #expect(plain.receive(Self.reply(235)) == .ready)

        var login = SMTPStateMachine(settings: settings, tlsActive: true)
        _ = login.receive(Self.reply(220))
        #expect(Self.text(login.receive(SMTPReply(code: 250, lines: ["x", "AUTH LOGIN"]))) == "AUTH LOGIN\r\n")
        #expect(Self.text(login.receive(Self.reply(334, "VXNlcm5hbWU6"))) == "dXNlcg==\r\n")
        #expect(Self.text(login.receive(Self.reply(334, "UGFzc3dvcmQ6"))) == "c2VjcmV0\r\n")
        #expect(login.receive(Self.reply(235)) == .ready)
    }

    @Test func aBadPasswordIsATemporaryFailureOfTheSession() throws {
        var settings = Self.verified
        settings.credentials = SMTPCredentials(username: "user", password: "wrong")
        var machine = SMTPStateMachine(settings: settings, tlsActive: true)
        _ = machine.receive(Self.reply(220))
        _ = machine.receive(SMTPReply(code: 250, lines: ["x", "AUTH PLAIN"]))
        let failure = try #require(Self.closeFailure(machine.receive(Self.reply(535, "bad credentials"))))
        #expect(SMTPOutcome.failure(failure) == .temporaryFailure(SMTPFailure(stage: .authentication, code: 535, text: "bad credentials")))
    }

    @Test func aNonASCIIAddressNeedsSMTPUTF8() throws {
        var machine = Self.ready(["PIPELINING"])
        var message = Self.message
        message.recipients = ["zoë@example.net"]
        let failure = try #require(Self.permanentFailure(machine.send(message)))
        #expect(failure.stage == .message)
        var utf8 = Self.ready(["PIPELINING", "SMTPUTF8"])
        #expect(Self.text(utf8.send(message))?.hasPrefix("MAIL FROM:<campaign@example.org> SMTPUTF8\r\n") == true)
    }
}

extension SMTPStateMachineTests {
    static func batch(_ count: Int) -> [(message: SMTPMessage, body: [UInt8])] {
        (1...count).map { index in
            let message = SMTPMessage(
                sender: "campaign@example.org", recipients: ["p\(index)@example.net"],
                data: Array("Subject: \(index)\r\n\r\nm\(index)\r\n".utf8))
            return (message, Array("m\(index)\r\n.\r\n".utf8))
        }
    }

    static func commands(_ index: Int) -> String { "MAIL FROM:<campaign@example.org>\r\nRCPT TO:<p\(index)@example.net>\r\nDATA\r\n" }

    static func body(_ index: Int) -> String { "m\(index)\r\n.\r\n" }

    static func finished(_ outcomes: [SMTPOutcome], then bytes: String? = nil) -> SMTPStateMachine.Action {
        .finished(outcomes, write: bytes.map { Array($0.utf8) })
    }

    static func delivered(_ reply: SMTPReply) -> SMTPOutcome { .delivered(reply: reply, refusedRecipients: [:]) }

    /// A pipelined batch whose first message's body went out, with message 2's commands in the same write.
    static func firstBodySent(of count: Int) -> SMTPStateMachine {
        var machine = ready(["PIPELINING"])
        #expect(text(machine.send(batch(count))) == commands(1))
        _ = machine.receive(reply(250))
        _ = machine.receive(reply(250))
        #expect(text(machine.receive(reply(354))) == body(1) + commands(2))
        return machine
    }

    /// A pipelined batch of three whose first message was delivered: message 2's commands are out.
    static func firstOfThreeDelivered() -> SMTPStateMachine {
        var machine = firstBodySent(of: 3)
        let first = reply(250)
        #expect(machine.receive(first) == finished([delivered(first)]))
        return machine
    }

    @Test func pipeliningSendsTheNextMessagesCommandsWithThePreviousMessagesBody() {
        var machine = Self.ready(["PIPELINING"])
        #expect(Self.text(machine.send(Self.batch(3))) == Self.commands(1))
        #expect(machine.receive(Self.reply(250)) == .wait)
        #expect(machine.receive(Self.reply(250)) == .wait)
        // Message 1's body and dot, and message 2's commands, in one write.
        #expect(Self.text(machine.receive(Self.reply(354))) == Self.body(1) + Self.commands(2))
        #expect(machine.isAwaitingDataEnd)
        let first = Self.reply(250, "queued 1")
        #expect(machine.receive(first) == Self.finished([Self.delivered(first)]))
        #expect(machine.receive(Self.reply(250)) == .wait)
        #expect(machine.receive(Self.reply(250)) == .wait)
        #expect(Self.text(machine.receive(Self.reply(354))) == Self.body(2) + Self.commands(3))
        let second = Self.reply(250, "queued 2")
        #expect(machine.receive(second) == Self.finished([Self.delivered(second)]))
        _ = machine.receive(Self.reply(250))
        _ = machine.receive(Self.reply(250))
        // The last message's body goes alone.
        #expect(Self.text(machine.receive(Self.reply(354))) == Self.body(3))
        #expect(!machine.isIdle)
        let third = Self.reply(250, "queued 3")
        #expect(machine.receive(third) == Self.finished([Self.delivered(third)]))
        #expect(machine.isIdle)
        #expect(machine.dotWritten == [true, true, true])
    }

    @Test func aRefusedRecipientOfMessageTwoOfThreeFailsOnlyMessageTwo() {
        var machine = Self.firstOfThreeDelivered()
        #expect(machine.receive(Self.reply(250)) == .wait)
        #expect(machine.receive(Self.reply(550, "no such mailbox")) == .wait)
        // DATA refused: message 2 is done, and message 3 begins after an RSET.
        let refused = SMTPFailure(stage: .recipient, code: 550, text: "no such mailbox")
        #expect(
            machine.receive(Self.reply(503, "need RCPT"))
                == Self.finished([.permanentFailure(refused)], then: "RSET\r\n" + Self.commands(3)))
        _ = machine.receive(Self.reply(250))
        _ = machine.receive(Self.reply(250))
        _ = machine.receive(Self.reply(250))
        #expect(Self.text(machine.receive(Self.reply(354))) == Self.body(3))
        let third = Self.reply(250, "queued 3")
        #expect(machine.receive(third) == Self.finished([Self.delivered(third)]))
        #expect(machine.isIdle)
    }

    @Test func a4xxToTheDotOfMessageTwoFailsOnlyMessageTwo() {
        var machine = Self.firstOfThreeDelivered()
        _ = machine.receive(Self.reply(250))
        _ = machine.receive(Self.reply(250))
        #expect(Self.text(machine.receive(Self.reply(354))) == Self.body(2) + Self.commands(3))
        // Message 3's MAIL went with message 2's dot: its transaction is already under way, without RSET.
        let later = SMTPFailure(stage: .dataEnd, code: 451, text: "later")
        #expect(machine.receive(Self.reply(451, "later")) == Self.finished([.temporaryFailure(later)]))
        _ = machine.receive(Self.reply(250))
        _ = machine.receive(Self.reply(250))
        #expect(Self.text(machine.receive(Self.reply(354))) == Self.body(3))
        let third = Self.reply(250)
        #expect(machine.receive(third) == Self.finished([Self.delivered(third)]))
        // The last transaction was delivered: the next message needs no RSET.
        #expect(Self.text(machine.send(Self.batch(1))) == Self.commands(1))
    }

    @Test func aConnectionLostAfterMessageOnesReplyLeavesTheOthersUndelivered() {
        var machine = Self.firstOfThreeDelivered()
        let failure = machine.connectionLost("the server closed the connection")
        #expect(failure.code == nil)
        // Message 1 had its reply; message 2's and 3's dots never went out: the server cannot have them.
        #expect(machine.dotWritten == [true, false, false])
        #expect(!machine.isIdle)
    }

    @Test func aConnectionLostAfterADotWithoutItsReplyLeavesThatMessageUnanswered() {
        var machine = Self.firstBodySent(of: 2)
        _ = machine.connectionLost("no reply within 10 s")
        // Message 1's dot went out unanswered (the server may have it: sent again later, at least once).
        #expect(machine.dotWritten == [true, false])
    }

    @Test func withoutPipeliningABatchGoesOneCommandAtATime() {
        var machine = Self.ready([])
        #expect(Self.text(machine.send(Self.batch(2))) == "MAIL FROM:<campaign@example.org>\r\n")
        #expect(Self.text(machine.receive(Self.reply(250))) == "RCPT TO:<p1@example.net>\r\n")
        #expect(Self.text(machine.receive(Self.reply(250))) == "DATA\r\n")
        #expect(Self.text(machine.receive(Self.reply(354))) == Self.body(1))
        let first = Self.reply(250)
        #expect(machine.receive(first) == Self.finished([Self.delivered(first)], then: "MAIL FROM:<campaign@example.org>\r\n"))
        #expect(Self.text(machine.receive(Self.reply(250))) == "RCPT TO:<p2@example.net>\r\n")
        #expect(Self.text(machine.receive(Self.reply(250))) == "DATA\r\n")
        #expect(Self.text(machine.receive(Self.reply(354))) == Self.body(2))
        let second = Self.reply(250)
        #expect(machine.receive(second) == Self.finished([Self.delivered(second)]))
        #expect(machine.isIdle)
    }

    @Test func aMessageTheServerCannotTakeIsRefusedInItsPlaceInTheBatch() {
        var machine = Self.ready(["PIPELINING"])
        var messages = Self.batch(3)
        messages[1].message.recipients = ["zoë@example.net"]
        #expect(Self.text(machine.send(messages)) == Self.commands(1))
        _ = machine.receive(Self.reply(250))
        _ = machine.receive(Self.reply(250))
        #expect(Self.text(machine.receive(Self.reply(354))) == Self.body(1) + Self.commands(3))
        let first = Self.reply(250)
        let refused = SMTPFailure(stage: .message, text: "a non-ASCII address, and the server does not offer SMTPUTF8")
        #expect(machine.receive(first) == Self.finished([Self.delivered(first), .permanentFailure(refused)]))
    }
}

extension SMTPReplyParser {
    func feedingCopy(_ line: [UInt8]) throws(ParseError) -> SMTPReply? {
        var copy = self
        return try copy.feed(line)
    }
}
