import Foundation
import Histogram

/// The merged figures of a run and their two renderings.
struct Report {
    /// Latencies above this (60 s) are recorded as this; it bounds the histogram's memory.
    static let highestLatency: UInt64 = 60_000_000_000

    var label: String
    var connections: Int
    var depth: Int
    var mix: String
    /// The measured window as it happened: shorter than `--duration` when every connection failed early.
    var durationSeconds: Double
    var histogram = Histogram<UInt64>(highestTrackableValue: Report.highestLatency, numberOfSignificantValueDigits: .three)
    var ok = 0
    var errorsByCode: [String: Int] = [:]

    var errors: Int { errorsByCode.values.reduce(0, +) }
    var requests: Int { ok + errors }
    /// Successful replies per second of the window.
    var throughput: Double { durationSeconds > 0 ? Double(ok) / durationSeconds : 0 }

    mutating func add(_ result: ConnectionResult) {
        histogram.add(result.histogram)
        ok += result.ok
        errorsByCode.merge(result.errorsByCode, uniquingKeysWith: +)
    }

    private func ms(_ percentile: Double) -> Double {
        histogram.totalCount == 0 ? 0 : Double(histogram.valueAtPercentile(percentile)) / 1e6
    }

    private var maxMs: Double { histogram.totalCount == 0 ? 0 : Double(histogram.max) / 1e6 }

    /// Codes in a stable order: numeric codes first, then the named kinds.
    private var sortedErrors: [(key: String, value: Int)] {
        errorsByCode.sorted { a, b in
            switch (Int(a.key), Int(b.key)) {
            case (let x?, let y?): x > y
            case (.some, nil): true
            case (nil, .some): false
            case (nil, nil): a.key < b.key
            }
        }
    }

    var human: String {
        let name = label.isEmpty ? "campaign-bench" : "campaign-bench \(label)"
        var lines = [
            "\(name): \(connections) conn x \(depth) deep, mix \(mix), \(String(format: "%.1f", durationSeconds)) s",
            "  throughput   \(String(format: "%.0f", throughput)) req/s (\(ok) ok, \(errors) errors)",
            "  latency ms   p50 \(String(format: "%.3f", ms(50)))  p99 \(String(format: "%.3f", ms(99)))"
                + "  p99.9 \(String(format: "%.3f", ms(99.9)))  max \(String(format: "%.1f", maxMs))",
        ]
        if errors > 0 {
            lines.append("  errors       " + sortedErrors.map { "\($0.key): \($0.value)" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    var json: String {
        let codes = sortedErrors.map { "\(jsonString($0.key)):\($0.value)" }.joined(separator: ",")
        let members = [
            #""label":\#(jsonString(label))"#,
            #""connections":\#(connections)"#,
            #""depth":\#(depth)"#,
            #""mix":\#(jsonString(mix))"#,
            #""durationSeconds":\#(String(format: "%.3f", durationSeconds))"#,
            #""requests":\#(requests)"#,
            #""ok":\#(ok)"#,
            #""errors":\#(errors)"#,
            #""errorsByCode":{\#(codes)}"#,
            #""throughput":\#(String(format: "%.1f", throughput))"#,
            #""p50Ms":\#(String(format: "%.3f", ms(50)))"#,
            #""p99Ms":\#(String(format: "%.3f", ms(99)))"#,
            #""p999Ms":\#(String(format: "%.3f", ms(99.9)))"#,
            #""maxMs":\#(String(format: "%.3f", maxMs))"#,
        ]
        return "{" + members.joined(separator: ",") + "}"
    }
}
