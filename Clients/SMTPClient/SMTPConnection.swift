import NIOCore
import NIOPosix
import NIOSSL

/// A connection to one SMTP server, reused for message after message: opened on the first `send`, reset
/// (RSET) after a message that was not delivered, opened again when the server has closed it. A batch of
/// messages is pipelined when the server offers PIPELINING (RFC 2920).
///
/// The actor runs on the event loop of its connections: a message's exchange starts and ends there, and
/// its caller's task hops over once each way.
public actor SMTPConnection {
    public let configuration: SMTPConfiguration
    private let eventLoop: any EventLoop
    private let executor: any SerialExecutor
    /// For tasks that call `send`: run them on this connection's event loop (`addTask(executorPreference:)`).
    public nonisolated let taskExecutor: any TaskExecutor
    private let sslContext: NIOSSLContext?
    private var session: Session?
    /// Connections opened so far (a reused connection keeps this at 1).
    public private(set) var connectionsOpened = 0

    private struct Session {
        let channel: any Channel
        let handler: NIOLoopBound<SMTPChannelHandler>
    }

    /// Fails only when the TLS settings cannot be used (an unreadable CA file).
    public init(configuration: SMTPConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.configuration = configuration
        eventLoop = group.next()
        executor = eventLoop.executor
        taskExecutor = EventLoopTaskExecutor(eventLoop)
        if configuration.security == .none {
            sslContext = nil
        } else {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.minimumTLSVersion = .tlsv12
            if case .file(let path) = configuration.trustRoots { tls.trustRoots = .file(path) }
            // Opportunistic STARTTLS (`?tls=none`) protects against passive eavesdroppers only: a local
            // server's self-signed certificate must not stop the mail (RFC 7435).
            if configuration.security == .startTLS(required: false) { tls.certificateVerification = .none }
            sslContext = try NIOSSLContext(configuration: tls)
        }
    }

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Sends one message and says what became of it. Never throws: every failure is an outcome.
    public func send(_ message: SMTPMessage) async -> SMTPOutcome {
        await send([message])[0]
    }

    /// Sends messages over one connection, pipelined when the server offers PIPELINING (a message's
    /// commands ride with the previous one's body), and says what became of each, in order. A message
    /// whose final dot went out without a reply is a temporary failure (sent again later: at least once);
    /// one that never reached its dot, when the connection is lost, goes again on a fresh connection as
    /// long as the last one made progress (or was a reused one the server had closed while idle).
    public func send(_ messages: [SMTPMessage]) async -> [SMTPOutcome] {
        var outcomes = [SMTPOutcome?](repeating: nil, count: messages.count)
        // An over-long line or a bad address is refused before any connection is made.
        var pending: [(index: Int, message: SMTPMessage, body: [UInt8])] = []
        for (index, message) in messages.enumerated() {
            do {
                pending.append((index, message, try message.encoded()))
            } catch {
                outcomes[index] = .failure(error)
            }
        }
        var mayRetryIdle = session != nil
        while !pending.isEmpty {
            let results = await attempt(pending.map { ($0.message, $0.body) })
            var unsent: [(index: Int, message: SMTPMessage, body: [UInt8])] = []
            var progress = false
            var lastFailure: SMTPFailure?
            for (item, result) in zip(pending, results) {
                switch result {
                case .outcome(let outcome):
                    outcomes[item.index] = outcome
                    progress = true
                case .notSent(let failure):
                    unsent.append(item)
                    lastFailure = failure
                }
            }
            pending = unsent
            guard let failure = lastFailure else { break }
            await drop()
            if !progress && !mayRetryIdle {
                // Not about these messages: the server or the way to it.
                for item in pending { outcomes[item.index] = .temporaryFailure(failure) }
                break
            }
            mayRetryIdle = false
        }
        return outcomes.map { $0 ?? .temporaryFailure(SMTPFailure(stage: .connection, text: "not sent")) }
    }

    /// How long `close` waits for the reply to QUIT before closing anyway.
    public static let quitReplyWait: Duration = .seconds(3)

    /// Says QUIT and closes the connection, if one is open.
    public func close() async {
        guard let session else { return }
        self.session = nil
        let promise = session.channel.eventLoop.makePromise(of: Void.self)
        session.channel.eventLoop.execute { session.handler.value.quit(promise: promise) }
        // The reply to QUIT tells us nothing we need (RFC 5321 §4.1.1.10): a server that never sends it
        // must not hold a stopping mailer for the command timeout. Closing ends the wait (channelInactive).
        let channel = session.channel
        let giveUp = channel.eventLoop.scheduleTask(in: TimeAmount(Self.quitReplyWait)) { channel.close(promise: nil) }
        try? await promise.futureResult.get()
        giveUp.cancel()
        try? await session.channel.close()
    }

    private func attempt(_ messages: [(message: SMTPMessage, body: [UInt8])]) async -> [SMTPChannelHandler.SendResult] {
        let session: Session
        do {
            session = try await openSession()
        } catch {
            let failure = error as? SMTPFailure ?? SMTPFailure(stage: .connection, text: "\(error)")
            return Array(repeating: .outcome(.failure(failure)), count: messages.count)
        }
        let promise = session.channel.eventLoop.makePromise(of: [SMTPChannelHandler.SendResult].self)
        session.channel.eventLoop.execute { session.handler.value.send(messages, promise: promise) }
        do {
            let results = try await promise.futureResult.get()
            if !session.channel.isActive { await drop() }
            return results
        } catch {
            await drop()
            let failure = SMTPFailure(stage: .connection, text: "\(error)")
            return Array(repeating: .outcome(.temporaryFailure(failure)), count: messages.count)
        }
    }

    private func openSession() async throws -> Session {
        // Whether a kept session is still usable, its handler says when asked to send.
        if let session { return session }
        let configuration = self.configuration
        let sslContext = self.sslContext
        let implicitTLS = configuration.security == .implicitTLS
        let settings = SMTPStateMachine.Settings(
            ehloName: configuration.ehloName,
            requireTLS: configuration.security != .none && configuration.security != .startTLS(required: false),
            useStartTLS: configuration.security != .none && !implicitTLS,
            credentials: configuration.credentials)
        // SNI and certificate checks need the host name; an IP literal goes without SNI.
        let serverHostname = Self.isIPLiteral(configuration.host) ? nil : configuration.host
        let makeTLSHandler: @Sendable () throws -> NIOSSLClientHandler = {
            guard let sslContext else { throw SMTPFailure(stage: .tls, text: "TLS is not configured") }
            return try NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname)
        }
        let timeouts = configuration.timeouts
        let channel: any Channel
        do {
            // No read before the SMTP handler is in place, or the greeting would reach an empty pipeline.
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(TimeAmount(timeouts.connect))
                .channelOption(.autoRead, value: false)
                .connect(host: configuration.host, port: configuration.port)
                .get()
        } catch {
            throw SMTPFailure(stage: .connection, text: "cannot connect to \(configuration.host):\(configuration.port): \(error)")
        }
        connectionsOpened += 1
        let opened = channel.eventLoop.makePromise(of: Void.self)
        let handlerBox: NIOLoopBound<SMTPChannelHandler>
        do {
            handlerBox = try await channel.eventLoop.submit {
                // Closed before the handler is there: it would never see channelInactive.
                guard channel.isActive else { throw SMTPFailure(stage: .connection, text: "the server closed the connection") }
                if implicitTLS { try channel.pipeline.syncOperations.addHandler(makeTLSHandler()) }
                // The handler is created on its loop and stays there; the box lets others reach it there.
                let handler = SMTPChannelHandler(
                    machine: SMTPStateMachine(settings: settings, tlsActive: implicitTLS), timeouts: timeouts, opened: opened,
                    makeTLSHandler: makeTLSHandler)
                try channel.pipeline.syncOperations.addHandler(handler)
                try channel.syncOptions?.setOption(.autoRead, value: true)
                return NIOLoopBound(handler, eventLoop: channel.eventLoop)
            }.get()
        } catch {
            opened.fail(error)
            try? await channel.close()
            throw error
        }
        do {
            try await opened.futureResult.get()
        } catch {
            try? await channel.close()
            throw error
        }
        let session = Session(channel: channel, handler: handlerBox)
        self.session = session
        return session
    }

    private func drop() async {
        guard let session else { return }
        self.session = nil
        try? await session.channel.close()
    }

    static func isIPLiteral(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
