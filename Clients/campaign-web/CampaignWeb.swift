import ArgumentParser
import CampaignWeb
import Hummingbird
import Logging
import ServiceLifecycle
import StderrLogging

/// The campaign's web site: pages and forms over campaignd's public socket.
struct CampaignWebCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign-web", abstract: "Serves the campaign's site: the letter, its forms and its figures.")

    @Option(help: "Where to listen: HOST:PORT, or unix:PATH. Not used when systemd passes a socket (campaign-web.socket).")
    var listen: String = "127.0.0.1:8080"

    @Option(help: "campaignd's public socket.")
    var socket: String = "/run/campaignd/public.sock"

    @Option(help: "A directory whose NAME.mustache and site.css files replace the shipped ones.")
    var templates: String?

    @Option(
        name: .customLong("trusted-proxy"),
        help: "A proxy (CIDR, or `unix` for peers on a Unix socket) whose X-Forwarded-For is believed. Repeatable.")
    var trustedProxies: [String] = []

    @Option(help: "The site's public base URL, such as https://letter.example.org: its origin may post the forms.")
    var siteURL: String?

    @Option(help: "The name in every page's header.")
    var siteTitle: String = "Open letter"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        _ = try Self.bindAddress(listen)
        _ = try Self.proxies(trustedProxies)
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        if let siteURL, !(siteURL.hasPrefix("https://") || siteURL.hasPrefix("http://")) {
            throw ValidationError("--site-url must start with https:// or http://")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        StderrLogHandler.bootstrap(level: level)
        let logger = Logger(label: "campaign-web")
        let (cidrs, trustsUnix) = try Self.proxies(trustedProxies)
        let configuration = SiteConfiguration(
            socketPath: socket, templatesDirectory: templates, trustedProxies: cidrs, trustsUnixPeers: trustsUnix,
            siteURL: siteURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }, siteTitle: siteTitle)
        let site: Site
        do {
            site = try Site(configuration: configuration, logger: logger)
        } catch {
            throw ValidationError("\(error)")
        }
        if !site.state.templates.overrides.isEmpty {
            logger.info("templates overridden", metadata: ["files": "\(site.state.templates.overrides)"])
        }
        // Under systemd (campaign-web.socket) the listening socket is passed in and --listen is not used.
        // The site's services come before the server: on SIGTERM the server stops first, ending its streams.
        let passed = SystemdSockets.takePassed()
        let services: [any Service]
        if let socket = passed.first(where: { $0.name == "http" }) ?? passed.first {
            logger.info("serving the socket systemd passed", metadata: ["name": "\(socket.name)"])
            services =
                site.services + [
                    ActivatedHTTPServer(
                        fd: socket.fd, responder: site.router.buildResponder(), logger: logger, serverName: "campaign-web",
                        fastPath: site.letterFastPath(serverName: "campaign-web"))
                ]
        } else {
            services = [
                Application(
                    router: site.router, server: .siteHTTP1(fastPath: site.letterFastPath(serverName: "campaign-web")),
                    configuration: .init(
                        address: try Self.bindAddress(listen), serverName: "campaign-web", backlog: SiteConnections.backlog),
                    services: site.services, logger: logger)
            ]
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    static func bindAddress(_ text: String) throws -> BindAddress {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst("unix:".count))
            guard !path.isEmpty else { throw ValidationError("--listen unix:PATH needs a path") }
            return .unixDomainSocket(path: path)
        }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--listen wants HOST:PORT or unix:PATH, not \(text)")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return .hostname(host.isEmpty ? "127.0.0.1" : host, port: port)
    }

    static func proxies(_ values: [String]) throws -> ([CIDR], Bool) {
        var cidrs: [CIDR] = []
        var unix = false
        for value in values {
            if value == "unix" {
                unix = true
            } else if let cidr = CIDR(value) {
                cidrs.append(cidr)
            } else {
                throw ValidationError("--trusted-proxy wants a CIDR such as 10.0.0.0/8, or unix; not \(value)")
            }
        }
        return (cidrs, unix)
    }
}
