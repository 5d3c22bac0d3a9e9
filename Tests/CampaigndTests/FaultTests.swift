import Foundation
import GRDB
import NIOConcurrencyHelpers
import Testing

/// Faults the service meets in production: a kill at any moment, a full disk (SPEC §7: a reply to a
/// write is sent only after its transaction is durably committed; nothing acknowledged is lost).
@Suite(.serialized) struct FaultTests {
    /// Set `CAMPAIGND_FAULT_SEED` to replay a run: the seed decides every round's load and kill time.
    static let seed: UInt64 = {
        if let text = ProcessInfo.processInfo.environment["CAMPAIGND_FAULT_SEED"], let seed = UInt64(text) { return seed }
        return UInt64.random(in: 1...UInt64.max)
    }()

    @Test func sigkillAtRandomMomentsUnderMixedLoadLosesNothingAcknowledged() throws {
        let rounds = 20
        let seed = Self.seed
        print("FaultTests.sigkill: seed \(seed) (CAMPAIGND_FAULT_SEED=\(seed) replays the plan)")
        let started = Date()
        let service = try StateDirectory()
        var server = try service.start()
        let campaign = try CampaignFacts.read(publicSocket: service.publicSocket)
        let ledger = NIOLockedValueBox(Ledger())
        var rng = SplitMix64(seed: seed)
        var kills = 0
        var failedRound: Int?

        for round in 1...rounds {
            let loadMs = Int.random(in: 50...400, using: &rng)
            let before = ledger.withLockedValue { $0.acknowledgedWrites }
            let workers = DispatchGroup()
            let plan = MixedLoad(
                round: round, seed: seed &+ UInt64(round) &* 1_000_003, campaign: campaign, publicSocket: service.publicSocket,
                adminSocket: service.adminSocket, ledger: ledger)
            // Six signers keep group commits large, so a kill often lands between a batch's writes and its
            // commit: a service that replied before committing was caught within a few rounds.
            for worker in 0..<6 {
                workers.enter()
                Thread {
                    plan.publicWorker(worker)
                    workers.leave()
                }.start()
            }
            workers.enter()
            Thread {
                plan.adminWorker()
                workers.leave()
            }.start()

            usleep(UInt32(loadMs) * 1000)
            server.signal(SIGKILL)
            let status = server.waitForExit()
            #expect(
                status == SIGKILL && server.process.terminationReason == .uncaughtSignal,
                "round \(round): exit \(String(describing: status))")
            kills += status == nil ? 0 : 1
            #expect(workers.wait(timeout: .now() + 20) == .success, "round \(round): a load thread did not notice the kill")
            let acked = ledger.withLockedValue { $0.acknowledgedWrites } - before
            print("FaultTests.sigkill: round \(round): killed after \(loadMs) ms of load, \(acked) writes acknowledged")

            server = try service.start()
            let snapshot = ledger.withLockedValue { $0 }
            let problems = try snapshot.verify(databasePath: service.databasePath)
            #expect(problems.isEmpty, "round \(round) (seed \(seed)): \(problems.count) problems: \(problems.prefix(10))")
            let check = try Campaignctl.check(adminSocket: service.adminSocket)
            #expect(check.passed, "round \(round) (seed \(seed)): campaignctl check:\n\(check.report)")
            if !problems.isEmpty || !check.passed {
                failedRound = round
                break
            }
        }
        server.stop()

        let total = ledger.withLockedValue { $0 }
        let seconds = Date().timeIntervalSince(started)
        print(
            "FaultTests.sigkill: seed \(seed): \(kills) kills survived in \(String(format: "%.1f", seconds)) s; acknowledged: "
                + total.summary)
        #expect(failedRound != nil || kills == rounds)
        #expect(total.unexpectedErrors.isEmpty, "errors no fault explains: \(total.unexpectedErrors.prefix(10))")
        // A run that acknowledged nothing, or never reached a flow, proves nothing about it.
        #expect(total.signed.count >= 20 && total.pledged.count >= 5 && total.rsvped.count >= 5, "\(total.summary)")
        #expect(!total.confirmedSignatures.isEmpty && !total.outboxAcked.isEmpty && !total.cancelled.isEmpty, "\(total.summary)")
    }

    @Test(.enabled(if: FileSizeLimit.available, "needs util-linux prlimit to lower the service's RLIMIT_FSIZE"))
    func fullDiskRefusesWritesClearlyServesReadsAndRecovers() throws {
        // RLIMIT_FSIZE, lowered on the running process to the WAL's present size, makes every commit fail
        // to grow the WAL, as a full disk does, without root. The kernel reports EFBIG (SQLITE_IOERR_WRITE)
        // and sends SIGXFSZ, whose default action kills the process: campaignd ignores it.
        let service = try StateDirectory()
        let server = try service.start()
        // Not by luck: the thread that writes may not block SIGXFSZ.
        #expect(
            FileSizeLimit.ignoresSignal(pid: server.pid) == true,
            "campaignd does not ignore SIGXFSZ: a write past RLIMIT_FSIZE from a thread that does not block it kills the process")
        try FullDisk.exercise(
            service: service, server: server,
            fill: { server in
                // A limit belongs to a process: a restarted service gets it again.
                let walSize = try FileSizes.of(service.databasePath + "-wal")
                try FileSizeLimit(pid: server.pid).set(soft: walSize)
                return "RLIMIT_FSIZE \(walSize) bytes (the WAL's size)"
            },
            giveRoomBack: { server in try FileSizeLimit(pid: server.pid).restore() })
    }

    @Test(.enabled(if: Tmpfs.canMount, "needs root (CAP_SYS_ADMIN) to mount a small tmpfs"))
    func fullTmpfsRefusesWritesClearlyServesReadsAndRecovers() throws {
        // A real ENOSPC (SQLITE_FULL): the state directory on an 8 MiB tmpfs, filled up by another file.
        let service = try StateDirectory()
        let mount = try Tmpfs(at: service.stateDirectory, megabytes: 8)
        let server: ServerProcess
        do {
            server = try service.start()
        } catch {
            mount.unmount()
            throw error
        }
        // The service stops before the unmount, and the directory (with the mount point) goes last.
        defer {
            withExtendedLifetime(service) {
                server.stop(); mount.unmount()
            }
        }
        let filler = service.stateDirectory + "/filler"
        try FullDisk.exercise(
            service: service, server: server,
            fill: { _ in
                let bytes = try Tmpfs.fill(filler)
                return "tmpfs full (\(bytes) more bytes in a filler file)"
            },
            giveRoomBack: { _ in unlink(filler) })
    }
}

// MARK: - The full-disk scenario

enum FullDisk {
    /// Writes acknowledged before the disk fills; while it is full, writes refused with -32005 and reads
    /// served, also by a service restarted after a kill; room again, writes acknowledged; then the recount,
    /// the integrity check and every acknowledged write, before and after a kill and restart.
    static func exercise(
        service: StateDirectory, server firstServer: ServerProcess, fill: (ServerProcess) throws -> String,
        giveRoomBack: (ServerProcess) throws -> Void
    ) throws {
        var server = firstServer
        let campaign = try CampaignFacts.read(publicSocket: service.publicSocket)
        let event = try #require(campaign.eventIDs.first)
        let amount = campaign.minimumMinor
        var client = try LineClient(path: service.publicSocket)
        var ledger = Ledger()
        func call(_ method: String, _ params: String) throws -> [String: Any] {
            let started = Date()
            do {
                return try client.call(method, params, timeout: 30)
            } catch is LineClient.NoReply {
                let waited = Date().timeIntervalSince(started)
                let exit =
                    server.process.isRunning
                    ? "still running" : "exited (\(server.process.terminationReason), \(server.process.terminationStatus))"
                throw TestFailure("no reply to \(method) in \(Int(waited)) s; campaignd \(exit); stderr:\n\(server.stderr.suffix(2000))")
            }
        }
        func restart() throws {
            client.close()
            server.signal(SIGKILL)
            _ = server.waitForExit()
            server = try service.start()
            client = try LineClient(path: service.publicSocket)
        }
        func sign(_ email: String) -> String { #"{"name":"Full Disk","email":"\#(email)"}"# }
        func pledge(_ email: String, _ key: String) -> String {
            #"{"name":"Full Disk","email":"\#(email)","amount":{"amountMinor":\#(amount),"currency":"\#(campaign.currency)"},"idempotencyKey":"\#(key)"}"#
        }
        func rsvp(_ email: String) -> String { #"{"eventId":"\#(event)","name":"Full Disk","email":"\#(email)"}"# }
        /// Pending signatures are the organisers' figure: the public socket does not show them.
        func pendingCount() throws -> Int? {
            let admin = try LineClient(path: service.adminSocket)
            defer { admin.close() }
            return JSON.result(try admin.call("signatures.count"))?["pending"] as? Int
        }
        func acknowledge(_ phase: String) throws {
            let s = "s.\(phase)@example.org"
            let p = "p.\(phase)@example.org"
            let v = "v.\(phase)@example.org"
            #expect(JSON.result(try call("letter.sign", sign(s)))?["accepted"] as? Bool == true, "\(phase): letter.sign")
            #expect(
                JSON.result(try call("pledges.create", pledge(p, "k-\(phase)")))?["accepted"] as? Bool == true, "\(phase): pledges.create")
            #expect(JSON.result(try call("rsvps.create", rsvp(v)))?["accepted"] as? Bool == true, "\(phase): rsvps.create")
            ledger.signed.insert(s)
            ledger.pledged.insert(PledgeKey(email: p, key: "k-\(phase)", amountMinor: amount))
            ledger.rsvped.insert(RSVPKey(eventID: event, email: v))
        }
        /// Every write gets a JSON-RPC error, promptly; the service stays up and logs it; reads are answered.
        func expectFull(_ how: String, attempts: ClosedRange<Int>, pending: Int?) throws {
            for attempt in attempts {
                let tag = "full\(attempt)"
                for (method, params) in [
                    ("letter.sign", sign("s.\(tag)@example.org")), ("pledges.create", pledge("p.\(tag)@example.org", "k-\(tag)")),
                    ("rsvps.create", rsvp("v.\(tag)@example.org")),
                ] {
                    let started = Date()
                    let reply = try call(method, params)
                    let ms = Int(Date().timeIntervalSince(started) * 1000)
                    let error = reply["error"] as? [String: Any]
                    print(
                        "FullDisk (\(how)): \(method) → \(error.map { "\($0["code"] ?? "?") \($0["message"] ?? "")" } ?? "a result") in \(ms) ms"
                    )
                    #expect(JSON.errorCode(reply) == -32005, "\(how): \(method): \(reply)")
                    #expect(ms < 5000, "\(how): \(method) took \(ms) ms to be refused")
                }
            }
            #expect(server.process.isRunning, "\(how): campaignd died: \(server.stderr.suffix(2000))")
            #expect(server.stderr.contains("database write failed"), "\(how): the refusals were not logged: \(server.stderr.suffix(2000))")
            #expect(JSON.result(try call("letter.get", "{}"))?["title"] is String, "\(how): letter.get")
            #expect(JSON.result(try call("signatures.count", "{}"))?["confirmed"] is Int, "\(how): signatures.count")
            #expect(try pendingCount() == pending, "\(how): signatures.count on the admin socket")
            #expect(JSON.result(try call("signatures.list", "{}"))?["items"] is [Any], "\(how): signatures.list")
            #expect(JSON.result(try call("campaign.get", "{}"))?["fundraiser"] is [String: Any], "\(how): campaign.get")
            #expect(JSON.result(try call("events.list", "{}"))?["items"] is [Any], "\(how): events.list")
        }

        try acknowledge("before")
        let pendingBefore = try pendingCount()
        try expectFull(try fill(server), attempts: 1...2, pending: pendingBefore)
        // Killed and restarted while the disk is still full (systemd's Restart=), it serves reads and refuses writes.
        try restart()
        try expectFull(try fill(server) + ", after a restart", attempts: 3...4, pending: pendingBefore)

        // Room again: writes are acknowledged again, by the same process.
        try giveRoomBack(server)
        try acknowledge("after")
        #expect(try pendingCount() == pendingBefore.map { $0 + 1 })

        for stage in ["after the disk filled", "after a kill and restart"] {
            if stage.hasPrefix("after a kill") { try restart() }
            let check = try Campaignctl.check(adminSocket: service.adminSocket)
            #expect(check.passed, "\(stage): campaignctl check:\n\(check.report)")
            var problems = try ledger.verify(databasePath: service.databasePath)
            let refusedStored = try ReadOnly.database(service.databasePath).read { db in
                try Int.fetchOne(
                    db,
                    sql:
                        "SELECT (SELECT COUNT(*) FROM signature WHERE email LIKE '%.full%') + (SELECT COUNT(*) FROM pledge WHERE email LIKE '%.full%')"
                        + " + (SELECT COUNT(*) FROM rsvp WHERE email LIKE '%.full%')") ?? -1
            }
            if refusedStored != 0 { problems.append("\(refusedStored) of the refused writes were stored") }
            #expect(problems.isEmpty, "\(stage): \(problems)")
        }
        client.close()
        server.stop()
    }
}

// MARK: - Mixed load

/// One round's load: public workers sign, pledge and RSVP; an admin worker plays the mailer (claims the
/// outbox, confirms or withdraws with the tokens, acknowledges the messages) and moderates.
struct MixedLoad: Sendable {
    let round: Int
    let seed: UInt64
    let campaign: CampaignFacts
    let publicSocket: String
    let adminSocket: String
    let ledger: NIOLockedValueBox<Ledger>

    /// Addresses shared by signers, so that some signatures go over the limit and are kept as suspects.
    static let addresses = ["198.51.100.7", "198.51.100.8", "203.0.113.9"]

    func publicWorker(_ worker: Int) {
        guard let client = try? LoadConnection(path: publicSocket, ledger: ledger) else { return }
        var rng = SplitMix64(seed: seed &+ UInt64(worker))
        var mine: [String] = []
        var keys: [PledgeKey] = []
        let deadline = Date().addingTimeInterval(30)
        var i = 0
        while Date() < deadline {
            i += 1
            let tag = "r\(round).w\(worker).n\(i)"
            let roll = Int.random(in: 0..<100, using: &rng)
            if roll < 55 {
                // Sign: mostly new people, some repeats (the same reply, nothing new), some from a shared address.
                let email = roll < 8 && !mine.isEmpty ? mine[Int.random(in: 0..<mine.count, using: &rng)] : "s.\(tag)@example.org"
                var params = #""name":"Signer \#(tag)","email":"\#(email)","showName":true"#
                if Int.random(in: 0..<3, using: &rng) == 0 {
                    params += #","client":{"ip":"\#(Self.addresses[Int.random(in: 0..<Self.addresses.count, using: &rng)])"}"#
                }
                if Bool.random(using: &rng) { params += #","organization":"Org \#(worker)","isCustomer":true"# }
                guard let reply = client.call("letter.sign", "{\(params)}") else { return }
                if JSON.result(reply)?["accepted"] as? Bool == true {
                    mine.append(email)
                    ledger.withLockedValue { _ = $0.signed.insert(email) }
                }
            } else if roll < 75 {
                // Pledge: a new idempotency key, or a repeat of one (it must not create a second pledge).
                let key =
                    roll < 58 && !keys.isEmpty
                    ? keys[Int.random(in: 0..<keys.count, using: &rng)]
                    : PledgeKey(
                        email: "p.\(tag)@example.org", key: "k-\(tag)",
                        amountMinor: Int.random(
                            in: campaign.minimumMinor...min(campaign.maximumMinor, max(campaign.minimumMinor, 50_000)), using: &rng))
                // A retry repeats the pledge as it was: the same key with other details is a conflict.
                let params =
                    #"{"name":"Pledger \#(key.key)","email":"\#(key.email)","amount":{"amountMinor":\#(key.amountMinor),"currency":"\#(campaign.currency)"},"idempotencyKey":"\#(key.key)","showName":true}"#
                guard let reply = client.call("pledges.create", params) else { return }
                if JSON.result(reply)?["accepted"] as? Bool == true {
                    keys.append(key)
                    ledger.withLockedValue { _ = $0.pledged.insert(key) }
                }
            } else if roll < 95, !campaign.eventIDs.isEmpty {
                let key = RSVPKey(
                    eventID: campaign.eventIDs[Int.random(in: 0..<campaign.eventIDs.count, using: &rng)], email: "v.\(tag)@example.org")
                let guests = Int.random(in: 0...campaign.maxGuests, using: &rng)
                let params = #"{"eventId":"\#(key.eventID)","name":"Guest \#(tag)","email":"\#(key.email)","guests":\#(guests)}"#
                guard let reply = client.call("rsvps.create", params) else { return }
                if JSON.result(reply)?["accepted"] as? Bool == true { ledger.withLockedValue { _ = $0.rsvped.insert(key) } }
            } else {
                guard client.call("signatures.count", "{}") != nil else { return }
            }
        }
    }

    func adminWorker() {
        guard let admin = try? LoadConnection(path: adminSocket, ledger: ledger),
            let visitor = try? LoadConnection(path: publicSocket, ledger: ledger)
        else { return }
        var rng = SplitMix64(seed: seed &+ 99)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            guard let claimed = admin.call("outbox.claim", #"{"limit":8,"leaseSeconds":10}"#) else { return }
            let messages = JSON.result(claimed)?["messages"] as? [[String: Any]] ?? []
            for message in messages {
                guard let token = message["token"] as? String, let kind = message["kind"] as? String,
                    let subject = message["subject"] as? [String: Any], let id = subject["id"] as? String,
                    let email = (message["to"] as? [String: Any])?["email"] as? String
                else { continue }
                let roll = Int.random(in: 0..<100, using: &rng)
                if kind.hasPrefix("signature.") || kind.hasPrefix("pledge.") {
                    if roll < 15 {
                        guard cancel(visitor, token: token, id: id, email: email) else { return }
                    } else {
                        guard let reply = visitor.call("tokens.confirm", #"{"token":"\#(token)"}"#) else { return }
                        guard let record = JSON.result(reply), let status = record["status"] as? String else { continue }
                        if kind.hasPrefix("signature."), status == "confirmed" {
                            ledger.withLockedValue { _ = $0.confirmedSignatures.insert(id) }
                            if roll > 90 {
                                guard let featured = admin.call("signatures.moderate", #"{"signatureId":"\#(id)","action":"feature"}"#)
                                else {
                                    return
                                }
                                if JSON.result(featured) != nil { ledger.withLockedValue { _ = $0.featured.insert(id) } }
                            }
                        } else if kind.hasPrefix("pledge."), status == "confirmed" || status == "paid" {
                            ledger.withLockedValue { _ = $0.confirmedPledges.insert(id) }
                            if roll > 60 {
                                guard let paid = admin.call("pledges.setStatus", #"{"pledgeId":"\#(id)","status":"paid"}"#) else { return }
                                if JSON.result(paid)?["status"] as? String == "paid" {
                                    ledger.withLockedValue { _ = $0.paidPledges.insert(id) }
                                }
                            }
                        }
                    }
                } else if kind.hasPrefix("rsvp."), roll < 25 {
                    guard cancel(visitor, token: token, id: id, email: email) else { return }
                }
            }
            if !messages.isEmpty {
                let ids = messages.compactMap { $0["id"] as? String }
                guard let acked = admin.call("outbox.ack", #"{"ids":[\#(ids.map { "\"\($0)\"" }.joined(separator: ","))]}"#) else { return }
                if JSON.result(acked) != nil { ledger.withLockedValue { $0.outboxAcked.formUnion(ids) } }
            }
            // Now and then an organiser accepts a suspect signature.
            if Int.random(in: 0..<4, using: &rng) == 0 {
                guard let page = admin.call("signatures.export", #"{"status":"suspect","limit":3}"#) else { return }
                if let suspect = (JSON.result(page)?["items"] as? [[String: Any]])?.first?["id"] as? String {
                    guard let reply = admin.call("signatures.moderate", #"{"signatureId":"\#(suspect)","action":"accept"}"#) else { return }
                    if JSON.result(reply) != nil { ledger.withLockedValue { _ = $0.accepted.insert(suspect) } }
                }
            }
            if messages.isEmpty { usleep(5_000) }
        }
    }

    /// Withdraws a signature or cancels a pledge or RSVP; false once the service is gone.
    private func cancel(_ visitor: LoadConnection, token: String, id: String, email: String) -> Bool {
        // Recorded before sending: a kill may commit it without a reply.
        ledger.withLockedValue {
            $0.cancelAttempted.insert(id)
            $0.cancelAttemptedEmails.insert(email)
        }
        guard let reply = visitor.call("tokens.cancel", #"{"token":"\#(token)"}"#) else { return false }
        if let status = JSON.result(reply)?["status"] as? String, status == "withdrawn" || status == "cancelled" {
            ledger.withLockedValue { $0.cancelled[id] = status }
        }
        return true
    }
}

/// A connection for one load thread, one request at a time, counting what it sees into the ledger;
/// nil once the service is gone.
final class LoadConnection: @unchecked Sendable {
    let client: LineClient
    let ledger: NIOLockedValueBox<Ledger>

    init(path: String, ledger: NIOLockedValueBox<Ledger>) throws {
        client = try LineClient(path: path)
        self.ledger = ledger
    }

    func call(_ method: String, _ params: String) -> [String: Any]? {
        let reply: [String: Any]
        do {
            reply = try client.call(method, params, timeout: 10)
        } catch is LineClient.NoReply where client.reader.atEOF {
            return nil
        } catch {
            ledger.withLockedValue { $0.unexpectedErrors.append("\(method): \(error)") }
            return nil
        }
        if let code = JSON.errorCode(reply) {
            // Expected refusals: rate limits, and tokens of records withdrawn or cancelled meanwhile.
            let expected =
                code == -32004 || (code == -32002 && method.hasPrefix("tokens.")) || (code == -32002 && method == "pledges.setStatus")
            ledger.withLockedValue {
                $0.refusals[code, default: 0] += 1
                if !expected { $0.unexpectedErrors.append("\(method) \(params.prefix(120)): \(reply)") }
            }
        } else if reply["result"] != nil {
            ledger.withLockedValue { $0.acknowledgedWrites += Self.writes.contains(method) ? 1 : 0 }
        }
        return reply
    }

    static let writes: Set<String> = [
        "letter.sign", "pledges.create", "rsvps.create", "tokens.confirm", "tokens.cancel", "signatures.moderate",
        "pledges.setStatus", "outbox.claim", "outbox.ack",
    ]
}

// MARK: - What was acknowledged, and checking it against the database

struct PledgeKey: Hashable, Sendable {
    var email: String
    var key: String
    var amountMinor: Int
}

struct RSVPKey: Hashable, Sendable {
    var eventID: String
    var email: String
}

/// Every write the service acknowledged (a result received), and what may legitimately have changed since.
struct Ledger: Sendable {
    var signed: Set<String> = []
    var pledged: Set<PledgeKey> = []
    var rsvped: Set<RSVPKey> = []
    var confirmedSignatures: Set<String> = []
    var confirmedPledges: Set<String> = []
    var paidPledges: Set<String> = []
    var featured: Set<String> = []
    var accepted: Set<String> = []
    /// Withdrawals and cancellations acknowledged: id → the status they reported.
    var cancelled: [String: String] = [:]
    /// Sent, acknowledged or not: a kill may have committed them unseen (withdrawing erases the email).
    var cancelAttempted: Set<String> = []
    var cancelAttemptedEmails: Set<String> = []
    var outboxAcked: Set<String> = []
    var acknowledgedWrites = 0
    var refusals: [Int: Int] = [:]
    var unexpectedErrors: [String] = []

    var summary: String {
        "\(acknowledgedWrites) writes (\(signed.count) people signed, \(pledged.count) pledges, \(rsvped.count) RSVPs, "
            + "\(confirmedSignatures.count) signatures and \(confirmedPledges.count) pledges confirmed, \(paidPledges.count) paid, "
            + "\(cancelled.count) withdrawn or cancelled, \(accepted.count) suspects accepted, \(featured.count) featured, "
            + "\(outboxAcked.count) messages acknowledged); refusals by code: \(refusals.sorted { $0.key < $1.key })"
    }

    /// What the database lacks of the acknowledged writes, read read-only beside the running service.
    func verify(databasePath: String) throws -> [String] {
        try ReadOnly.database(databasePath).read { db in
            var problems: [String] = []
            let integrity = try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer"
            if integrity != "ok" { problems.append("integrity_check: \(integrity)") }
            func status(_ table: String, _ id: String) throws -> String? {
                try String.fetchOne(db, sql: "SELECT status FROM \(table) WHERE id = ?", arguments: [id])
            }
            for email in signed where !cancelAttemptedEmails.contains(email) {
                if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM signature WHERE emailCanonical = ?", arguments: [email]) != 1 {
                    problems.append("signature of \(email) lost")
                }
            }
            for key in pledged {
                let row = try Row.fetchOne(
                    db, sql: "SELECT COUNT(*), MIN(amountMinor) FROM pledge WHERE emailCanonical = ? AND idempotencyKey = ?",
                    arguments: [key.email, key.key])
                let count: Int = row?[0] ?? 0
                let amount: Int? = row?[1]
                if count != 1 || amount != key.amountMinor { problems.append("pledge \(key.key): \(count) rows, amount \(amount ?? -1)") }
            }
            for key in rsvped where !cancelAttemptedEmails.contains(key.email) {
                let count = try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) FROM rsvp JOIN event ON event.seq = rsvp.eventSeq WHERE event.id = ? AND rsvp.emailCanonical = ?",
                    arguments: [key.eventID, key.email])
                if count != 1 { problems.append("RSVP of \(key.email) to \(key.eventID) lost") }
            }
            for id in confirmedSignatures {
                let now = try status("signature", id)
                if !(now == "confirmed" || (now == "withdrawn" && cancelAttempted.contains(id))) {
                    problems.append("signature \(id) confirmed, now \(now ?? "missing")")
                }
            }
            for id in confirmedPledges {
                let now = try status("pledge", id)
                if !(now == "confirmed" || now == "paid" || (now == "cancelled" && cancelAttempted.contains(id))) {
                    problems.append("pledge \(id) confirmed, now \(now ?? "missing")")
                }
            }
            for id in paidPledges {
                let now = try status("pledge", id)
                if now != "paid" { problems.append("pledge \(id) paid, now \(now ?? "missing")") }
            }
            for (id, expected) in cancelled {
                let table = id.hasPrefix("sig_") ? "signature" : id.hasPrefix("pl_") ? "pledge" : "rsvp"
                let row = try Row.fetchOne(db, sql: "SELECT status, emailCanonical FROM \(table) WHERE id = ?", arguments: [id])
                let now: String? = row?["status"]
                let email: String? = row?["emailCanonical"]
                if now != expected { problems.append("\(table) \(id) \(expected), now \(now ?? "missing")") }
                if table != "pledge", email != nil { problems.append("\(table) \(id) \(expected) but its email was kept") }
            }
            for id in featured {
                let row = try Row.fetchOne(db, sql: "SELECT featured, status FROM signature WHERE id = ?", arguments: [id])
                let isFeatured: Bool = row?["featured"] ?? false
                let now: String? = row?["status"]
                if !isFeatured && !(now == "withdrawn" && cancelAttempted.contains(id)) {
                    problems.append("signature \(id) featured, now not")
                }
            }
            for id in accepted {
                if try status("signature", id) == "suspect" { problems.append("suspect \(id) accepted, still suspect") }
            }
            for id in outboxAcked {
                if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE id = ?", arguments: [Int64(id) ?? -1]) != 0 {
                    problems.append("outbox message \(id) acknowledged, still queued")
                }
            }
            return problems
        }
    }
}

// MARK: - Processes, the campaign, the disk

/// A state directory that outlives the processes serving it: each start has its own scratch directory
/// (its stderr), which `ServerProcess` removes, while the state stays for the next start.
final class StateDirectory: Sendable {
    let root: String
    private let starts = NIOLockedValueBox(0)

    init() throws { root = try Paths.temporaryDirectory() }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    var stateDirectory: String { root + "/state" }
    var databasePath: String { stateDirectory + "/campaign.sqlite" }
    var publicSocket: String { root + "/public.sock" }
    var adminSocket: String { root + "/admin.sock" }

    func start() throws -> ServerProcess {
        let n = starts.withLockedValue {
            $0 += 1
            return $0
        }
        let scratch = root + "/run\(n)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let server = try ServerProcess(
            arguments: [
                "--listen", publicSocket, "--admin-listen", adminSocket, "--state-dir", stateDirectory, "--campaign", Paths.exampleCampaign,
            ],
            directory: scratch)
        try server.waitForSocket(adminSocket)
        try server.waitForSocket(publicSocket)
        return server
    }
}

/// What the load needs to know of the example campaign.
struct CampaignFacts: Sendable {
    var eventIDs: [String]
    var maxGuests: Int
    var currency: String
    var minimumMinor: Int
    var maximumMinor: Int

    static func read(publicSocket: String) throws -> CampaignFacts {
        let client = try LineClient(path: publicSocket)
        defer { client.close() }
        let fundraiser = try #require(JSON.result(try client.call("fundraiser.get")))
        #expect(fundraiser["status"] as? String == "open", "the example fundraiser is closed: pledges would all be refused")
        let minimum = try #require(fundraiser["minimum"] as? [String: Any])
        let maximum = try #require(fundraiser["maximum"] as? [String: Any])
        let events = try #require(JSON.result(try client.call("events.list", id: 2))?["items"] as? [[String: Any]])
        let scheduled = events.filter { $0["status"] as? String == "scheduled" }
        #expect(!scheduled.isEmpty, "the example campaign has no scheduled event")
        return CampaignFacts(
            eventIDs: scheduled.compactMap { $0["id"] as? String }, maxGuests: scheduled.compactMap { $0["maxGuests"] as? Int }.min() ?? 0,
            currency: try #require(minimum["currency"] as? String), minimumMinor: try #require(minimum["amountMinor"] as? Int),
            maximumMinor: try #require(maximum["amountMinor"] as? Int))
    }
}

/// A seeded generator (SplitMix64), so that a failing run's plan can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The database as the tests read it beside a running service: read-only.
enum ReadOnly {
    static func database(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration)
    }
}

enum FileSizes {
    static func of(_ path: String) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw TestFailure("stat \(path): errno \(errno)") }
        return Int(info.st_size)
    }
}

/// Another process's RLIMIT_FSIZE, through util-linux `prlimit` (Glibc's prlimit(2) wrapper is not
/// visible to Swift). Only the soft limit changes, so that no privilege is needed to raise it again.
struct FileSizeLimit {
    static let tool = ["/usr/bin/prlimit", "/bin/prlimit"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var available: Bool { tool != nil }

    let pid: Int32

    /// Whether the process ignores SIGXFSZ (its `SigIgn` mask in /proc); nil when /proc does not say.
    static func ignoresSignal(pid: Int32) -> Bool? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigIgn:") }),
            let mask = UInt64(line.dropFirst("SigIgn:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return nil }
        return mask & (1 << UInt64(SIGXFSZ - 1)) != 0
    }

    func set(soft bytes: Int) throws { try run("--fsize=\(bytes):") }
    func restore() throws { try run("--fsize=unlimited:") }

    private func run(_ argument: String) throws {
        guard let tool = Self.tool else { throw TestFailure("no prlimit") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["--pid", String(pid), argument]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("prlimit \(argument) failed") }
    }
}

/// A small tmpfs (root only).
struct Tmpfs {
    let path: String

    static let canMount: Bool = {
        guard getuid() == 0, let probe = try? Paths.temporaryDirectory() else { return false }
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard let mount = try? Tmpfs(at: probe, megabytes: 1) else { return false }
        mount.unmount()
        return true
    }()

    init(at path: String, megabytes: Int) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0700", "tmpfs", path]) else {
            throw TestFailure("cannot mount a tmpfs on \(path)")
        }
        self.path = path
    }

    func unmount() { _ = Self.run("/bin/umount", ["-l", path]) }

    /// Appends to `path` until the file system has no room left; returns the bytes written.
    static func fill(_ path: String) throws -> Int {
        let fd = open(path, O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TestFailure("open \(path): errno \(errno)") }
        defer { close(fd) }
        var total = 0
        for size in [1 << 20, 4096, 1] {
            let chunk = [UInt8](repeating: 0x5a, count: size)
            while true {
                let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                total += n
                if n < size { break }
            }
        }
        guard errno == ENOSPC else { throw TestFailure("filling \(path) stopped with errno \(errno), not ENOSPC") }
        return total
    }

    private static func run(_ tool: String, _ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
