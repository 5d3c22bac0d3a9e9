import Foundation

/// The standard `process_*` figures, read from /proc/self and the kernel at scrape time.
struct ProcessFigures: Sendable {
    var residentBytes: Double = 0
    var virtualBytes: Double = 0
    var openFDs: Double = 0
    var maxFDs: Double = 0
    var cpuSeconds: Double = 0

    static func read() -> ProcessFigures {
        var figures = ProcessFigures()
        // statm: total and resident size, in pages.
        if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) {
            let fields = statm.split(separator: " ").compactMap { Double($0) }
            let page = Double(sysconf(Int32(_SC_PAGESIZE)))
            if fields.count >= 2 {
                figures.virtualBytes = fields[0] * page
                figures.residentBytes = fields[1] * page
            }
        }
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            // The directory read holds one descriptor of its own while it lists.
            figures.openFDs = Double(max(0, entries.count - 1))
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { figures.maxFDs = Double(limit.rlim_cur) }
        var usage = rusage()
        if getrusage(RUSAGE_SELF.rawValue, &usage) == 0 {
            func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1_000_000 }
            figures.cpuSeconds = seconds(usage.ru_utime) + seconds(usage.ru_stime)
        }
        return figures
    }
}
