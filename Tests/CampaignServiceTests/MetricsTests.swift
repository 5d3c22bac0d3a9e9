import CampaignProtocol
import Foundation
import Prometheus
import Testing

@testable import CampaignService

/// The exposition of each metric family, from a registry of each test's own (never the global bootstrap).
@Suite struct MetricsTests {
    /// A harness whose core counts into a fresh registry.
    struct Metered {
        let harness: Harness
        let exporter: MetricsExporter

        static func make(confirmationRequired: Bool = true) async throws -> Metered {
            let base = try await Harness.make(confirmationRequired: confirmationRequired)
            let registry = PrometheusCollectorRegistry()
            let exporter = MetricsExporter(registry: registry, factory: MetricsExporter.factory(registry: registry))
            let clock = base.clock
            let store = try CampaignStore(path: base.directory + "/campaign.sqlite", clock: { clock.current })
            let core = CampaignCore(store: store, exporter: exporter)
            return Metered(harness: Harness(core: core, clock: clock, directory: base.directory), exporter: exporter)
        }

        func scrape(admission: MetricsExporter.AdmissionFigures? = nil) async -> Exposition {
            Exposition(
                text: String(
                    decoding: await exporter.exposition(
                        store: harness.core.store, startedAt: harness.core.metrics.startedAt, admission: admission),
                    as: UTF8.self))
        }
    }

    /// The text format read back: each sample by its name and labels as written.
    struct Exposition {
        let text: String

        var samples: [String: Double] {
            var samples: [String: Double] = [:]
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let space = line.lastIndex(of: " ") else { continue }
                samples[String(line[..<space])] = Double(line[line.index(after: space)...])
            }
            return samples
        }

        subscript(_ series: String) -> Double? { samples[series] }

        func lines(starting prefix: String) -> [Substring] { text.split(separator: "\n").filter { $0.hasPrefix(prefix) } }
    }

    static let sign = JSONValue.parse(#"{"name":"Ada","email":"ada@example.org"}"#)

    @Test func requestsAreCountedByMethodAndOutcome() async throws {
        let m = try await Metered.make()
        _ = await m.harness.raw(method: "letter.sign", params: Self.sign, role: .public)
        _ = await m.harness.raw(method: "letter.sign", params: .parse(#"{"name":"Bo","email":"bo@example.org"}"#), role: .public)
        _ = await m.harness.raw(method: "letter.sign", params: .parse(#"{"name":"","email":"x"}"#), role: .public)
        _ = await m.harness.raw(method: "service.health")
        let scrape = await m.scrape()
        #expect(scrape[#"campaignd_requests_total{method="letter.sign",outcome="ok"}"#] == 2)
        #expect(scrape[#"campaignd_requests_total{method="letter.sign",outcome="-32602"}"#] == 1)
        #expect(scrape[#"campaignd_requests_total{method="service.health",outcome="ok"}"#] == 1)
        // Every method has its series from the start, so a dashboard's rate is 0, not absent.
        #expect(scrape[#"campaignd_requests_total{method="service.check",outcome="ok"}"#] == 0)
    }

    @Test func unknownMethodNamesShareOneSeries() async throws {
        let m = try await Metered.make()
        _ = await m.harness.raw(method: "no.such.method")
        _ = await m.harness.raw(method: "another.invented.name")
        _ = await m.harness.frame("{not json")
        _ = await m.harness.frame("[]")
        let scrape = await m.scrape()
        #expect(scrape[#"campaignd_requests_total{method="unknown",outcome="-32601"}"#] == 2)
        #expect(scrape[#"campaignd_requests_total{method="invalid",outcome="-32700"}"#] == 1)
        #expect(scrape[#"campaignd_requests_total{method="invalid",outcome="-32600"}"#] == 1)
        #expect(!scrape.text.contains("invented"))
    }

    @Test func requestLatencyIsAHistogramByMethod() async throws {
        let m = try await Metered.make()
        for _ in 0..<3 { _ = await m.harness.raw(method: "service.health") }
        let scrape = await m.scrape()
        #expect(scrape[#"campaignd_request_duration_seconds_count{method="service.health"}"#] == 3)
        #expect(scrape[#"campaignd_request_duration_seconds_bucket{method="service.health",le="+Inf"}"#] == 3)
        let buckets = scrape.lines(starting: #"campaignd_request_duration_seconds_bucket{method="service.health""#)
        // Sub-millisecond to seconds: 16 bounds and +Inf.
        #expect(buckets.count == MetricsCatalog.durationBuckets.count + 1)
        #expect(scrape[#"campaignd_request_duration_seconds_bucket{method="service.health",le="5.0"}"#] == 3)
    }

    @Test func rateLimitedRequestsAreCounted() async throws {
        let m = try await Metered.make()
        m.exporter.answered(method: "letter.sign", error: .rateLimited, since: nil)
        let scrape = await m.scrape()
        #expect(scrape["campaignd_rate_limited_requests_total"] == 1)
        #expect(scrape[#"campaignd_requests_total{method="letter.sign",outcome="-32004"}"#] == 1)
    }

    @Test func groupCommitBatchesAreCounted() async throws {
        let m = try await Metered.make()
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<8 {
                group.addTask {
                    _ = await m.harness.raw(
                        method: "letter.sign", params: .parse(#"{"name":"N\#(i)","email":"n\#(i)@example.org"}"#), role: .public)
                }
            }
        }
        let scrape = await m.scrape()
        let commits = try #require(scrape["campaignd_group_commits_total"])
        #expect(commits >= 1)
        #expect(scrape["campaignd_group_commit_batch_writes_count"] == commits)
        // Each sign is one write (its confirmation message rides in the same one).
        #expect(scrape["campaignd_group_commit_batch_writes_sum"] == 8)
        #expect(scrape[#"campaignd_group_commit_batch_writes_bucket{le="512.0"}"#] == commits)
    }

    @Test func connectionsAreCountedByListener() async throws {
        let m = try await Metered.make()
        m.exporter.connectionOpened(.public)
        m.exporter.connectionOpened(.public)
        m.exporter.connectionOpened(.admin)
        m.exporter.connectionClosed(.public)
        let scrape = await m.scrape()
        #expect(scrape[#"campaignd_connections_open{listener="public"}"#] == 1)
        #expect(scrape[#"campaignd_connections_open{listener="admin"}"#] == 1)
        #expect(scrape[#"campaignd_connections_accepted_total{listener="public"}"#] == 2)
        #expect(scrape[#"campaignd_connections_accepted_total{listener="admin"}"#] == 1)
    }

    @Test func inFlightAndAdmissionAreSampledAtScrapeTime() async throws {
        let m = try await Metered.make()
        m.exporter.requestStarted()
        m.exporter.requestStarted()
        m.exporter.requestFinished()
        let scrape = await m.scrape(admission: .init(active: 2, waiting: 5))
        #expect(scrape["campaignd_requests_in_flight"] == 1)
        #expect(scrape["campaignd_admission_active"] == 2)
        #expect(scrape["campaignd_admission_waiting"] == 5)
    }

    @Test func outboxDepthAgeRetriesAndDeadAreSampled() async throws {
        let m = try await Metered.make()
        _ = await m.harness.raw(method: "letter.sign", params: Self.sign, role: .public)
        m.harness.clock.advance(seconds: 90)
        let scrape = await m.scrape()
        let stats = try await m.harness.call(ServiceStats())
        #expect(scrape["campaignd_outbox_queued_messages"] == Double(stats.outbox.queued))
        #expect(scrape["campaignd_outbox_queued_messages"] == 1)
        #expect(scrape["campaignd_outbox_oldest_age_seconds"] == 90)
        #expect(scrape["campaignd_outbox_retrying_messages"] == 0)
        #expect(scrape["campaignd_outbox_dead_messages"] == 0)
    }

    @Test func signaturesByStateMatchServiceStats() async throws {
        let m = try await Metered.make()
        try await m.harness.signAndConfirm("Ada", "ada@example.org")
        _ = await m.harness.raw(method: "letter.sign", params: .parse(#"{"name":"Bo","email":"bo@example.org"}"#), role: .public)
        let scrape = await m.scrape()
        let stats = try await m.harness.call(ServiceStats()).signatures
        #expect(scrape[#"campaignd_signatures{state="confirmed"}"#] == Double(stats.confirmed))
        #expect(scrape[#"campaignd_signatures{state="pending"}"#] == Double(stats.pending))
        #expect(scrape[#"campaignd_signatures{state="suspect"}"#] == Double(stats.suspect))
        #expect(scrape[#"campaignd_signatures{state="confirmed"}"#] == 1)
        #expect(scrape[#"campaignd_signatures{state="pending"}"#] == 1)
    }

    @Test func pledgesAndRSVPSeatsByStateAreSampled() async throws {
        let m = try await Metered.make()
        let pledge = #"{"name":"Ada","email":"ada@example.org","amount":{"amountMinor":2500,"currency":"USD"},"idempotencyKey":"k1"}"#
        let rsvp = #"{"eventId":"connect-2027-protest","name":"Ada","email":"ada@example.org","guests":1}"#
        _ = await m.harness.raw(method: "pledges.create", params: .parse(pledge), role: .public)
        _ = await m.harness.raw(method: "rsvps.create", params: .parse(rsvp), role: .public)
        let scrape = await m.scrape()
        #expect(scrape[#"campaignd_pledges{state="pending"}"#] == 1)
        #expect(scrape[#"campaignd_pledges{state="paid"}"#] == 0)
        // Ada and her guest hold two seats until the hold runs out.
        #expect(scrape[#"campaignd_rsvp_seats{state="going"}"#] == 2)
        #expect(scrape[#"campaignd_rsvp_seats{state="waitlisted"}"#] == 0)
    }

    @Test func processMemoryAndDescriptorsAreReadFromProc() async throws {
        let m = try await Metered.make()
        let scrape = await m.scrape()
        #expect((scrape["process_resident_memory_bytes"] ?? 0) > 1_000_000)
        #expect((scrape["process_virtual_memory_bytes"] ?? 0) >= (scrape["process_resident_memory_bytes"] ?? 0))
        #expect((scrape["process_open_fds"] ?? 0) >= 3)
        #expect((scrape["process_max_fds"] ?? 0) >= (scrape["process_open_fds"] ?? 0))
        #expect((scrape["process_start_time_seconds"] ?? 0) > 1_700_000_000)
        #expect(scrape["process_cpu_seconds_total"] != nil)
        #expect(scrape[#"campaignd_build_info{version="\#(campaigndVersion)"}"#] == 1)
    }

    @Test func everyFamilyHasItsHelpAndTypeAsTheCatalogSays() async throws {
        let m = try await Metered.make()
        let scrape = await m.scrape()
        var typed: [String: String] = [:]
        for line in scrape.lines(starting: "# TYPE ") {
            let parts = line.split(separator: " ")
            typed[String(parts[2])] = String(parts[3])
        }
        #expect(Set(typed.keys) == Set(MetricsCatalog.families.map(\.name)))
        for family in MetricsCatalog.families {
            #expect(typed[family.name] == family.kind.rawValue, "\(family.name)")
            #expect(scrape.lines(starting: "# HELP \(family.name) ").count == 1, "\(family.name)")
            #expect(family.name.hasSuffix("_total") == (family.kind == .counter), "\(family.name)")
        }
    }

    @Test func theDashboardQueriesOnlyExportedMetrics() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("deploy/grafana/campaignd.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let inputs = try #require(dashboard["__inputs"] as? [[String: Any]])
        #expect(inputs.contains { $0["name"] as? String == "DS_PROMETHEUS" && $0["pluginId"] as? String == "prometheus" })
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        var expressions: [String] = []
        for panel in panels {
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                if let expr = target["expr"] as? String { expressions.append(expr) }
            }
        }
        #expect(panels.count >= 8)
        let exported = Set(MetricsCatalog.families.map(\.name))
        let pattern = try Regex(#"\b(campaignd|process)_[a-z_]+"#)
        var queried: Set<String> = []
        for expr in expressions {
            for match in expr.matches(of: pattern) {
                var name = String(expr[match.range])
                for suffix in ["_bucket", "_sum", "_count"] where !exported.contains(name) && name.hasSuffix(suffix) {
                    name.removeLast(suffix.count)
                }
                queried.insert(name)
            }
        }
        #expect(!queried.isEmpty)
        #expect(queried.subtracting(exported).isEmpty, "not exported: \(queried.subtracting(exported))")
    }
}
