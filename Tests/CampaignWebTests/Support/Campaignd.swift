import CampaignProtocol
import Foundation
import Logging

@testable import CampaignWeb

/// The built `campaignd` serving the example campaign on a public and an admin socket in a temporary
/// directory, for the site to call for real. It can be stopped and started again on the same state.
final class Campaignd: @unchecked Sendable {
    let directory: String
    var process: Process?
    var publicSocket: String { directory + "/public.sock" }
    var adminSocket: String { directory + "/admin.sock" }

    /// The directory holding the test bundle also holds the built executables.
    static let buildDirectory: String = {
        if let dir = ProcessInfo.processInfo.environment["CAMPAIGND_BUILD_DIR"] { return dir }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path
    }()

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    init() throws {
        directory = "/tmp/campaign-web-it-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try start()
    }

    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.buildDirectory + "/campaignd")
        process.arguments = [
            "--listen", publicSocket, "--admin-listen", adminSocket, "--state-dir", directory + "/state",
            "--campaign", Self.packageRoot + "/Schemas/examples/northwind.campaign.json",
        ]
        process.standardOutput = FileHandle.nullDevice
        let log = directory + "/stderr.log"
        if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
        let handle = FileHandle(forWritingAtPath: log)
        handle?.seekToEndOfFile()
        process.standardError = handle
        // Process and its run-loop source hold each other until waitUntilExit.
        process.terminationHandler = { $0.waitUntilExit() }
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(20)
        while !(FileManager.default.fileExists(atPath: adminSocket) && FileManager.default.fileExists(atPath: publicSocket)) {
            guard process.isRunning, Date() < deadline else { throw CampaigndFailure("campaignd did not start: \(stderr)") }
            usleep(20_000)
        }
    }

    /// SIGTERM, then waits for the exit (SIGKILL after 10 s).
    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        self.process = nil
    }

    var stderr: String { (try? String(contentsOfFile: directory + "/stderr.log", encoding: .utf8)) ?? "" }

    /// A connection to the admin socket, for what a test checks behind the site's back.
    func admin() -> CampaignBackend { CampaignBackend(socketPath: adminSocket, logger: Logger(label: "test-admin")) }

    /// The tokens of the messages now in the outbox, by kind.
    func claimTokens() async throws -> [(kind: MessageKind, name: String, token: String)] {
        let claimed = try await admin().call(ClaimOutbox(limit: 100))
        return claimed.messages.compactMap { m in m.token.map { (m.kind, m.to.name, $0) } }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct CampaigndFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
