import Foundation

/// The real `campaignctl`, run as an organiser would.
enum Campaignctl {
    /// Runs `campaignctl ARGS`; its exit status and what it printed (stdout and stderr).
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runToEnd(Paths.buildDirectory + "/campaignctl", arguments)
    }

    /// `campaignctl check`: every counter recounted from the rows, and `PRAGMA integrity_check`.
    static func check(adminSocket: String) throws -> (passed: Bool, report: String) {
        let (status, report) = try run(["--socket", adminSocket, "check"])
        return (status == 0 && report.contains("drift: 0") && report.contains("integrity: ok"), report)
    }
}

/// Runs `executable` to its end: its exit status and what it printed (stdout and stderr together).
func runToEnd(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = out
    try process.run()
    let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output)
}
