import CampaignProtocol
import Foundation
import Logging

/// Logs one line per message to stderr. Under journald each line starts with a `<N>` syslog priority,
/// which the journal turns into the entry's level. Shared by campaignd, the mailer and the site, which all
/// run under systemd.
public struct StderrLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    let label: String
    let journal: Bool

    public init(label: String, journal: Bool) {
        self.label = label
        self.journal = journal
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = ""
        if journal {
            line = "<\(Self.priority(event.level))>"
        } else {
            line = "\(Self.timestamp()) \(event.level) "
        }
        line += event.message.description
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        if !merged.isEmpty {
            line += " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        line += "\n"
        // One write per line so concurrent lines do not interleave.
        line.utf8CString.withUnsafeBufferPointer { p in _ = write(2, p.baseAddress, p.count - 1) }
    }

    /// Every logger of the process writes here at `level`, with priorities when stderr is the journal.
    public static func bootstrap(level: Logger.Level) {
        let journal = stderrIsJournal
        LoggingSystem.bootstrap { label in
            var handler = StderrLogHandler(label: label, journal: journal)
            handler.logLevel = level
            return handler
        }
    }

    /// Whether stderr is the journal's stream (`JOURNAL_STREAM` names its device and inode).
    static var stderrIsJournal: Bool {
        guard let stream = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] else { return false }
        let parts = stream.split(separator: ":")
        guard parts.count == 2, let dev = UInt64(parts[0]), let ino = UInt64(parts[1]) else { return false }
        var st = stat()
        guard fstat(2, &st) == 0 else { return false }
        return UInt64(st.st_dev) == dev && UInt64(st.st_ino) == ino
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(millisecondsSince1970: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000).description
    }
}
