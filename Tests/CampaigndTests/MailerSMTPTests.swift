import Foundation
import Testing

/// The real `campaign-mailer` against a real SMTP server (aiosmtpd, `smtp_server.py`) and a real campaignd:
/// what each answer of the server becomes in the outbox and in what organisers see.
@Suite(.serialized) struct MailerSMTPTests {
    /// campaignd with a one-second first retry, so that a temporary failure comes back within a test.
    func campaignd(_ dir: String, extra: [String] = []) throws -> ServerProcess {
        try ServerProcess.listening(dir, extra: ["--outbox-first-retry-seconds", "1"] + extra)
    }

    func sign(_ dir: String, _ emails: [String], name: String = "Signer") throws {
        let web = try LineClient(path: dir + "/public.sock")
        for email in emails {
            let reply = try web.call("letter.sign", #"{"name":"\#(name)","email":"\#(email)"}"#)
            #expect(JSON.result(reply)?["accepted"] as? Bool == true, "\(reply)")
        }
    }

    func outbox(_ dir: String) throws -> [String: Any] {
        try #require(JSON.result(try LineClient(path: dir + "/admin.sock").call("service.stats"))?["outbox"] as? [String: Any])
    }

    /// Each signer's delivery (`state`, `reason`) as organisers export it, by email.
    func deliveries(_ dir: String) throws -> [String: [String: Any]] {
        let items = try #require(
            JSON.result(try LineClient(path: dir + "/admin.sock").call("signatures.export"))?["items"] as? [[String: Any]])
        var byEmail: [String: [String: Any]] = [:]
        for item in items {
            if let email = item["email"] as? String { byEmail[email] = item["delivery"] as? [String: Any] ?? [:] }
        }
        return byEmail
    }

    /// Polls until `done` holds, for at most `seconds`: whatever the machine's speed, never a timing assertion.
    func eventually(within seconds: Double = 60, _ done: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try done() { return true }
            usleep(200_000)
        }
        return try done()
    }

    /// The header names of a message, one per field (folded lines joined).
    func headerNames(_ message: String) -> [String] {
        let head = message.components(separatedBy: "\r\n\r\n").first ?? ""
        return head.components(separatedBy: "\r\n").filter { !$0.hasPrefix(" ") && !$0.hasPrefix("\t") && !$0.isEmpty }
            .map { String($0.prefix { $0 != ":" }).lowercased() }
    }

    /// Each received message's `To` as Python's `email` package reads it (a mail client's view): the
    /// addresses, and the display names.
    func parsedRecipients(in out: String) throws -> [[[String]]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            """
            import email, email.policy, glob, json, sys
            found = []
            for path in sorted(glob.glob(sys.argv[1] + "/*.eml")):
                with open(path, "rb") as f:
                    message = email.message_from_binary_file(f, policy=email.policy.default)
                found.append([[a.addr_spec, a.display_name] for h in message.get_all("To", []) for a in h.addresses])
            print(json.dumps(found))
            """,
            out,
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try #require(try JSONSerialization.jsonObject(with: data) as? [[[String]]])
    }

    @Test func aTemporaryRefusalIsRetriedAfterItsBackoffAndDeliveredOnce() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try campaignd(dir)
        defer { server.stop() }
        let smtp = try SMTPServerProcess(mode: "tempfail", out: dir + "/smtp")
        defer { smtp.stop() }
        try sign(dir, ["bo@example.org"])
        let transport = "smtp://127.0.0.1:\(smtp.port)?tls=none"
        let first = try MailerProcess.once(dir, transport: transport)
        #expect(first.status == 0, "\(first.output)")
        // 451: not sent, not given up; organisers see why.
        #expect(try smtp.messages().isEmpty)
        #expect(try outbox(dir)["retrying"] as? Int == 1)
        let retrying = try #require(try deliveries(dir)["bo@example.org"])
        #expect(retrying["state"] as? String == "retrying" && (retrying["reason"] as? String)?.contains("451") == true, "\(retrying)")
        // Once its backoff has passed, a round sends it.
        let delivered = try eventually {
            _ = try MailerProcess.once(dir, transport: transport)
            return try !smtp.messages().isEmpty
        }
        #expect(delivered)
        // Later rounds send nothing more: delivered once.
        #expect(try MailerProcess.once(dir, transport: transport).status == 0)
        #expect(try smtp.messages().count == 1)
        #expect(try deliveries(dir)["bo@example.org"]?["state"] as? String == "sent")
        let totals = try outbox(dir)
        #expect(totals["retrying"] as? Int == 0 && totals["queued"] as? Int == 0 && totals["dead"] as? Int == 0, "\(totals)")
    }

    @Test func aPermanentRefusalIsNotRetriedAndOrganisersSeeIt() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try campaignd(dir)
        defer { server.stop() }
        let smtp = try SMTPServerProcess(mode: "reject", out: dir + "/smtp")
        defer { smtp.stop() }
        try sign(dir, ["nobody@example.org"])
        let transport = "smtp://127.0.0.1:\(smtp.port)?tls=none"
        #expect(try MailerProcess.once(dir, transport: transport).status == 0)
        let failed = try #require(try deliveries(dir)["nobody@example.org"])
        #expect(failed["state"] as? String == "failed", "\(failed)")
        #expect((failed["reason"] as? String)?.contains("550 5.1.1 <nobody@example.org>: no such mailbox") == true, "\(failed)")
        let totals = try outbox(dir)
        #expect(totals["dead"] as? Int == 1 && totals["retrying"] as? Int == 0 && totals["queued"] as? Int == 0, "\(totals)")
        // Past the first backoff (1 s), when a temporary failure would have come back: nothing is tried again.
        let tried = smtp.commands.filter { $0 == "RCPT" }.count
        #expect(tried == 1)
        sleep(2)
        #expect(try MailerProcess.once(dir, transport: transport).status == 0)
        #expect(smtp.commands.filter { $0 == "RCPT" }.count == tried, "\(smtp.commands)")
        #expect(try smtp.messages().isEmpty)
    }

    @Test func messagesWaitWhileTheMailServerIsDownAndLeaveWhenItIsBack() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try campaignd(dir)
        defer { server.stop() }
        let emails = (0..<5).map { "w\($0)@example.org" }
        try sign(dir, emails)
        // Nothing listens on the port yet.
        let port = try SMTPServerProcess.freePort()
        let mailer = try MailerProcess.start(
            dir, transport: "smtp://127.0.0.1:\(port)?tls=none", extra: ["--log-level", "warning"], log: dir + "/mailer.log")
        defer {
            if mailer.isRunning { kill(mailer.processIdentifier, SIGKILL) }
            mailer.waitUntilExit()
        }
        // Every message failed, temporarily, and again after its backoff: refused connections, none given up.
        let waited = try eventually {
            let all = try deliveries(dir)
            let log = (try? String(contentsOfFile: dir + "/mailer.log", encoding: .utf8)) ?? ""
            let failures = log.components(separatedBy: "tried again later").count - 1
            return emails.allSatisfy { all[$0]?["state"] as? String == "retrying" } && failures >= 2 * emails.count
        }
        let states = try deliveries(dir)
        #expect(waited, "\(states)")
        let reason = try deliveries(dir)[emails[0]]?["reason"] as? String ?? ""
        #expect(reason.contains("\(port)"), "the reason names the server it could not reach: \(reason)")
        #expect(try outbox(dir)["dead"] as? Int == 0)
        // The server comes up on that port: the same mailer, still running, sends them all.
        let smtp = try SMTPServerProcess(mode: "sink", out: dir + "/smtp", port: port)
        defer { smtp.stop() }
        let sent = try eventually { try outbox(dir)["queued"] as? Int == 0 }
        let after = try outbox(dir)
        #expect(sent, "\(after)")
        kill(mailer.processIdentifier, SIGTERM)
        mailer.waitUntilExit()
        let recipients = try smtp.envelopeRecipients()
        #expect(recipients.flatMap { $0 }.sorted() == emails.sorted(), "each once: \(recipients)")
        let all = try deliveries(dir)
        #expect(emails.allSatisfy { all[$0]?["state"] as? String == "sent" }, "\(all)")
        #expect(try outbox(dir)["dead"] as? Int == 0)
    }

    @Test func aServerThatDoesNotOfferStartTLSIsRefusedWhenTLSIsRequired() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try campaignd(dir)
        defer { server.stop() }
        // The sink offers no STARTTLS (started without --starttls).
        let smtp = try SMTPServerProcess(mode: "sink", out: dir + "/smtp")
        defer { smtp.stop() }
        try sign(dir, ["ada@example.org"])
        let run = try MailerProcess.once(dir, transport: "smtp://127.0.0.1:\(smtp.port)")
        #expect(run.status == 0, "\(run.output)")
        // Nothing went in clear: no envelope, no message.
        #expect(try smtp.messages().isEmpty)
        #expect(smtp.commands.contains("EHLO"), "the mailer did reach the server: \(smtp.commands)")
        #expect(!smtp.commands.contains("MAIL") && !smtp.commands.contains("DATA"), "\(smtp.commands)")
        // Not lost: kept for another try (or given up), with a reason that says why.
        let totals = try outbox(dir)
        #expect((totals["retrying"] as? Int ?? 0) + (totals["dead"] as? Int ?? 0) == 1, "\(totals)")
        let delivery = try #require(try deliveries(dir)["ada@example.org"])
        #expect(["retrying", "failed"].contains(delivery["state"] as? String ?? ""), "\(delivery)")
        #expect((delivery["reason"] as? String)?.contains("STARTTLS") == true, "\(delivery)")
    }

    @Test func aNameCarryingCRLFAndBccAddsNoHeader() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try campaignd(dir)
        defer { server.stop() }
        let smtp = try SMTPServerProcess(mode: "sink", out: dir + "/smtp")
        defer { smtp.stop() }
        let web = try LineClient(path: dir + "/public.sock")
        let injected = try web.call("letter.sign", #"{"name":"Eve\r\nBcc: x@evil.example","email":"eve@example.org"}"#)
        // The API refuses a name with CR or LF (then that is the answer), or the mailer must neutralise it.
        let refused = JSON.errorCode(injected) == -32602
        #expect(refused || JSON.result(injected)?["accepted"] as? Bool == true, "\(injected)")
        // The nearest name it accepts: header-like text and non-ASCII, on one line.
        let nearest = try web.call("letter.sign", #"{"name":"Ève Bcc: x@evil.example, Cc: y@evil.example","email":"eve2@example.org"}"#)
        #expect(JSON.result(nearest)?["accepted"] as? Bool == true, "\(nearest)")
        let run = try MailerProcess.once(dir, transport: "smtp://127.0.0.1:\(smtp.port)?tls=none")
        #expect(run.status == 0, "\(run.output)")
        let messages = try smtp.messages()
        #expect(messages.count == (refused ? 1 : 2))
        for message in messages {
            let names = headerNames(message)
            #expect(names.filter { $0 == "to" }.count == 1, "\(names)")
            #expect(!names.contains("bcc") && !names.contains("cc"), "\(message.prefix(800))")
        }
        // Read as a mail client (or `sendmail -t`) reads it: one address, the name whole.
        for to in try parsedRecipients(in: dir + "/smtp") {
            #expect(to.count == 1 && to.first?.first?.hasPrefix("eve") == true, "\(to)")
        }
        let recipients = try smtp.envelopeRecipients()
        #expect(recipients.allSatisfy { $0.count == 1 }, "\(recipients)")
        #expect(Set(recipients.flatMap { $0 }).isSubset(of: ["eve@example.org", "eve2@example.org"]), "\(recipients)")
    }

    @Test func twoHundredMessagesLeaveOverOneReusedConnection() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try campaignd(dir, extra: ["--sign-burst", "100000", "--sign-sustained", "100000"])
        defer { server.stop() }
        let smtp = try SMTPServerProcess(mode: "sink", out: dir + "/smtp")
        defer { smtp.stop() }
        let emails = (0..<200).map { "s\($0)@example.org" }
        try sign(dir, emails)
        let run = try MailerProcess.once(dir, transport: "smtp://127.0.0.1:\(smtp.port)?tls=none", extra: ["--concurrency", "1"])
        #expect(run.status == 0, "\(run.output)")
        #expect(try smtp.envelopeRecipients().flatMap { $0 }.sorted() == emails.sorted())
        #expect(smtp.connections == 1)
        // One session, never greeted again; each delivery ended its transaction, so no RSET between them.
        let commands = smtp.commands
        #expect(commands.filter { $0 == "EHLO" }.count == 1)
        #expect(commands.filter { $0 == "MAIL" }.count == 200)
        #expect(commands.filter { $0 == "RSET" }.isEmpty)
        // Pipelined across messages: one read a message or so, where one at a time needs two at least.
        #expect(smtp.reads < 300, "\(smtp.reads) reads")
        #expect(try outbox(dir)["queued"] as? Int == 0)
    }

    /// systemd stops a unit with SIGTERM and waits (90 s by default) before SIGKILL: a server that never
    /// answers QUIT must not hold the mailer that long.
    @Test func aMailerStopsPromptlyOnSIGTERMWhenTheServerNeverAnswersQUIT() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try campaignd(dir)
        defer { server.stop() }
        let smtp = try SMTPServerProcess(mode: "mute-after-data", out: dir + "/smtp")
        defer { smtp.stop() }
        try sign(dir, ["ada@example.org"])
        let mailer = try MailerProcess.start(dir, transport: "smtp://127.0.0.1:\(smtp.port)?tls=none", log: dir + "/mailer.log")
        defer {
            if mailer.isRunning { kill(mailer.processIdentifier, SIGKILL) }
            mailer.waitUntilExit()
        }
        // Sent and acknowledged; the connection stays open for the next message.
        let acknowledged = try eventually { try deliveries(dir)["ada@example.org"]?["state"] as? String == "sent" }
        #expect(acknowledged)
        kill(mailer.processIdentifier, SIGTERM)
        let exited = eventually(within: 30) { !mailer.isRunning }
        #expect(exited, "still running 30 s after SIGTERM")
        if exited { #expect(mailer.terminationStatus == 0, "\((try? String(contentsOfFile: dir + "/mailer.log", encoding: .utf8)) ?? "")") }
        #expect(smtp.commands.contains("QUIT"), "it said goodbye: \(smtp.commands)")
    }
}
