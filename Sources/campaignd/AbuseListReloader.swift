import CampaignService
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Reads `--abuse-list` and reads it again on SIGHUP (`systemctl reload`): organisers block a domain
/// without a restart. A file that does not parse on reload is logged and the lists in force stay.
struct AbuseListReloader: Service {
    /// Without a list, SIGHUP is still caught (it would end the process) and only logged.
    let path: String?
    let policy: AbusePolicy
    let logger: Logger
    /// Trapping from start-up: a SIGHUP before the service runs must not end the process.
    let hangups: UnixSignalsSequence

    static func load(_ path: String) throws -> AbuseLists {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AbuseListError(description: "cannot read abuse list \(path)")
        }
        do {
            return try AbuseLists(parsing: String(decoding: data, as: UTF8.self))
        } catch {
            throw AbuseListError(description: "abuse list \(path): \(error)")
        }
    }

    func run() async throws {
        for await _ in hangups.cancelOnGracefulShutdown() {
            guard let path else {
                logger.notice("SIGHUP: no --abuse-list to reload")
                continue
            }
            do {
                let lists = try Self.load(path)
                policy.replace(with: lists)
                logger.notice("reloaded abuse list", metadata: ["file": "\(path)", "rules": "\(lists.summary)"])
                Systemd.notify("STATUS=Reloaded \(path)")
            } catch {
                logger.error("abuse list not reloaded; the previous lists stay in force", metadata: ["error": "\(error)"])
            }
        }
    }
}

struct AbuseListError: Error, CustomStringConvertible {
    let description: String
}
