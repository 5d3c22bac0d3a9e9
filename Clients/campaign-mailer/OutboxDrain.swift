import CampaignClient
import CampaignProtocol
import Logging

/// The mailer's work, one round at a time: claim what is due, render each message, deliver it, and report
/// the outcome (`outbox.ack` for what was sent, `outbox.fail` for what was not). A message whose outcome
/// never reached campaignd (the mailer killed after the server took it) comes back when its lease ends:
/// at least once, never lost.
struct OutboxDrain: Sendable {
    let client: CampaignClient
    /// One per worker: an SMTP transport holds one connection, so workers deliver side by side.
    let transports: [any MailTransport]
    let render: @Sendable (OutboxMessage) throws -> OutgoingMail
    let pacer: Pacer?
    let leaseSeconds: Int
    let logger: Logger

    typealias Outcomes = [(id: String, outcome: DeliveryOutcome)]

    /// Leases up to `limit` messages that are due (none for 0).
    func claim(limit: Int) async throws -> [OutboxMessage] {
        guard limit > 0 else { return [] }
        return try await client.call(ClaimOutbox(limit: limit, leaseSeconds: leaseSeconds)).messages
    }

    /// Each worker sends its share over its own transport.
    func deliver(_ messages: [OutboxMessage]) async -> Outcomes {
        guard !messages.isEmpty else { return [] }
        return await withTaskGroup(of: Outcomes.self) { group in
            for (worker, transport) in transports.enumerated() {
                let share = messages.enumerated().filter { $0.offset % transports.count == worker }.map(\.element)
                guard !share.isEmpty else { continue }
                // On the transport's own thread (an SMTP connection's event loop): rendering and sending
                // there, a message costs no switch between threads.
                group.addTask(executorPreference: transport.executor) {
                    await send(share, over: transport)
                }
            }
            var all: Outcomes = []
            for await done in group { all += done }
            return all
        }
    }

    /// A worker's share: rendered, then handed to the transport together (an SMTP connection pipelines
    /// them), or one at a time when paced.
    func send(_ messages: [OutboxMessage], over transport: any MailTransport) async -> Outcomes {
        var done: Outcomes = []
        var ready: [(message: OutboxMessage, mail: OutgoingMail)] = []
        for message in messages {
            do {
                ready.append((message, try render(message)))
            } catch {
                // A template the organisers overrode may be fixed: tried again after the backoff.
                logger.error(
                    "message could not be rendered",
                    metadata: ["id": "\(message.id)", "kind": "\(message.kind.rawValue)", "error": "\(error)"])
                done.append((message.id, .temporary(reason: "could not render the message: \(error)")))
            }
        }
        let outcomes: [DeliveryOutcome]
        if let pacer {
            var paced: [DeliveryOutcome] = []
            for item in ready {
                await pacer.wait()
                paced.append(await transport.deliver(item.mail))
            }
            outcomes = paced
        } else {
            outcomes = await transport.deliver(ready.map(\.mail))
        }
        for (item, outcome) in zip(ready, outcomes) {
            log(outcome, of: item.message)
            done.append((item.message.id, outcome))
        }
        return done
    }

    private func log(_ outcome: DeliveryOutcome, of message: OutboxMessage) {
        switch outcome {
        case .delivered:
            logger.debug("delivered", metadata: ["id": "\(message.id)", "kind": "\(message.kind.rawValue)"])
        case .temporary(let reason, _):
            logger.warning("delivery failed; tried again later", metadata: ["id": "\(message.id)", "reason": "\(reason)"])
        case .permanent(let reason):
            logger.error("delivery failed for good", metadata: ["id": "\(message.id)", "reason": "\(reason)"])
        }
    }

    /// Tells campaignd how each message fared: the sent ones in one `outbox.ack`.
    func report(_ outcomes: Outcomes) async throws {
        let sent = outcomes.filter { $0.outcome == .delivered }.map(\.id)
        if !sent.isEmpty { _ = try await client.call(AckOutbox(ids: sent)) }
        for (id, outcome) in outcomes {
            switch outcome {
            case .delivered:
                continue
            case .temporary(let reason, let retryAfter):
                _ = try await client.call(
                    FailOutbox(ids: [id], permanent: false, reason: String(reason.prefix(500)), retryAfterSeconds: retryAfter))
            case .permanent(let reason):
                _ = try await client.call(FailOutbox(ids: [id], permanent: true, reason: String(reason.prefix(500))))
            }
        }
    }
}

/// At most `perSecond` deliveries a second across every worker (`--max-per-second`): a shared mail server
/// or a provider's sending limit is not overrun at a campaign's peak.
actor Pacer {
    private let interval: Duration
    private var next = ContinuousClock.now

    init(perSecond: Int) { interval = .seconds(1) / max(1, perSecond) }

    func wait() async {
        let now = ContinuousClock.now
        let slot = max(next, now)
        next = slot + interval
        if slot > now { try? await Task.sleep(until: slot, clock: .continuous) }
    }
}
