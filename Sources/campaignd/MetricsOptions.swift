import ArgumentParser

/// `--metrics-listen`: Prometheus metrics over HTTP, off unless asked for.
struct MetricsOptions: ParsableArguments {
    @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics (e.g. 127.0.0.1:9464). Off by default.")
    var metricsListen: String?

    @Flag(help: "Allow --metrics-listen on an address other than loopback (the metrics are not authenticated).")
    var metricsAllowRemote = false

    func validate() throws {
        guard let metricsListen else { return }
        let address = try Self.parse(metricsListen)
        guard metricsAllowRemote || Self.isLoopback(address.host) else {
            throw ValidationError(
                "--metrics-listen \(metricsListen) is not a loopback address; add --metrics-allow-remote to serve it anyway")
        }
    }

    /// HOST:PORT, with an IPv6 host in brackets (`[::1]:9464`).
    static func parse(_ value: String) throws -> (host: String, port: Int) {
        guard let colon = value.lastIndex(of: ":") else { throw ValidationError("--metrics-listen takes HOST:PORT") }
        var host = String(value[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(value[value.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--metrics-listen takes HOST:PORT, with a port from 0 to 65535")
        }
        return (host, port)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
