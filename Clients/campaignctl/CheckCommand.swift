import ArgumentParser
import CampaignClient
import CampaignProtocol

/// `campaignctl check`: every counter against a recount from the rows (admin socket). Exits 1 on drift.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recount every counter from the rows and report any drift (admin socket).")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let report = try await connection.withClient { client in try await client.call(CheckService()) }
        for counter in report.counters {
            let mark = counter.stored == counter.recounted ? "ok   " : "DRIFT"
            print("\(mark) \(counter.name): stored \(counter.stored), recounted \(counter.recounted)")
        }
        print("integrity: \(report.integrity)")
        print("drift: \(report.drift)")
        if !report.ok { throw ExitCode(1) }
    }
}
