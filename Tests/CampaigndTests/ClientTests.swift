import CampaignClient
import CampaignProtocol
import Foundation
import NIOConcurrencyHelpers
import Testing

/// The reference client against the real binary: typed calls, concurrency, errors.
@Suite(.serialized) struct ClientTests {
    @Test func typedCallsOverASpawnedStdioService() async throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let client = try await CampaignClient.spawn(
            executable: Paths.campaignd,
            arguments: ["--stdio", "--role", "admin", "--state-dir", dir + "/state", "--campaign", Paths.exampleCampaign])
        let letter = try await client.call(GetLetter())
        #expect(letter.status == .open)
        let receipt = try await client.call(SignLetter(name: "Ada", email: "ada@example.org", showName: true))
        #expect(receipt == Acceptance(confirmationRequired: true))
        #expect(try await client.call(CountSignatures()).pending == 1)
        let token = try #require(try await client.call(ClaimOutbox()).messages.first?.token)
        #expect(try await client.call(ConfirmToken(token: token)).status == "confirmed")
        #expect(try await client.call(ListSignatures()).items.map(\.name) == ["Ada"])
        await client.close()
    }

    @Test func concurrentCallsOnOneConnectionAreMatchedByID() async throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        let client = try await CampaignClient.connect(socketPath: dir + "/public.sock")
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<100 {
                group.addTask {
                    try await client.call(SignLetter(name: "C\(i)", email: "c\(i)@example.org")).accepted ? 1 : 0
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(counts == 100)
        let admin = try await CampaignClient.connect(socketPath: dir + "/admin.sock")
        #expect(try await admin.call(CountSignatures()).pending == 100)
        await admin.close()
        await client.close()
        server.stop()
    }

    @Test func errorsCarryCodeAndField() async throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        let client = try await CampaignClient.connect(socketPath: dir + "/public.sock")
        do {
            _ = try await client.call(SignLetter(name: "A", email: "nope"))
            Issue.record("bad email accepted")
        } catch let error as ResponseError {
            #expect(error.code == .invalidParams)
            #expect(error.data?.field == "email")
        }
        do {
            _ = try await client.call(ExportSignatures())
            Issue.record("admin method served on the public socket")
        } catch let error as ResponseError {
            #expect(error.code == .methodNotFound)
        }
        await client.close()
        server.stop()
    }

    @Test func typedNotificationsReachEveryStreamOpenedForThem() async throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        let watcher = try await CampaignClient.connect(socketPath: dir + "/public.sock")
        // Two holders of one connection, as a site fanning out one subscription would have.
        let first = watcher.notifications(of: CampaignChanged.self)
        let second = watcher.notifications(of: CampaignChanged.self)
        #expect(try await watcher.call(Subscribe(topics: [.fundraiser])).topics == [.fundraiser])
        let admin = try await CampaignClient.connect(socketPath: dir + "/admin.sock")
        _ = try await admin.call(UpdateFundraiser(title: "Bus ads, round two"))
        for stream in [first, second] {
            let changed = try #require(await Self.collect(stream, count: 1).first)
            #expect(changed.fundraiser?.title == "Bus ads, round two")
            #expect(changed.signatures == nil && changed.events == nil)
        }
        await admin.close()
        await watcher.close()
        server.stop()
    }

    @Test func typedNotificationsSkipOtherMethodsReportWhatDoesNotDecodeAndEndWithTheConnection() async throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A stand-in service: it keeps the client's first line, sends these and exits.
        let sent = [
            #"{"jsonrpc":"2.0","method":"other.thing","params":{"events":[]}}"#,
            #"{"jsonrpc":"2.0","method":"campaign.changed","params":{"events":"soon"}}"#,
            #"{"jsonrpc":"2.0","method":"campaign.changed","params":{"events":[],"future":true}}"#,
            #"{"jsonrpc":"2.0","method":"campaign.changed"}"#,
        ]
        let script = #"read -r line; printf '%s\n' "$line" > "$1"; printf '%s\n' "# + sent.map { "'\($0)'" }.joined(separator: " ")
        let client = try await CampaignClient.spawn(executable: "/bin/sh", arguments: ["-c", script, "--stdio", dir + "/received"])
        let reports = NIOLockedValueBox<[String]>([])
        let changes = client.notifications(of: CampaignChanged.self) { error in reports.withLockedValue { $0.append("\(error)") } }
        try await client.notify(ClickTweet(tweetId: "t1"))

        #expect(await Self.collect(changes, count: 10) == [CampaignChanged(events: []), CampaignChanged()])
        #expect(reports.withLockedValue { $0.count } == 1)
        #expect(reports.withLockedValue { $0.first?.contains("campaign.changed params at events") } == true)
        // A stream opened after the connection ended ends at once.
        #expect(await Self.collect(client.notifications(of: CampaignChanged.self), count: 1).isEmpty)
        await client.close()

        // What `notify` sent: the notification's method and params, and no id.
        let received = try JSONParser.parse(try String(contentsOfFile: dir + "/received", encoding: .utf8))
        #expect(
            received
                == .object(["jsonrpc": .string("2.0"), "method": .string("tweets.click"), "params": .object(["tweetId": .string("t1")])]))
    }

    @Test func watchPrintsEachChangeUntilTheServiceCloses() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        let watchDir = dir + "/watch"
        try FileManager.default.createDirectory(atPath: watchDir, withIntermediateDirectories: true)
        let watch = try ServerProcess(
            executable: Paths.buildDirectory + "/campaignctl",
            arguments: ["--socket", dir + "/public.sock", "watch", "--topic", "fundraiser"], directory: watchDir)
        let deadline = Date().addingTimeInterval(20)
        while !watch.stderr.contains("watching fundraiser"), Date() < deadline { usleep(20_000) }
        #expect(watch.stderr.contains("watching fundraiser"))
        _ = try LineClient(path: dir + "/admin.sock").call("fundraiser.update", #"{"title":"Bus ads, round two"}"#)
        let line = try #require(watch.output.readLine(timeout: 10))
        #expect(line.contains(" fundraiser pledged="), "\(line)")
        server.stop()
        #expect(watch.waitForExit() == 1)
        #expect(watch.stderr.contains("campaignd closed the connection"))
    }

    /// Up to `count` elements, until the stream ends or ten seconds pass (so that a bug fails, not hangs).
    static func collect<Element: Sendable>(_ stream: AsyncStream<Element>, count: Int) async -> [Element] {
        await withTaskGroup(of: [Element]?.self) { group in
            group.addTask {
                var elements: [Element] = []
                for await element in stream {
                    elements.append(element)
                    if elements.count == count { break }
                }
                return elements
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? []
        }
    }

    @Test func campaignctlOutboxFailReportsAFailureThatComesBackLater() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        defer { server.stop() }
        let admin = dir + "/admin.sock"
        _ = try LineClient(path: dir + "/public.sock").call("letter.sign", #"{"name":"Ada","email":"ada@example.org"}"#)
        let claimed = try Campaignctl.run(["--socket", admin, "outbox", "claim"])
        #expect(claimed.status == 0 && claimed.output.contains("signature.confirm"))
        let failed = try Campaignctl.run(["--socket", admin, "outbox", "fail", "--reason", "451 greylisted", "1"])
        #expect(failed.status == 0 && failed.output.contains("retrying: 1, given up: 0"), "\(failed.output)")
        let export = try #require(JSON.result(try LineClient(path: admin).call("signatures.export")))
        let delivery = (export["items"] as? [[String: Any]])?.first?["delivery"] as? [String: Any]
        #expect(delivery?["state"] as? String == "retrying" && delivery?["reason"] as? String == "451 greylisted")
        // Not claimable again until its backoff has passed.
        #expect(try Campaignctl.run(["--socket", admin, "outbox", "claim"]).output.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
    }
}
