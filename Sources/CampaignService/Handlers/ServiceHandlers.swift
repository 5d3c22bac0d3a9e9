import CampaignProtocol

/// The version this build reports.
public let campaigndVersion = "0.1.0"

extension MethodRegistry {
    /// `service.health`, `service.stats`, `service.check`.
    mutating func registerServiceHandlers(store: CampaignStore, metrics: ServiceMetrics) {
        register(ServiceHealth.self) { _, _ in ServiceHealth.Result(status: "ok", version: campaigndVersion) }
        register(ServiceStats.self) { _, _ in
            let (signatures, outbox, pledges, tweets) = try await store.statsTotals()
            let now = Timestamp.now()
            return ServiceStats.Result(
                version: campaigndVersion, startedAt: metrics.startedAt,
                uptimeSeconds: Int((now.millisecondsSince1970 - metrics.startedAt.millisecondsSince1970) / 1000),
                signatures: signatures, outbox: outbox, connections: metrics.connectionTotals, requests: metrics.requestTotals,
                pledges: pledges, tweets: tweets, writes: store.writeTotals, retention: try store.retentionStats())
        }
        register(CheckService.self) { _, _ in try await store.check() }
    }
}

extension MethodRegistry {
    /// `service.backup`.
    mutating func registerBackupHandler(store: CampaignStore) {
        register(BackupService.self) { params, _ in
            if let name = params.path { try BackupFiles.validate(name: name) }
            if let keep = params.keep, !(1...1000).contains(keep) {
                throw ResponseError.invalidParams(field: "keep", reason: "must be between 1 and 1000")
            }
            return try await store.backup(name: params.path, keep: params.keep)
        }
    }
}
