import CampaignClient
import CampaignProtocol
import Foundation
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
}
