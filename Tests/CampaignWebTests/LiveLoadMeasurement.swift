import CampaignWeb
import Dispatch
import Foundation
import Testing

/// The figure issue 11 asks for: resident memory with 10,000 open `/live` streams on one process with one
/// campaignd subscription. A measurement, run only on demand:
/// `CAMPAIGN_WEB_LIVE_LOAD=10000 swift test --filter LiveLoadMeasurement`; it prints the figures.
@Suite(.serialized) struct LiveLoadMeasurement {
    static let streams = Int(ProcessInfo.processInfo.environment["CAMPAIGN_WEB_LIVE_LOAD"] ?? "") ?? 0

    @Test(.enabled(if: streams > 0)) func everyOpenStreamReceivesASignature() async throws {
        try await LiveSite.with { site in
            let before = residentKilobytes()
            let tool = Process()
            tool.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            tool.arguments = [
                "python3", LiveCampaignd.packageRoot + "/Benchmarks/web-live/open_streams.py", "\(site.port)", "\(Self.streams)",
            ]
            let input = Pipe()
            let output = Pipe()
            tool.standardInput = input
            tool.standardOutput = output
            try tool.run()
            let lines = LineReader(output.fileHandleForReading)
            let ready = try #require(await lines.next())
            #expect(ready == "ready \(Self.streams)")
            let open = residentKilobytes()
            let admin = try await site.campaignd.admin()
            try await LiveCampaignd.confirmSignature(admin, email: "load@example.org")
            input.fileHandleForWriting.write(Data("wait 1\n".utf8))
            let seen = try #require(await lines.next())
            #expect(seen.hasPrefix("seen 1 streams=\(Self.streams) "))
            print(
                "live load: \(Self.streams) streams; RSS \(before / 1024) MiB before, \(open / 1024) MiB open "
                    + "(+\((open - before) / 1024) MiB, \((open - before) * 1024 / Self.streams) bytes a stream); "
                    + "subscribers \(site.feed.subscriberCount); \(seen)")
            try input.fileHandleForWriting.close()
            tool.waitUntilExit()
            await admin.close()
        }
    }

    /// VmRSS of this process, in KiB.
    func residentKilobytes() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}

/// Lines of a pipe, read on a dispatch thread so that no cooperative thread blocks.
final class LineReader: @unchecked Sendable {
    let handle: FileHandle
    var buffer = Data()
    init(_ handle: FileHandle) { self.handle = handle }

    func next() async -> String? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                while true {
                    if let newline = self.buffer.firstIndex(of: 10) {
                        let line = String(decoding: self.buffer[self.buffer.startIndex..<newline], as: UTF8.self)
                        self.buffer.removeSubrange(self.buffer.startIndex...newline)
                        continuation.resume(returning: line)
                        return
                    }
                    let data = self.handle.availableData
                    if data.isEmpty {
                        continuation.resume(returning: nil)
                        return
                    }
                    self.buffer.append(data)
                }
            }
        }
    }
}
