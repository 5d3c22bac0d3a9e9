import Foundation
import Testing

/// SPEC §4.1 through the real binary: no byte a public listener sends, and no line campaignd logs, carries a
/// person's email, phone number, IP address, user agent, postal code or token. `PrivacyTests` checks the
/// handlers; this drives every public method over the sockets, error paths, batches, framings and the change
/// feed included, and scans what came back.
@Suite(.serialized) struct PrivacyWireTests {
    @Test func publicListenerNeverSendsPersonalData() throws {
        try LeakScanner.selfTest()
        let dir = try Paths.temporaryDirectory()
        let server = try PrivacyFlow.start(dir)
        let flow = try PrivacyFlow(directory: dir)
        try flow.run()
        server.stop()

        let transcript = flow.transcript.text
        #expect(transcript.utf8.count > 10_000, "the flow recorded too little to be a meaningful scan")
        let reference = try LeakScanner.publicReference()
        // A positive control: a signer's public name and organisation are in the replies, so the same scan
        // with them as secrets must fire.
        #expect(!LeakScanner.findings(in: transcript, secrets: ["Wren H.", "Halloway Joinery"], publicReference: reference).isEmpty)
        let findings = LeakScanner.findings(in: transcript, secrets: flow.secrets, publicReference: reference)
        #expect(findings.isEmpty, "public listener sent personal data:\n\(findings.joined(separator: "\n"))")
    }

    @Test func databaseAndAdminSocketAreOwnerOnly() throws {
        // AdminListenerTests checks the admin socket and the database file under the test runner's umask.
        // Here campaignd starts under umask 000, so only its own care keeps the state private, and every
        // file it leaves in the state directory (the WAL and shared-memory files too) is checked.
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess(
            executable: "/bin/sh",
            arguments: ["-c", #"umask 000; exec "$0" "$@""#, Paths.campaignd] + PrivacyFlow.arguments(dir), directory: dir)
        try server.waitForSocket(dir + "/admin.sock")
        let web = try LineClient(path: dir + "/public.sock")
        let admin = try LineClient(path: dir + "/admin.sock")
        #expect(
            JSON.result(try web.call("letter.sign", #"{"name":"Mode","email":"mode.check@example.org"}"#))?["accepted"] as? Bool == true)
        #expect((JSON.result(try admin.call("outbox.claim"))?["messages"] as? [[String: Any]])?.count == 1)

        func mode(_ path: String) throws -> Int {
            try #require((FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue)
        }
        let state = dir + "/state"
        #expect(try mode(state) == 0o700)
        #expect(try mode(dir + "/admin.sock") == 0o600)
        let entries = try FileManager.default.contentsOfDirectory(atPath: state)
        #expect(entries.contains("campaign.sqlite"))
        #expect(entries.contains("campaign.sqlite-wal"), "the WAL file was expected while the service runs: \(entries)")
        for entry in entries {
            #expect(try mode(state + "/" + entry) == 0o600, "\(entry) is not owner-only")
        }
        server.stop()
    }

    @Test func logsNeverContainTokensOrEmails() throws {
        try LeakScanner.selfTest()
        // Once with stderr as the journal would see it (`<7>` priorities), once as a plain terminal.
        for journal in [true, false] {
            let dir = try Paths.temporaryDirectory()
            let log = dir + "/stderr.log"
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            var environment: [String: String] = [:]
            if journal {
                var st = stat()
                try #require(stat(log, &st) == 0)
                environment["JOURNAL_STREAM"] = "\(st.st_dev):\(st.st_ino)"
            }
            let server = try ServerProcess(
                arguments: PrivacyFlow.arguments(dir) + ["--log-level", "trace"], directory: dir, environment: environment,
                stderrPath: log)
            try server.waitForSocket(dir + "/admin.sock")
            let flow = try PrivacyFlow(directory: dir)
            try flow.run()
            // A graceful stop, so that shutdown logging is scanned too.
            server.signal(SIGTERM)
            _ = server.waitForExit(timeout: 10)
            server.stop()

            let stderr = server.stderr
            #expect(stderr.contains("serving"), "stderr was not captured: \(stderr)")
            #expect(stderr.hasPrefix("<") == journal, "journal=\(journal) log format not as expected: \(stderr.prefix(200))")
            // A positive control: the socket paths are logged, so the same scan with them as secrets must fire.
            #expect(!LeakScanner.findings(in: stderr, secrets: [dir + "/public.sock"], publicReference: "").isEmpty)
            let findings = LeakScanner.findings(in: stderr, secrets: flow.secrets, publicReference: "")
            #expect(findings.isEmpty, "journal=\(journal): campaignd logged personal data:\n\(findings.joined(separator: "\n"))")
        }
    }
}

// MARK: - The flow

/// Drives every public method through full flows on the public socket, with distinctive personal data, and
/// the admin socket where a flow needs an organiser (outbox, moderation, events). Collects every secret
/// it used or saw: the scan looks for each of them.
final class PrivacyFlow: @unchecked Sendable {
    let directory: String
    /// Every line a public socket sent.
    let transcript = Transcript()
    let admin: LineClient
    private(set) var secrets: [String] = []
    private(set) var tokens: [String] = []

    static func arguments(_ dir: String) -> [String] {
        [
            "--listen", dir + "/public.sock", "--admin-listen", dir + "/admin.sock", "--state-dir", dir + "/state", "--campaign",
            Paths.exampleCampaign, "--max-frame-bytes", "16384",
        ]
    }

    static func start(_ dir: String) throws -> ServerProcess {
        let server = try ServerProcess(arguments: arguments(dir), directory: dir)
        try server.waitForSocket(dir + "/admin.sock")
        return server
    }

    init(directory: String) throws {
        self.directory = directory
        admin = try LineClient(path: directory + "/admin.sock")
    }

    func publicClient() throws -> LineClient { try LineClient(path: directory + "/public.sock", transcript: transcript) }

    /// Marks strings as personal: the scan fails on any of them.
    func personal(_ values: String...) { secrets.append(contentsOf: values) }

    /// A phone number and the forms a service might normalise it to.
    func phone(_ value: String) {
        let digits = value.filter(\.isNumber)
        personal(value, digits, "+" + digits, String(digits.suffix(9)))
    }

    /// Claims every waiting outbox message on the admin socket; their tokens become secrets.
    @discardableResult
    func claim() throws -> [[String: Any]] {
        let reply = try admin.call("outbox.claim", #"{"limit":100}"#)
        let messages = try #require(JSON.result(reply)?["messages"] as? [[String: Any]], "outbox.claim: \(reply)")
        for message in messages {
            if let token = message["token"] as? String {
                tokens.append(token)
                secrets.append(token)
            }
            if let email = (message["to"] as? [String: Any])?["email"] as? String { secrets.append(email) }
        }
        return messages
    }

    func tokenOf(kind: String, in messages: [[String: Any]], to email: String) -> String? {
        messages.first {
            ($0["kind"] as? String) == kind && (($0["to"] as? [String: Any])?["email"] as? String)?.lowercased() == email.lowercased()
        }?["token"] as? String
    }

    func run() throws {
        let web = try publicClient()
        let watcher = try publicClient()
        let subscribed = try watcher.call("campaign.subscribe", #"{"topics":["signatures","fundraiser","events"]}"#)
        #expect((JSON.result(subscribed)?["topics"] as? [String])?.count == 3)

        // Reading methods, before and after the writes.
        func readEverything() throws {
            for method in [
                "rpc.discover", "service.health", "campaign.get", "letter.get", "signatures.count", "fundraiser.get", "pledges.recent",
                "events.list", "tweets.list",
            ] {
                #expect(JSON.result(try web.call(method)) != nil, "\(method) failed")
            }
            for filter in ["all", "featured", "organizations", "customers"] {
                #expect(JSON.result(try web.call("signatures.list", #"{"filter":"\#(filter)","limit":100}"#)) != nil)
            }
            _ = try web.call("events.get", #"{"eventId":"connect-2027-protest"}"#)
            _ = try web.call("pledges.recent", #"{"limit":50}"#)
        }
        try readEverything()

        try signatures(web)
        try pledges(web)
        try rsvps(web)
        try invalidRequests(web)
        try tweets(web)

        try readEverything()
        _ = try web.call("campaign.unsubscribe", #"{"topics":["events"]}"#)
        // The watcher saw the writes as campaign.changed notifications; keep every one.
        watcher.drain(quiet: 1.5)
        #expect(transcript.lines.contains { $0.contains(#""method":"campaign.changed""#) }, "no campaign.changed was recorded")
        #expect(JSON.result(try watcher.call("campaign.unsubscribe")) != nil)
        web.drain(quiet: 0.2)
        watcher.drain(quiet: 0.2)
    }

    // MARK: Letter and signatures

    func signatures(_ web: LineClient) throws {
        let email = "Wren.Halloway+open-letter@Example.ORG"
        let ip = "198.51.100.77"
        let agent = "Mozilla/5.0 (X11; PrivacyWireProbe; rv:7.3) Gecko/20100101 CanaryFox/41.7"
        let postal = "EH99 7QZ"
        personal(email, "wren.halloway@example.org", "wren.halloway+open-letter", ip, agent, "PrivacyWireProbe", postal)
        let full =
            #"{"name":"Wren H.","email":"\#(email)","organization":"Halloway Joinery","jobTitle":"Owner","isCustomer":true,"country":"GB","postalCode":"\#(postal)","comment":"We pay for Northwind every year.","showName":true,"contactOptIn":true,"source":"newsletter","client":{"ip":"\#(ip)","userAgent":"\#(agent)"}}"#
        let first = try web.call("letter.sign", full)
        #expect(JSON.result(first)?["accepted"] as? Bool == true, "letter.sign: \(first)")
        // Repeats in other spellings of the same person.
        for variant in ["wren.halloway@example.org", "WREN.HALLOWAY+again@EXAMPLE.org"] {
            personal(variant)
            let repeated = try web.call("letter.sign", full.replacingOccurrences(of: email, with: variant))
            #expect(JSON.result(repeated)?["accepted"] as? Bool == true)
        }

        // A gmail signer from an IPv6 address: canonical form drops the dots and unifies the domain.
        let gmail = "Ossian.Pettersen@googlemail.com"
        let ip6 = "2001:db8:4c::77a"
        let agent2 = "curl/8.99.0-privacy-canary"
        personal(gmail, "ossianpettersen@gmail.com", "ossian.pettersen", ip6, agent2, "02139-4307")
        let gmailSign =
            #"{"name":"Ossian P.","email":"\#(gmail)","organization":"Pettersen Data","showName":true,"postalCode":"02139-4307","client":{"ip":"\#(ip6)","userAgent":"\#(agent2)"}}"#
        #expect(JSON.result(try web.call("letter.sign", gmailSign))?["accepted"] as? Bool == true)

        // Three more new signatures from the first address: the last is over the burst and kept as suspect.
        for i in 1...3 {
            let burst = "burst.signer\(i)@example.net"
            personal(burst)
            let reply = try web.call(
                "letter.sign",
                #"{"name":"Burst \#(i)","email":"\#(burst)","showName":true,"client":{"ip":"\#(ip)","userAgent":"\#(agent)"}}"#)
            #expect(JSON.result(reply)?["accepted"] as? Bool == true)
        }
        let export = try #require(JSON.result(try admin.call("signatures.export", #"{"limit":1000}"#))?["items"] as? [[String: Any]])
        let suspect = try #require(export.first { $0["status"] as? String == "suspect" }, "no suspect was made: \(export)")
        let suspectID = try #require(suspect["id"] as? String)

        var messages = try claim()
        let wrenToken = try #require(
            tokenOf(kind: "signature.confirm", in: messages, to: "Wren.Halloway+open-letter@example.org"), "\(messages)")
        let gmailToken = try #require(tokenOf(kind: "signature.confirm", in: messages, to: gmail), "\(messages)")
        for token in [wrenToken, gmailToken] {
            _ = try web.call("tokens.get", #"{"token":"\#(token)"}"#)
            let confirmed = try web.call("tokens.confirm", #"{"token":"\#(token)"}"#)
            #expect(JSON.result(confirmed)?["status"] as? String == "confirmed", "tokens.confirm: \(confirmed)")
            _ = try web.call("tokens.confirm", #"{"token":"\#(token)"}"#)  // mail scanners click twice
            _ = try web.call("tokens.get", #"{"token":"\#(token)"}"#)
        }
        // Every other token the outbox carried (repeats' confirmations, the burst signers).
        for message in messages {
            guard let token = message["token"] as? String, token != wrenToken, token != gmailToken else { continue }
            _ = try web.call("tokens.confirm", #"{"token":"\#(token)"}"#)
        }
        // A repeat after confirmation: the duplicate notice goes by email; the reply is the same.
        _ = try web.call("letter.sign", full)

        // Organisers accept the suspect and feature a signer; the accepted one confirms.
        _ = try admin.call("signatures.moderate", #"{"signatureId":"\#(suspectID)","action":"accept"}"#)
        if let wrenID = export.first(where: { ($0["email"] as? String)?.hasPrefix("Wren") == true })?["id"] as? String {
            _ = try admin.call("signatures.moderate", #"{"signatureId":"\#(wrenID)","action":"feature"}"#)
        }
        messages = try claim()
        for token in messages.compactMap({ $0["token"] as? String }) {
            _ = try web.call("tokens.confirm", #"{"token":"\#(token)"}"#)
        }
        let list = try web.call("signatures.list", #"{"filter":"featured"}"#)
        #expect((JSON.result(list)?["items"] as? [[String: Any]])?.isEmpty == false, "featured list: \(list)")
        if let next = JSON.result(try web.call("signatures.list", #"{"limit":2}"#))?["next"] as? String {
            _ = try web.call("signatures.list", #"{"limit":2,"after":"\#(next)"}"#)
        }

        // The gmail signer withdraws: a tombstone stays.
        let withdrawn = try web.call("tokens.cancel", #"{"token":"\#(gmailToken)"}"#)
        #expect(JSON.result(withdrawn) != nil, "tokens.cancel: \(withdrawn)")
        _ = try web.call("tokens.cancel", #"{"token":"\#(gmailToken)"}"#)
        _ = try web.call("tokens.get", #"{"token":"\#(gmailToken)"}"#)
        _ = try web.call("tokens.confirm", #"{"token":"\#(gmailToken)"}"#)  // -32002 now, still nothing personal
        _ = try web.call("signatures.count")
    }

    // MARK: Fundraiser and pledges

    func pledges(_ web: LineClient) throws {
        let email = "Marit.Okonkwo@Example.com"
        let ip = "203.0.113.58"
        let agent = "PledgeCanary/3.1 (Macintosh; Intel Mac OS X 14_7)"
        personal(email, "marit.okonkwo@example.com", ip, agent, "PledgeCanary")
        let pledge =
            #"{"name":"Marit O.","email":"\#(email)","amount":{"amountMinor":2500,"currency":"USD"},"showName":true,"message":"For the buses.","contactOptIn":true,"idempotencyKey":"privacy-wire-k1","source":"letter-thanks","client":{"ip":"\#(ip)","userAgent":"\#(agent)"}}"#
        let created = try web.call("pledges.create", pledge)
        #expect(JSON.result(created)?["accepted"] as? Bool == true, "pledges.create: \(created)")
        _ = try web.call("pledges.create", pledge)  // the same idempotency key: nothing new

        let messages = try claim()
        let token = try #require(tokenOf(kind: "pledge.confirm", in: messages, to: "Marit.Okonkwo@example.com"), "\(messages)")
        _ = try web.call("tokens.get", #"{"token":"\#(token)"}"#)
        let confirmed = try web.call("tokens.confirm", #"{"token":"\#(token)"}"#)
        #expect(JSON.result(confirmed)?["status"] as? String == "confirmed", "tokens.confirm pledge: \(confirmed)")
        _ = try web.call("pledges.recent")
        _ = try web.call("fundraiser.get")

        // More pledges from the same address until the limit answers -32004.
        var limited = false
        for i in 1...6 where !limited {
            let spam = "pledge.burst\(i)@example.com"
            personal(spam)
            let reply = try web.call(
                "pledges.create",
                #"{"name":"Burst \#(i)","email":"\#(spam)","amount":{"amountMinor":500,"currency":"USD"},"client":{"ip":"\#(ip)","userAgent":"\#(agent)"}}"#
            )
            limited = JSON.errorCode(reply) == -32004
        }
        #expect(limited, "pledging never hit the per-address limit")

        // A second pledge is cancelled by its holder.
        let other = "Second.Pledger@example.org"
        personal(other, "second.pledger")
        _ = try web.call(
            "pledges.create",
            #"{"name":"Second","email":"\#(other)","amount":{"amountMinor":900,"currency":"USD"},"client":{"ip":"203.0.113.59"}}"#)
        personal("203.0.113.59")
        for message in try claim() {
            guard let token = message["token"] as? String else { continue }
            _ = try web.call("tokens.cancel", #"{"token":"\#(token)"}"#)
            _ = try web.call("tokens.get", #"{"token":"\#(token)"}"#)
        }
        _ = try web.call("fundraiser.get")
    }

    // MARK: Events and RSVPs

    func rsvps(_ web: LineClient) throws {
        let email = "Teodor.Vance@example.net"
        let ip = "192.0.2.141"
        let agent = "RSVPCanary/5.0 (Android 15; Pixel 9)"
        let phoneNumber = "+1 (415) 555-0173"
        personal(email, "teodor.vance", ip, agent, "RSVPCanary")
        phone(phoneNumber)
        let rsvp =
            #"{"eventId":"connect-2027-protest","name":"Teodor V.","email":"\#(email)","guests":2,"phone":"\#(phoneNumber)","contactOptIn":true,"source":"letter-thanks","client":{"ip":"\#(ip)","userAgent":"\#(agent)"}}"#
        let created = try web.call("rsvps.create", rsvp)
        #expect(JSON.result(created)?["accepted"] as? Bool == true, "rsvps.create: \(created)")
        _ = try web.call("rsvps.create", rsvp)  // a repeat: the same reply

        // A small event: one going, one waitlisted, promoted when the first cancels; then the event is cancelled.
        let event = try admin.call(
            "events.create",
            #"{"id":"privacy-meetup","title":"Meetup","description":"Small.","startsAt":"2027-05-01T18:00:00Z","timeZone":"Europe/London","location":{"venue":"Hall","address":"1 Public Street","city":"Leeds","country":"GB","postalCode":"LS1 1AA"},"capacity":2,"maxGuests":3}"#
        )
        #expect(JSON.result(event) != nil, "events.create: \(event)")
        let going = "Going.Person@example.org"
        let waiting = "Waiting.Person@example.org"
        let phone2 = "+44 7700 900461"
        personal(going, waiting)
        phone(phone2)
        _ = try web.call(
            "rsvps.create",
            #"{"eventId":"privacy-meetup","name":"Going","email":"\#(going)","guests":1,"phone":"\#(phone2)","client":{"ip":"\#(ip)"}}"#)
        _ = try web.call(
            "rsvps.create", #"{"eventId":"privacy-meetup","name":"Waiting","email":"\#(waiting)","guests":1,"client":{"ip":"\#(ip)"}}"#)
        var messages = try claim()
        let teodor = try #require(tokenOf(kind: "rsvp.confirm", in: messages, to: email), "\(messages)")
        _ = try web.call("tokens.get", #"{"token":"\#(teodor)"}"#)
        _ = try web.call("tokens.confirm", #"{"token":"\#(teodor)"}"#)
        let waitingToken = try #require(tokenOf(kind: "rsvp.confirm", in: messages, to: waiting), "\(messages)")
        let waitlisted = try web.call("tokens.get", #"{"token":"\#(waitingToken)"}"#)
        #expect(JSON.result(waitlisted)?["status"] as? String == "waitlisted", "\(waitlisted)")
        let goingToken = try #require(tokenOf(kind: "rsvp.confirm", in: messages, to: going), "\(messages)")
        _ = try web.call("tokens.cancel", #"{"token":"\#(goingToken)"}"#)
        _ = try web.call("tokens.get", #"{"token":"\#(goingToken)"}"#)
        _ = try web.call("tokens.get", #"{"token":"\#(waitingToken)"}"#)
        _ = try web.call("events.get", #"{"eventId":"privacy-meetup"}"#)
        _ = try admin.call("events.cancel", #"{"eventId":"privacy-meetup"}"#)
        messages = try claim()
        #expect(messages.contains { $0["kind"] as? String == "event.cancelled" }, "\(messages)")
        _ = try web.call("events.get", #"{"eventId":"privacy-meetup"}"#)
        let onCancelled = try web.call(
            "rsvps.create",
            #"{"eventId":"privacy-meetup","name":"Late","email":"\#(going)","phone":"\#(phone2)","client":{"ip":"\#(ip)","userAgent":"\#(agent)"}}"#
        )
        #expect(JSON.errorCode(onCancelled) == -32003, "\(onCancelled)")
        _ = try web.call("events.list")

        // RSVPs from one address until -32004.
        let spamIP = "192.0.2.199"
        personal(spamIP)
        var limited = false
        for i in 1...8 where !limited {
            let spam = "rsvp.burst\(i)@example.net"
            personal(spam)
            let reply = try web.call(
                "rsvps.create", #"{"eventId":"connect-2027-protest","name":"R\#(i)","email":"\#(spam)","client":{"ip":"\#(spamIP)"}}"#)
            limited = JSON.errorCode(reply) == -32004
        }
        #expect(limited, "RSVPs never hit the per-address limit")
        let guestsOver = try web.call(
            "rsvps.create",
            #"{"eventId":"connect-2027-protest","name":"Many","email":"guests.over@example.net","guests":9,"phone":"+1 212 555 0148","client":{"ip":"192.0.2.77"}}"#
        )
        personal("guests.over@example.net", "192.0.2.77")
        phone("+1 212 555 0148")
        #expect(JSON.errorCode(guestsOver) == -32602)
        let unknownEvent = try web.call(
            "rsvps.create", #"{"eventId":"no-such-event","name":"Lost","email":"lost.rsvp@example.net","phone":"+1 646 555 0102"}"#)
        personal("lost.rsvp@example.net")
        phone("+1 646 555 0102")
        #expect(JSON.errorCode(unknownEvent) == -32001)
    }

    // MARK: Tweets

    func tweets(_ web: LineClient) throws {
        _ = try web.call("tweets.list")
        web.send(#"{"jsonrpc":"2.0","method":"tweets.click","params":{"tweetId":"tweet-1"}}"# + "\n")
        _ = try web.call("tweets.click", #"{"tweetId":"tweet-2"}"#)
        _ = try web.call("tweets.click", #"{"tweetId":"no-such-tweet"}"#)
    }

    // MARK: Invalid requests that carry personal data

    func invalidRequests(_ web: LineClient) throws {
        let ip = "198.51.100.81"
        let agent = "ErrorPathCanary/2.2 (Windows NT 10.0; Win64; x64)"
        let postal = "SW1W 0NY"
        personal(ip, agent, "ErrorPathCanary", postal)

        func expectCode(_ code: Int, _ method: String, _ params: String) throws {
            let reply = try web.call(method, params)
            #expect(JSON.errorCode(reply) == code, "\(method) \(params.prefix(120)): \(reply)")
        }
        // A malformed email (echoing it would leak what the person typed).
        let bad = "Quincy.Bad@Mail@example.org"
        personal(bad, "quincy.bad")
        try expectCode(
            -32602, "letter.sign",
            #"{"name":"Quincy","email":"\#(bad)","postalCode":"\#(postal)","client":{"ip":"\#(ip)","userAgent":"\#(agent)"}}"#)
        try expectCode(-32602, "pledges.create", #"{"name":"Quincy","email":"\#(bad)","amount":{"amountMinor":1000,"currency":"USD"}}"#)
        try expectCode(-32602, "rsvps.create", #"{"eventId":"connect-2027-protest","name":"Quincy","email":"\#(bad)"}"#)
        // An over-long name next to a valid email, postal code and client.
        let valid = "Long.Name.Person@example.org"
        personal(valid, "long.name.person")
        try expectCode(
            -32602, "letter.sign",
            #"{"name":"\#(String(repeating: "N", count: 101))","email":"\#(valid)","postalCode":"\#(postal)","client":{"ip":"\#(ip)","userAgent":"\#(agent)"}}"#
        )
        // Unknown fields, one holding a phone number; an over-long user agent; a bad country and postal code.
        let typo = "Field.Typo@example.org"
        personal(typo, "field.typo")
        phone("+33 6 12 34 56 78")
        try expectCode(-32602, "letter.sign", #"{"name":"Typo","email":"\#(typo)","phone":"+33 6 12 34 56 78","client":{"ip":"\#(ip)"}}"#)
        try expectCode(
            -32602, "pledges.create",
            #"{"name":"Typo","email":"\#(typo)","telephone":"+33 6 12 34 56 78","amount":{"amountMinor":1000,"currency":"USD"}}"#)
        try expectCode(-32602, "letter.sign", #"{"name":"Typo","email":"\#(typo)","client":{"ip":"\#(ip)","email":"\#(typo)"}}"#)
        let longAgent = "OverlongAgentCanary/1.0 " + String(repeating: "z", count: 600)
        personal("OverlongAgentCanary")
        try expectCode(-32602, "letter.sign", #"{"name":"Typo","email":"\#(typo)","client":{"ip":"\#(ip)","userAgent":"\#(longAgent)"}}"#)
        try expectCode(-32602, "letter.sign", #"{"name":"Typo","email":"\#(typo)","country":"United Kingdom","postalCode":"\#(postal)"}"#)
        let longPostal = "POSTCANARY " + String(repeating: "9", count: 30)
        personal("POSTCANARY")
        try expectCode(-32602, "letter.sign", #"{"name":"Typo","email":"\#(typo)","postalCode":"\#(longPostal)"}"#)
        // A forwarded-for list where an address belongs, and a bad address next to a person's.
        let forwarded = "198.51.100.78, 10.44.0.9"
        personal("198.51.100.78", "10.44.0.9")
        try expectCode(
            -32602, "letter.sign", #"{"name":"Typo","email":"\#(typo)","client":{"ip":"\#(forwarded)","userAgent":"\#(agent)"}}"#)
        try expectCode(
            -32602, "pledges.create",
            #"{"name":"Typo","email":"\#(typo)","amount":{"amountMinor":1000,"currency":"USD"},"client":{"ip":"\#(forwarded)"}}"#)
        try expectCode(
            -32602, "rsvps.create", #"{"eventId":"connect-2027-protest","name":"Typo","email":"\#(typo)","client":{"ip":"\#(forwarded)"}}"#)
        // Money errors next to personal data.
        try expectCode(
            -32602, "pledges.create",
            #"{"name":"Typo","email":"\#(typo)","amount":{"amountMinor":25.5,"currency":"USD"},"client":{"ip":"\#(ip)"}}"#)
        try expectCode(
            -32602, "pledges.create",
            #"{"name":"Typo","email":"\#(typo)","amount":{"amountMinor":1000,"currency":"EUR"},"client":{"ip":"\#(ip)"}}"#)
        try expectCode(
            -32602, "pledges.create",
            #"{"name":"Typo","email":"\#(typo)","amount":{"amountMinor":1,"currency":"USD"},"client":{"ip":"\#(ip)"}}"#)
        // Wrong types where personal data goes.
        try expectCode(-32602, "letter.sign", #"{"name":"Typo","email":["\#(typo)"]}"#)
        try expectCode(-32602, "rsvps.create", #"{"eventId":"connect-2027-protest","name":"Typo","email":"\#(typo)","phone":33612345678}"#)
        // Bad tokens: a real one altered, an email pasted as a token, an over-long one.
        if let real = tokens.first {
            let altered = String(real.dropLast()) + (real.hasSuffix("A") ? "B" : "A")
            personal(altered)
            try expectCode(-32001, "tokens.get", #"{"token":"\#(altered)"}"#)
            try expectCode(-32001, "tokens.confirm", #"{"token":"\#(altered)"}"#)
            try expectCode(-32001, "tokens.cancel", #"{"token":"\#(altered)"}"#)
            try expectCode(-32602, "tokens.get", #"{"token":"\#(real)","email":"\#(typo)"}"#)
        }
        let pasted = "Pasted.Email@example.org"
        personal(pasted)
        try expectCode(-32001, "tokens.get", #"{"token":"\#(pasted)"}"#)
        try expectCode(-32602, "tokens.confirm", #"{"token":"\#(pasted)\#(String(repeating: "x", count: 130))"}"#)
        // Admin methods, and a misspelt method, on the public socket with personal data in their params.
        try expectCode(-32601, "signatures.export", #"{"status":"pending","email":"\#(typo)"}"#)
        try expectCode(-32601, "outbox.claim", "{}")
        try expectCode(-32601, "rsvps.export", #"{"eventId":"connect-2027-protest"}"#)
        try expectCode(-32601, "letter.signn", #"{"name":"Typo","email":"\#(typo)","client":{"ip":"\#(ip)"}}"#)
        // Array params and an extra envelope member carrying an email.
        try expectCode(-32602, "letter.sign", #"["Typo","\#(typo)","\#(ip)"]"#)
        try web.exchange(
            #"{"jsonrpc":"2.0","id":"env","method":"letter.sign","params":{"name":"T","email":"\#(typo)"},"email":"\#(typo)"}"# + "\n",
            replies: 1)
        try web.exchange(#"{"jsonrpc":"2.0","id":"nullparams","method":"letter.sign","params":null}"# + "\n", replies: 1)
        // A parse error in the middle of personal data, and a duplicate member.
        let truncated = "Truncated.Person@example.org"
        personal(truncated)
        try web.exchange(
            #"{"jsonrpc":"2.0","id":77,"method":"letter.sign","params":{"name":"T","email":"\#(truncated)","client":{"ip":"\#(ip)""# + "\n",
            replies: 1)
        try web.exchange(
            #"{"jsonrpc":"2.0","id":78,"method":"letter.sign","params":{"name":"T","email":"\#(truncated)","email":"\#(typo)"}}"# + "\n",
            replies: 1)
        // An oversized frame holding personal data: one -32600, and the connection stays usable.
        let oversize = "Oversize.Person@example.org"
        personal(oversize)
        let big =
            #"{"jsonrpc":"2.0","id":79,"method":"letter.sign","params":{"name":"Big","email":"\#(oversize)","client":{"ip":"\#(ip)","userAgent":"\#(agent)"},"comment":"\#(String(repeating: "c", count: 20_000))"}}"#
        let tooBig = try web.exchange(big + "\n", replies: 1)
        #expect(JSON.errorCode(try JSON.object(tooBig[0])) == -32600)

        // A batch mixing a valid signature, a refused one, a notification, an admin method and a bad token.
        let batchMember = "Batch.Member@example.org"
        phone("+1 415 555 0173")
        let notified = "Batch.Notification@example.org"
        personal(batchMember, notified)
        let batch =
            "["
            + [
                #"{"jsonrpc":"2.0","id":"b1","method":"letter.sign","params":{"name":"Batch","email":"\#(batchMember)","postalCode":"\#(postal)","client":{"ip":"\#(ip)","userAgent":"\#(agent)"}}}"#,
                #"{"jsonrpc":"2.0","id":"b2","method":"letter.sign","params":{"name":"Batch","email":"\#(bad)","client":{"ip":"\#(ip)"}}}"#,
                #"{"jsonrpc":"2.0","method":"letter.sign","params":{"name":"Note","email":"\#(notified)","client":{"ip":"\#(ip)"}}}"#,
                #"{"jsonrpc":"2.0","id":"b3","method":"signatures.export","params":{}}"#,
                #"{"jsonrpc":"2.0","id":"b4","method":"tokens.get","params":{"token":"\#(pasted)"}}"#,
                #"{"jsonrpc":"2.0","id":"b5","method":"rsvps.create","params":{"eventId":"connect-2027-protest","name":"B","email":"\#(batchMember)","phone":"+1 415 555 0173"}}"#,
                #"{"jsonrpc":"2.0","id":"b6","method":"pledges.create","params":{"name":"B","email":"\#(batchMember)","amount":{"amountMinor":700,"currency":"USD"},"client":{"ip":"\#(ip)"}}}"#,
                "1",
            ].joined(separator: ",") + "]\n"
        let batchReply = try web.exchange(batch, replies: 1)
        #expect(batchReply[0].hasPrefix("["), "batch reply: \(batchReply[0].prefix(300))")
        // A batch of notifications only: no reply at all; the next call's reply comes next.
        web.send(
            #"[{"jsonrpc":"2.0","method":"letter.sign","params":{"name":"Quiet","email":"\#(notified)","client":{"ip":"\#(ip)"}}}]"# + "\n")
        _ = try web.call("service.health")

        // Content-Length framing on another connection.
        let framed = try publicClient()
        func framedCall(_ body: String) throws {
            framed.send("Content-Length: \(body.utf8.count)\r\n\r\n" + body)
            _ = try #require(framed.readFramed(timeout: 10), "no framed reply to \(body.prefix(100))")
        }
        let framedPerson = "Framed.Person@example.org"
        personal(framedPerson)
        try framedCall(
            #"{"jsonrpc":"2.0","id":1,"method":"letter.sign","params":{"name":"Framed","email":"\#(framedPerson)","postalCode":"\#(postal)","client":{"ip":"\#(ip)","userAgent":"\#(agent)"}}}"#
        )
        try framedCall(
            #"{"jsonrpc":"2.0","id":2,"method":"letter.sign","params":{"name":"Framed","email":"\#(bad)","client":{"ip":"\#(forwarded)"}}}"#
        )
        try framedCall(#"{"jsonrpc":"2.0","id":3,"method":"tokens.get","params":{"token":"\#(pasted)"}}"#)
        try framedCall(#"{"jsonrpc":"2.0","id":4,"method":"campaign.get"}"#)
        framed.drain(quiet: 0.2)

        // The new signatures' messages: tokens minted here are scanned too.
        for token in try claim().compactMap({ $0["token"] as? String }) {
            _ = try web.call("tokens.get", #"{"token":"\#(token)"}"#)
        }
    }
}

// MARK: - Scanning

enum LeakScanner {
    /// Anything that looks like an email address, and an IPv4 dotted quad.
    static func patterns() throws -> [(String, Regex<AnyRegexOutput>)] {
        [
            ("email-like", try Regex(#"[^\s"\\]+@[^\s"\\]+\.[a-z]+"#).ignoresCase()),
            ("IPv4-like", try Regex(#"\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b"#)),
        ]
    }

    /// Text that is public by design: the OpenRPC document `rpc.discover` serves (its examples hold sample
    /// addresses) and the example campaign (an event's address is public).
    static func publicReference() throws -> String {
        let files = [
            Paths.packageRoot + "/Schemas/openrpc.json", Paths.packageRoot + "/Sources/CampaignService/openrpc.json", Paths.exampleCampaign,
        ]
        return try files.map { path in
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return text + "\n" + decodedStrings(text)
        }.joined(separator: "\n")
    }

    /// Every string (member names too) of every JSON document on a line of `text`, unescaped: so `\/`,
    /// `\u0040` and the like cannot hide a value from the scan.
    static func decodedStrings(_ text: String) -> String {
        var out: [String] = []
        func collect(_ value: Any) {
            switch value {
            case let s as String: out.append(s)
            case let a as [Any]: a.forEach(collect)
            case let d as [String: Any]:
                for (k, v) in d {
                    out.append(k)
                    collect(v)
                }
            default: break
            }
        }
        let documents = text.split(whereSeparator: \.isNewline) + [Substring(text)]
        for document in documents {
            if let value = try? JSONSerialization.jsonObject(with: Data(document.utf8), options: [.fragmentsAllowed]) { collect(value) }
        }
        return out.joined(separator: "\n")
    }

    /// The leaks in `text`, each with an excerpt: any of `secrets` (case-insensitively), and anything email- or
    /// IPv4-like that does not appear in `publicReference`.
    static func findings(in text: String, secrets: [String], publicReference: String) -> [String] {
        var found: [String] = []
        let reference = publicReference.lowercased()
        for (label, haystack) in [("raw", text), ("decoded", decodedStrings(text))] {
            let lower = haystack.lowercased()
            for secret in Set(secrets.map { $0.lowercased() }) where !secret.isEmpty {
                if let range = lower.range(of: secret) {
                    found.append("[\(label)] \"\(secret)\" in …\(excerpt(lower, range))…")
                }
            }
            guard let patterns = try? patterns() else {
                found.append("the scanner's patterns do not compile")
                continue
            }
            for (kind, pattern) in patterns {
                for match in haystack.matches(of: pattern) {
                    let value = String(haystack[match.range])
                    if !reference.contains(value.lowercased()) {
                        found.append("[\(label)] \(kind) \"\(value)\" in …\(excerpt(haystack, match.range))…")
                    }
                }
            }
        }
        return found
    }

    static func excerpt(_ text: String, _ range: Range<String.Index>) -> String {
        let start = text.index(range.lowerBound, offsetBy: -80, limitedBy: text.startIndex) ?? text.startIndex
        let end = text.index(range.upperBound, offsetBy: 80, limitedBy: text.endIndex) ?? text.endIndex
        return String(text[start..<end])
    }

    /// The scanner must catch what it is for: planted secrets, escaped and case-changed, and generic shapes.
    static func selfTest() throws {
        let reference = try publicReference()
        #expect(reference.contains("@"), "the public reference is empty: the allowlist would be meaningless")
        let secrets = ["Planted.Person@Example.org", "PlantedAgent/1.0", "203.0.113.250", "tok_planted"]
        let cases: [(String, Int)] = [
            (#"{"jsonrpc":"2.0","id":1,"result":{"to":"planted.person@example.org"}}"#, 1),
            (#"{"jsonrpc":"2.0","id":1,"result":{"ua":"PlantedAgent\/1.0"}}"#, 1),
            (#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"bad","data":{"reason":"tok_planted"}}}"#, 1),
            (#"{"jsonrpc":"2.0","method":"campaign.changed","params":{"x":"203.0.113.250"}}"#, 1),
            (#"{"jsonrpc":"2.0","id":1,"result":{"note":"someone.else\u0040elsewhere.example"}}"#, 1),
            (#"{"jsonrpc":"2.0","id":1,"result":{"ip":"10.1.2.3"}}"#, 1),
            ("<7>method failed error=unknown address stranger@host.example.com", 1),
            (#"{"jsonrpc":"2.0","id":1,"result":{"handle":"@dana_whitfield","postalCode":"94103"}}"#, 0),
        ]
        for (sample, expected) in cases {
            let hits = findings(in: sample, secrets: secrets, publicReference: reference)
            if expected == 0 {
                #expect(hits.isEmpty, "the scanner flags public text: \(hits)")
            } else {
                #expect(!hits.isEmpty, "the scanner misses a leak in \(sample)")
            }
        }
        for secret in secrets {
            #expect(!reference.lowercased().contains(secret.lowercased()), "\(secret) is in the public reference")
        }
    }
}

// MARK: - One address, however spelled

extension PrivacyWireTests {
    /// Per-address limits key on the parsed address: five spellings of one IPv4 address, and four addresses
    /// of one IPv6 /64, are one address each against a burst of three, over the public socket.
    @Test func spellingsOfOneAddressAreOneAddressOnTheWire() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try PrivacyFlow.start(dir)
        defer { server.stop() }
        let web = try LineClient(path: dir + "/public.sock")
        let admin = try LineClient(path: dir + "/admin.sock")
        let spellings = ["1.2.3.4", "::ffff:1.2.3.4", "::FFFF:1.2.3.4", "0:0:0:0:0:ffff:1.2.3.4", "::ffff:0102:0304"]
        let network = ["2001:db8:7:7::1", "2001:DB8:7:7:0:0:0:2", "2001:0db8:0007:0007:ffff::", "2001:db8:7:7:1:2:3:4"]
        for (i, ip) in (spellings + network).enumerated() {
            let reply = try web.call(
                "letter.sign", #"{"name":"Spelling \#(i)","email":"spelling\#(i)@example.net","client":{"ip":"\#(ip)"}}"#)
            #expect(JSON.result(reply)?["accepted"] as? Bool == true, "\(ip): \(reply)")
        }
        let export = try #require(JSON.result(try admin.call("signatures.export", #"{"limit":100}"#))?["items"] as? [[String: Any]])
        let suspects = export.filter { $0["status"] as? String == "suspect" }.compactMap { $0["email"] as? String }
        #expect(Set(suspects) == ["spelling3@example.net", "spelling4@example.net", "spelling8@example.net"], "\(export)")
        // Recorded in one spelling: organisers see one address too.
        let addresses = export.compactMap { ($0["client"] as? [String: Any])?["ip"] as? String }
        #expect(addresses.filter { $0 == "1.2.3.4" }.count == 5, "\(addresses)")
    }
}
