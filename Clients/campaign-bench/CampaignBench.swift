import ArgumentParser
import Foundation
import NIOCore
import NIOExtras
import NIOPosix

/// Closed-loop load generator: N connections each keep `depth` requests outstanding for a warm-up and a
/// measured window, then report throughput, latency percentiles (HdrHistogram) and errors.
struct CampaignBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign-bench",
        abstract: "Load generator for campaignd: closed-loop pipelined JSON-RPC over a Unix socket.",
        discussion: """
            Each connection keeps --depth requests outstanding: it sends that many at the start and one more \
            for each reply. Replies completed during the warm-up are not recorded; those completed in the \
            --duration seconds after it are. Latency is recorded for successful replies; a reply with an \
            error member counts as an error, by code. Exits 1 if a connection failed or nothing succeeded.
            """
    )

    @Option(help: "The service's public socket.")
    var socket: String

    @Option(help: "Connections.")
    var connections = 16

    @Option(help: "Requests outstanding per connection.")
    var depth = 32

    @Option(help: "Weighted request kinds: count, list, sign, rsvp, repeat (one email per connection, signed again; e.g. count=8,sign=2).")
    var mix = "count=1"

    @Option(help: "Measured window, seconds.")
    var duration = 10.0

    @Option(help: "Warm-up before the window, seconds (not recorded).")
    var warmup = 2.0

    @Option(help: "Event id for rsvp requests.")
    var event = "connect-2027-protest"

    @Flag(help: "Print one JSON object instead of the text report.")
    var json = false

    @Option(help: "A name for this run in the report.")
    var label = ""

    @Option(help: "Event-loop threads of the generator.")
    var threads = 1

    @Option(help: "Seconds to wait for outstanding replies after the window (and to connect).")
    var drainTimeout = 5.0

    func validate() throws {
        guard connections >= 1 else { throw ValidationError("--connections must be at least 1") }
        guard depth >= 1 else { throw ValidationError("--depth must be at least 1") }
        guard duration > 0, duration <= 86_400 else { throw ValidationError("--duration must be in (0, 86400]") }
        guard warmup >= 0, warmup <= 86_400 else { throw ValidationError("--warmup must be in [0, 86400]") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard drainTimeout > 0, drainTimeout <= 3600 else { throw ValidationError("--drain-timeout must be in (0, 3600]") }
        _ = try Mix(parsing: mix)
    }

    func run() throws {
        let mix = try Mix(parsing: mix)
        let schedule = mix.schedule
        // Per run, so emails differ from every earlier run against the same database.
        let runTag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let drain = TimeAmount.nanoseconds(Int64(drainTimeout * 1e9))

        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        defer { try? group.syncShutdownGracefully() }

        // Connect everything first, so the clock starts with every connection ready.
        var pending: [(connected: EventLoopFuture<any Channel>, done: EventLoopFuture<ConnectionResult>)] = []
        for index in 0..<connections {
            let plan = ConnectionPlan(
                index: index, depth: depth, schedule: schedule,
                templates: RequestTemplates(runTag: runTag, connection: index, eventId: event), drainTimeout: drain
            )
            let done = group.next().makePromise(of: ConnectionResult.self)
            let connected = ClientBootstrap(group: group)
                .connectTimeout(drain)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            ByteToMessageHandler(LineBasedFrameDecoder()),
                            BenchConnectionHandler(plan: plan, done: done)
                        )
                    }
                }
                .connect(unixDomainSocketPath: socket)
            pending.append((connected, done.futureResult))
        }

        var report = Report(label: label, connections: connections, depth: depth, mix: mix.description, durationSeconds: 0)
        var channels: [any Channel] = []
        var failures: [(connection: Int, message: String)] = []
        var running: [(index: Int, done: EventLoopFuture<ConnectionResult>)] = []
        for (index, connection) in pending.enumerated() {
            do {
                channels.append(try connection.connected.wait())
                running.append((index, connection.done))
            } catch {
                report.errorsByCode["connection", default: 0] += 1
                failures.append((index, "cannot connect to \(socket): \(error)"))
            }
        }

        if !channels.isEmpty {
            let start = monotonicNow()
            let warmupEnd = start + UInt64(warmup * 1e9)
            let measureEnd = warmupEnd + UInt64(duration * 1e9)
            for channel in channels {
                channel.pipeline.fireUserInboundEventTriggered(StartEvent(warmupEnd: warmupEnd, measureEnd: measureEnd))
            }

            // Wait for the end of the window, or less if every connection has already failed.
            let loop = group.next()
            let allDone = EventLoopFuture.whenAllComplete(running.map(\.done), on: loop)
            let window = loop.scheduleTask(deadline: .uptimeNanoseconds(measureEnd)) {}
            allDone.whenComplete { _ in window.cancel() }
            _ = try? window.futureResult.wait()
            let stopped = min(monotonicNow(), measureEnd)

            for channel in channels { channel.pipeline.fireUserInboundEventTriggered(StopEvent()) }
            // Each handler finishes within the drain timeout on its own; the channel closing also ends it.
            let results = try allDone.wait()
            report.durationSeconds = stopped > warmupEnd ? Double(stopped - warmupEnd) / 1e9 : 0
            for (connection, outcome) in zip(running, results) {
                guard case .success(let result) = outcome else { continue }
                report.add(result)
                if let failure = result.failure { failures.append((connection.index, failure)) }
            }
        }

        warnOnce(failures)
        print(json ? report.json : report.human)
        if report.errorsByCode["connection", default: 0] > 0 || report.ok == 0 { throw ExitCode(1) }
    }
}

/// One line per distinct failure, not one per connection: 16 identical lines say less.
func warnOnce(_ failures: [(connection: Int, message: String)]) {
    var seen: [String: [Int]] = [:]
    var order: [String] = []
    for failure in failures {
        if seen[failure.message] == nil { order.append(failure.message) }
        seen[failure.message, default: []].append(failure.connection)
    }
    for message in order {
        let which = seen[message, default: []]
        let subject = which.count == 1 ? "connection \(which[0])" : "\(which.count) connections"
        warn("\(subject): \(message)")
    }
}

/// Diagnostics go to stderr, so `--json` output stays one object on stdout.
func warn(_ message: String) {
    FileHandle.standardError.write(Data("campaign-bench: \(message)\n".utf8))
}
