import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `campaign-mailer` against a real campaignd: a signature's confirmation leaves, its link confirms, and
/// what could not be sent comes back or is given up, as the outbox contract says.
@Suite(.serialized) struct MailerTests {
    /// Runs `campaign-mailer --once` against the service in `dir`; its exit status and output.
    func mailOnce(_ dir: String, transport: String, extra: [String] = []) throws -> (status: Int32, output: String) {
        try MailerProcess.once(dir, transport: transport, extra: extra)
    }

    /// A sendmail that keeps each message in DIR/sent and takes a while over it, so that messages are in
    /// hand (sent, not yet acknowledged) while a test acts.
    func slowSendmail(in dir: String, secondsPerMessage: String) throws -> String {
        let path = dir + "/sendmail"
        try FileManager.default.createDirectory(atPath: dir + "/sent", withIntermediateDirectories: true)
        try """
        #!/bin/sh
        cat > "\(dir)/sent/$$.$(date +%s%N).eml"
        sleep \(secondsPerMessage)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    /// A long-running mailer on the service in `dir`, sending through `sendmail`.
    func startMailer(_ dir: String, sendmail: String, extra: [String] = []) throws -> Process {
        try MailerProcess.start(dir, transport: "sendmail:" + sendmail, extra: ["--concurrency", "2"] + extra)
    }

    /// How many messages in `directory` went to each address (its `To:`).
    func messagesByRecipient(in directory: String) throws -> [String: Int] {
        var received: [String: Int] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let message = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            guard let line = message.split(separator: "\r\n").first(where: { $0.hasPrefix("To: ") }), let open = line.lastIndex(of: "<")
            else { continue }
            received[String(line[line.index(after: open)...].dropLast()), default: 0] += 1
        }
        return received
    }

    /// The token of the confirm link in a message.
    func confirmToken(in message: String) -> String? {
        // Quoted-printable may break the link across lines: undo soft breaks first.
        let text = message.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=3D", with: "=")
        guard let range = text.range(of: "/confirm?token=") else { return nil }
        return String(text[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }

    @Test func aSignaturesConfirmationLeavesByMaildirAndItsLinkConfirms() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        defer { server.stop() }
        let web = try LineClient(path: dir + "/public.sock")
        _ = try web.call("letter.sign", #"{"name":"Ada Lovelace","email":"ada@example.org","showName":true}"#)
        let sent = try mailOnce(dir, transport: "maildir:" + dir + "/mail", extra: ["--print-links"])
        #expect(sent.status == 0, "\(sent.output)")
        #expect(sent.output.contains("signature.confirm for ada@example.org: https://campaign.example.org/confirm?token="))
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/mail/new")
        #expect(files.count == 1)
        let message = try String(contentsOfFile: dir + "/mail/new/" + (files.first ?? ""), encoding: .utf8)
        #expect(message.contains(#"To: "Ada Lovelace" <ada@example.org>"#))
        let token = try #require(confirmToken(in: message))
        #expect(JSON.result(try web.call("tokens.confirm", #"{"token":"\#(token)"}"#))?["status"] as? String == "confirmed")
        #expect(JSON.result(try web.call("signatures.count"))?["confirmed"] as? Int == 1)
        // Acknowledged: nothing is sent twice, and the organisers see it as sent.
        #expect(try mailOnce(dir, transport: "maildir:" + dir + "/mail").status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/mail/new").count == 1)
        let export = try #require(JSON.result(try LineClient(path: dir + "/admin.sock").call("signatures.export")))
        #expect(((export["items"] as? [[String: Any]])?.first?["delivery"] as? [String: Any])?["state"] as? String == "sent")
    }

    /// Claims never ask for more than `outbox.claim` leases at once (100), however many workers.
    @Test func aMailerWithMoreWorkersThanAClaimHoldsDrainsTheOutbox() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        defer { server.stop() }
        let web = try LineClient(path: dir + "/public.sock")
        for index in 0..<3 { _ = try web.call("letter.sign", #"{"name":"Signer \#(index)","email":"s\#(index)@example.org"}"#) }
        let sent = try mailOnce(dir, transport: "maildir:" + dir + "/mail", extra: ["--concurrency", "20"])
        #expect(sent.status == 0, "\(sent.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/mail/new").count == 3)
    }

    /// Organisers start their wording from the shipped templates, change one, and the mailer sends theirs; a
    /// file that names no kind is reported, not silently ignored.
    @Test func theShippedTemplatesAreWrittenOutAndAnEditedOneIsSent() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        defer { server.stop() }
        let templates = dir + "/templates"
        let written = try mailOnce(dir, transport: "maildir:" + dir + "/mail", extra: ["--write-templates", templates])
        #expect(written.status == 0, "\(written.output)")
        let files = try FileManager.default.contentsOfDirectory(atPath: templates)
        #expect(files.contains("signature.confirm.text.mustache") && files.contains("event.cancelled.html.mustache"))
        #expect(files.count == 2 * 9, "\(files.sorted())")
        // Never over the organisers' own files.
        #expect(try mailOnce(dir, transport: "maildir:" + dir + "/mail", extra: ["--write-templates", templates]).status != 0)

        let confirm = templates + "/signature.confirm.text.mustache"
        let shipped = try String(contentsOfFile: confirm, encoding: .utf8)
        let edited = shipped.replacingOccurrences(of: "Please confirm your signature", with: "One click left")
        #expect(edited != shipped)
        try edited.write(toFile: confirm, atomically: true, encoding: .utf8)
        try "typo".write(toFile: templates + "/signature.confrim.text.mustache", atomically: true, encoding: .utf8)

        let web = try LineClient(path: dir + "/public.sock")
        _ = try web.call("letter.sign", #"{"name":"Ada","email":"ada@example.org"}"#)
        let sent = try mailOnce(dir, transport: "maildir:" + dir + "/mail", extra: ["--templates", templates])
        #expect(sent.status == 0, "\(sent.output)")
        #expect(sent.output.contains("signature.confrim.text.mustache"), "the misnamed file is reported: \(sent.output)")
        let mail = try FileManager.default.contentsOfDirectory(atPath: dir + "/mail/new")
        let message = try String(contentsOfFile: dir + "/mail/new/" + (mail.first ?? ""), encoding: .utf8)
        #expect(message.contains("Subject: One click left"), "\(message.prefix(600))")
    }

    @Test func sendmailsTemporaryFailureComesBackAndAPermanentOneIsGivenUp() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        defer { server.stop() }
        let web = try LineClient(path: dir + "/public.sock")
        _ = try web.call("letter.sign", #"{"name":"Bo","email":"bo@example.org"}"#)
        // A sendmail that keeps what it is given and exits as told.
        let script = dir + "/sendmail"
        try """
        #!/bin/sh
        cat > "\(dir)/last-message"
        exit "$(cat "\(dir)/exit-status")"
        """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        try "75".write(toFile: dir + "/exit-status", atomically: true, encoding: .utf8)
        #expect(try mailOnce(dir, transport: "sendmail:" + script).status == 0)
        let admin = try LineClient(path: dir + "/admin.sock")
        var outbox = try #require(JSON.result(try admin.call("service.stats"))?["outbox"] as? [String: Any])
        #expect(outbox["retrying"] as? Int == 1 && outbox["dead"] as? Int == 0)
        #expect(try String(contentsOfFile: dir + "/last-message", encoding: .utf8).contains("bo@example.org"))
        // A new signer, and sendmail says the address cannot be used (EX_NOUSER).
        _ = try web.call("letter.sign", #"{"name":"Cy","email":"cy@example.org"}"#)
        try "67".write(toFile: dir + "/exit-status", atomically: true, encoding: .utf8)
        #expect(try mailOnce(dir, transport: "sendmail:" + script).status == 0)
        outbox = try #require(JSON.result(try admin.call("service.stats"))?["outbox"] as? [String: Any])
        #expect(outbox["dead"] as? Int == 1 && outbox["retrying"] as? Int == 1)
        let items = try #require(JSON.result(try admin.call("signatures.export"))?["items"] as? [[String: Any]])
        let states = items.compactMap { ($0["delivery"] as? [String: Any])?["state"] as? String }
        #expect(states.sorted() == ["failed", "retrying"])
    }

    @Test func credentialsAreNeverTakenFromTheCommandLine() throws {
        let (status, output) = try mailOnce("/nonexistent", transport: "smtp://user:secret@localhost:25")
        #expect(status != 0)
        #expect(output.contains("--transport"), "\(output)")
    }

    @Test func signersConfirmationsLeaveOverSMTPAndTheirLinksConfirm() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        defer { server.stop() }
        // A real SMTP server (aiosmtpd), which keeps each message as a file.
        let smtp = Process()
        smtp.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        smtp.arguments = ["python3", Paths.packageRoot + "/Tests/SMTPClientTests/smtp_server.py", "--mode", "sink", "--out", dir + "/smtp"]
        let input = Pipe()
        let output = Pipe()
        smtp.standardInput = input
        smtp.standardOutput = output
        try smtp.run()
        defer {
            try? input.fileHandleForWriting.close()
            smtp.waitUntilExit()
        }
        let first = FDReader(fd: output.fileHandleForReading.fileDescriptor).readLine(timeout: 20) ?? ""
        let port = try #require(Int(first.replacingOccurrences(of: "PORT ", with: "")), "smtp server said \(first)")
        let web = try LineClient(path: dir + "/public.sock")
        for name in ["ada", "bo", "cy"] {
            _ = try web.call("letter.sign", #"{"name":"\#(name)","email":"\#(name)@example.org"}"#)
        }
        let sent = try mailOnce(dir, transport: "smtp://127.0.0.1:\(port)?tls=none")
        #expect(sent.status == 0, "\(sent.output)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/smtp").filter { $0.hasSuffix(".eml") }.sorted()
        #expect(files.count == 3)
        let message = try String(contentsOfFile: dir + "/smtp/" + (files.first ?? ""), encoding: .utf8)
        let token = try #require(confirmToken(in: message))
        #expect(JSON.result(try web.call("tokens.confirm", #"{"token":"\#(token)"}"#))?["status"] as? String == "confirmed")
        #expect(JSON.result(try web.call("signatures.count"))?["confirmed"] as? Int == 1)
        let stats = try #require(JSON.result(try LineClient(path: dir + "/admin.sock").call("service.stats")))
        #expect((stats["outbox"] as? [String: Any])?["queued"] as? Int == 0)
    }

    /// `make run`'s script: campaignd and the mailer together, the confirmation link printed, both stopped by one signal.
    @Test func makeRunStartsCampaigndTheMailerAndTheSiteWhereANewcomerSignsAndConfirms() async throws {
        let dir = try Paths.temporaryDirectory()
        let port = try SMTPServerProcess.freePort()
        let site = "http://127.0.0.1:\(port)"
        let run = Process()
        // As a terminal starts it: with no signal blocked (a child of this test process inherits a mask
        // that blocks SIGTERM, which bash keeps and so would never run its trap).
        run.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        run.arguments = [
            "python3", "-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])",
            Paths.packageRoot + "/scripts/run.sh",
        ]
        run.currentDirectoryURL = URL(fileURLWithPath: Paths.packageRoot)
        run.environment = ProcessInfo.processInfo.environment.merging(
            ["BIN": Paths.buildDirectory, "STATE": dir + "/var", "PORT": "\(port)"]) { $1 }
        let output = Pipe()
        run.standardOutput = output
        run.standardError = output
        try run.run()
        defer {
            if run.isRunning { run.terminate() }
        }
        let reader = FDReader(fd: output.fileHandleForReading.fileDescriptor)
        let health = try #require(URL(string: site + "/healthz"))
        let home = try #require(URL(string: site + "/"))
        var up = false
        for _ in 0..<200 where !up {
            up = (try? await URLSession.shared.data(from: health).1 as? HTTPURLResponse)?.statusCode == 200
            if !up { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(up, "the site did not answer on \(site)")

        // What a newcomer does: sign in the browser, follow the printed link, see the count move.
        var form = URLRequest(url: try #require(URL(string: site + "/sign")))
        form.httpMethod = "POST"
        form.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        form.setValue(site, forHTTPHeaderField: "Origin")
        form.httpBody = Data("name=Ada&email=ada%40example.org".utf8)
        let (thanks, signed) = try await URLSession.shared.data(for: form)
        #expect((signed as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: thanks, as: UTF8.self).contains("Check your email"))
        var link: String? = nil
        while link == nil, let line = reader.readLine(timeout: 20) {
            if let range = line.range(of: "signature.confirm for ada@example.org: ") { link = String(line[range.upperBound...]) }
        }
        let confirmURL = try #require(link.flatMap { URL(string: $0.trimmingCharacters(in: .whitespaces)) })
        #expect(confirmURL.absoluteString.hasPrefix(site + "/confirm?token="))
        let (confirmed, _) = try await URLSession.shared.data(from: confirmURL)
        #expect(String(decoding: confirmed, as: UTF8.self).contains("Ada"))
        let (page, _) = try await URLSession.shared.data(from: home)
        #expect(String(decoding: page, as: UTF8.self).contains("data-live=\"signatures.confirmed\">1</strong>"))

        run.terminate()
        run.waitUntilExit()
        // All three are gone: nothing answers on the sockets or the port.
        #expect((try? LineClient(path: dir + "/var/public.sock")) == nil)
        #expect((try? LineClient(path: dir + "/var/admin.sock")) == nil)
        #expect((try? await URLSession.shared.data(from: health)) == nil)
    }

    /// At least once, never lost: the mailer killed (SIGKILL) at seeded random moments while people sign,
    /// 10 times; every signer's message is delivered in the end, the ones it had in hand once their lease
    /// ran out (a second message with a new token).
    @Test func aMailerKilledAtRandomMomentsLosesNoMessage() throws {
        let seed = ProcessInfo.processInfo.environment["CAMPAIGND_FAULT_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64.max)
        print("MailerTests.sigkill: seed \(seed) (CAMPAIGND_FAULT_SEED=\(seed) replays the plan)")
        var rng = SplitMix64(seed: seed)
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir, extra: ["--sign-burst", "100000", "--sign-sustained", "100000"])
        defer { server.stop() }
        let web = try LineClient(path: dir + "/public.sock")
        // A sendmail that takes 50 ms a message, so that a kill lands while messages are in hand: sent,
        // not yet acknowledged.
        let sendmail = try slowSendmail(in: dir, secondsPerMessage: "0.05")
        var signers: Set<String> = []
        for round in 0..<10 {
            // People sign; then a mailer starts on the queue and is killed somewhere in its work.
            for i in 0..<40 {
                let email = "r\(round).s\(i)@example.org"
                #expect(JSON.result(try web.call("letter.sign", #"{"name":"Signer","email":"\#(email)"}"#))?["accepted"] as? Bool == true)
                signers.insert(email)
            }
            let mailer = try startMailer(dir, sendmail: sendmail, extra: ["--lease-seconds", "10"])
            usleep(UInt32.random(in: 100_000...600_000, using: &rng))
            kill(mailer.processIdentifier, SIGKILL)
            mailer.waitUntilExit()
        }
        // What a killed mailer held comes back when its lease ends; one more mailer sends the rest.
        sleep(11)
        #expect(try mailOnce(dir, transport: "sendmail:" + sendmail).status == 0)
        let outbox = try #require(JSON.result(try LineClient(path: dir + "/admin.sock").call("service.stats"))?["outbox"] as? [String: Any])
        #expect(outbox["queued"] as? Int == 0 && outbox["dead"] as? Int == 0, "\(outbox)")
        let received = try messagesByRecipient(in: dir + "/sent")
        print(
            "MailerTests.sigkill: \(signers.count) signers, \(received.values.reduce(0, +)) messages delivered (re-sent after a kill: \(received.values.filter { $0 > 1 }.count))"
        )
        let missing = signers.subtracting(received.keys)
        #expect(missing.isEmpty, "seed \(seed): never delivered: \(missing.sorted().prefix(10))")
    }

    /// Two mailers on one outbox: a claimed message is leased to one of them, so within its lease no
    /// message goes out twice.
    @Test func twoMailersOnOneOutboxNeverSendTheSameMessageTwice() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir, extra: ["--sign-burst", "100000", "--sign-sustained", "100000"])
        defer { server.stop() }
        let web = try LineClient(path: dir + "/public.sock")
        for i in 0..<120 { _ = try web.call("letter.sign", #"{"name":"Signer","email":"s\#(i)@example.org"}"#) }
        let sendmail = try slowSendmail(in: dir, secondsPerMessage: "0.01")
        let mailers = try (0..<2).map { _ in try startMailer(dir, sendmail: sendmail) }
        let admin = try LineClient(path: dir + "/admin.sock")
        for _ in 0..<100 {
            let outbox = JSON.result(try admin.call("service.stats"))?["outbox"] as? [String: Any]
            if outbox?["queued"] as? Int == 0 { break }
            usleep(100_000)
        }
        for mailer in mailers {
            kill(mailer.processIdentifier, SIGTERM)
            mailer.waitUntilExit()
        }
        let received = try messagesByRecipient(in: dir + "/sent")
        #expect(received.count == 120)
        #expect(received.values.allSatisfy { $0 == 1 }, "sent twice: \(received.filter { $0.value > 1 }.keys.sorted())")
    }
}
