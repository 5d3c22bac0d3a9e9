// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "campaignd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "campaignd", targets: ["campaignd"]),
        .executable(name: "campaign-mailer", targets: ["campaign-mailer"]),
        .executable(name: "campaignctl", targets: ["campaignctl"]),
        .library(name: "CampaignProtocol", targets: ["CampaignProtocol"]),
        .library(name: "CampaignClient", targets: ["CampaignClient"]),
        .executable(name: "campaign-web", targets: ["campaign-web"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.25.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // The contract: method types, JSON-RPC envelopes, error codes. Foundation only.
        .target(
            name: "CampaignProtocol",
            swiftSettings: swiftSettings
        ),
        // One line per log message on stderr, with syslog priorities under journald: every executable's logs.
        .target(
            name: "StderrLogging",
            dependencies: [
                "CampaignProtocol",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Random bytes from the kernel, drawn a block at a time: tokens, ids, nonces, Message-IDs.
        .target(
            name: "SecureRandom",
            swiftSettings: swiftSettings
        ),
        // libsystemd (sd_listen_fds_with_names, sd_notify) through pkg-config.
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        // The service: dispatch, method handlers, storage, transports, systemd.
        .target(
            name: "CampaignService",
            dependencies: [
                "CampaignProtocol",
                "CSystemd",
                "SecureRandom",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // Metrics/: counters and histograms, the Prometheus exposition, the /metrics HTTP server.
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [
                .embedInCode("openrpc.json")
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "campaignd",
            dependencies: [
                "CampaignService",
                "StderrLogging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // Clients.
        .target(
            name: "CampaignClient",
            dependencies: [
                "CampaignProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Clients/CampaignClient",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "campaignctl",
            dependencies: [
                "CampaignClient",
                "CampaignProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Clients/campaignctl",
            swiftSettings: swiftSettings
        ),

        // The mailer's messages: an outbox message rendered from mustache templates into RFC 5322 bytes.
        .target(
            name: "MailMessage",
            dependencies: [
                "CampaignProtocol",
                "SecureRandom",
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            path: "Clients/MailMessage",
            swiftSettings: swiftSettings
        ),
        // The SMTP transport of campaign-mailer: a state machine per connection on SwiftNIO.
        .target(
            name: "SMTPClient",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ],
            path: "Clients/SMTPClient",
            swiftSettings: swiftSettings
        ),
        // The mailer: claims campaignd's outbox, renders, delivers, and reports each outcome.
        .executableTarget(
            name: "campaign-mailer",
            dependencies: [
                "CampaignClient",
                "CampaignProtocol",
                "CSystemd",
                "MailMessage",
                "SMTPClient",
                "StderrLogging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Clients/campaign-mailer",
            swiftSettings: swiftSettings
        ),
        // The public site's pages and forms, a client of campaignd's public socket.
        .target(
            name: "CampaignWeb",
            dependencies: [
                "CampaignClient",
                "CampaignProtocol",
                "SecureRandom",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                // Live/ and Serving/: the feed's lock, the server on a passed socket, graceful shutdown, `GET /`
                // answered on the event loop (LetterFastPath: HTTP parts between the codec and Hummingbird).
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Clients/CampaignWeb",
            resources: [
                .embedInCode("Live/live.js")
            ],
            swiftSettings: swiftSettings
        ),
        // The site's executable: flags, then a `ServiceGroup` running the Hummingbird application.
        .executableTarget(
            name: "campaign-web",
            dependencies: [
                "CampaignWeb",
                "StderrLogging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Clients/campaign-web",
            swiftSettings: swiftSettings
        ),

        // The load generator of `make bench`.
        .executableTarget(
            name: "campaign-bench",
            dependencies: [
                "CampaignProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Clients/campaign-bench",
            swiftSettings: swiftSettings
        ),

        // Tests.
        .testTarget(
            name: "CampaignProtocolTests",
            dependencies: ["CampaignProtocol"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CampaignServiceTests",
            dependencies: [
                "CampaignProtocol",
                "CampaignService",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                // Metrics/: the exposition of each family, from a registry of the test's own.
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                // The framing decoders, in an EmbeddedChannel and through ByteToMessageDecoderVerifier.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SecureRandomTests",
            dependencies: ["SecureRandom"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MailMessageTests",
            dependencies: ["CampaignProtocol", "MailMessage"],
            exclude: ["parse_message.py"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SMTPClientTests",
            dependencies: ["SMTPClient"],
            exclude: ["smtp_server.py"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CampaignWebTests",
            dependencies: [
                "CampaignProtocol",
                "CampaignWeb",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                // The live tests: campaignd's admin socket, the router, the service group.
                "CampaignClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // ConnectionSettingsTests: a server on an event loop of its own, and its channels' options.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CampaigndTests",
            dependencies: [
                "CampaignClient",
                "CampaignProtocol",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

// The libFuzzer target of `make fuzz` (Fuzz/fuzz.sh), declared only when CAMPAIGND_FUZZ=1: it is
// built with `-sanitize=fuzzer` and `-parse-as-library`, and its entry point hands over to libFuzzer,
// so an ordinary build could not link it.
if Context.environment["CAMPAIGND_FUZZ"] == "1" {
    package.targets.append(
        .executableTarget(
            name: "CampaignFuzz",
            dependencies: [
                "CampaignProtocol",
                "CampaignService",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
            ],
            path: "Fuzz/CampaignFuzz",
            // `@_extern(c)` declares libFuzzer's `LLVMFuzzerRunDriver` (Fuzz/CampaignFuzz/CampaignFuzz.swift).
            swiftSettings: swiftSettings + [.enableExperimentalFeature("Extern")]
        )
    )
}
