import CampaignClient
import CampaignProtocol
import Logging
import ServiceLifecycle

/// campaignd over its PUBLIC socket: one connection shared by every request (calls are pipelined),
/// opened again when campaignd restarts.
///
/// A call that finds the connection closed opens a new one. When the connection is lost with the call
/// on it, nobody knows whether campaignd carried it out, so the call is sent again only when that is
/// safe: reads, `tokens.confirm` and `tokens.cancel` (idempotent by contract), and a `pledges.create`
/// that carries an `idempotencyKey`. Any other write fails with `BackendError.unavailable`.
///
/// As a `Service`, it watches the connection and drops it as soon as campaignd closes it, so that a
/// write after a restart goes out on a fresh connection instead of failing on the dead one.
public final class CampaignBackend: Service, Sendable {
    public let socketPath: String
    let logger: Logger
    private let state = Locked(State())

    struct State {
        var client: CampaignClient?
        var generation = 0
    }

    public init(socketPath: String, logger: Logger) {
        self.socketPath = socketPath
        self.logger = logger
    }

    /// Calls a method; a JSON-RPC error is thrown as `ResponseError`, an unreachable campaignd as
    /// `BackendError.unavailable`.
    public func call<M: RPCMethod>(_ method: M) async throws -> M.Result {
        let retry = Self.isSafeToRepeat(method)
        var attempt = 0
        while true {
            attempt += 1
            let (client, generation) = try await connection()
            do {
                return try await client.call(method)
            } catch CampaignClientError.connectionClosed {
                await discard(generation: generation)
                guard retry, attempt < 2 else { throw BackendError.unavailable }
                logger.debug("campaignd connection lost; repeating the call", metadata: ["method": "\(M.method)"])
            } catch let error as CampaignClientError {
                throw BackendError.invalidResponse("\(error)")
            }
        }
    }

    /// Sends a notification (`tweets.click`); a failure is logged and otherwise ignored.
    public func notify<N: RPCNotification>(_ notification: N) async {
        do {
            let (client, generation) = try await connection()
            do {
                try await client.notify(notification)
            } catch {
                await discard(generation: generation)
            }
        } catch {
            logger.debug("campaignd unreachable; notification dropped", metadata: ["method": "\(N.method)"])
        }
    }

    /// Whether a call may be sent again when its connection was lost before the answer came.
    static func isSafeToRepeat(_ method: some RPCMethod) -> Bool {
        if let pledge = method as? CreatePledge { return pledge.idempotencyKey != nil }
        return safeMethods.contains(type(of: method).method)
    }

    static let safeMethods: Set<String> = [
        GetCampaign.method, GetLetter.method, CountSignatures.method, ListSignatures.method, ListEvents.method,
        GetEvent.method, GetFundraiser.method, RecentPledges.method, ListTweets.method, GetToken.method,
        ServiceHealth.method, Discover.method,
        // Idempotent by contract: confirming or withdrawing twice is the same as once.
        ConfirmToken.method, CancelToken.method,
    ]

    func connection() async throws -> (CampaignClient, Int) {
        if let current = state.withLock({ state in state.client.map { ($0, state.generation) } }) { return current }
        let fresh: CampaignClient
        do {
            fresh = try await CampaignClient.connect(socketPath: socketPath)
        } catch {
            throw BackendError.unavailable
        }
        // Another request may have connected meanwhile: keep one connection.
        let (chosen, generation, spare) = state.withLock { state -> (CampaignClient, Int, CampaignClient?) in
            if let existing = state.client { return (existing, state.generation, fresh) }
            state.generation += 1
            state.client = fresh
            return (fresh, state.generation, nil)
        }
        if let spare { await spare.close() }
        return (chosen, generation)
    }

    /// Forgets the connection of `generation` (if still current) and closes it.
    func discard(generation: Int) async {
        let old = state.withLock { state -> CampaignClient? in
            guard state.generation == generation, let client = state.client else { return nil }
            state.client = nil
            return client
        }
        if let old {
            logger.info("campaignd connection closed; the next request reconnects")
            await old.close()
        }
    }

    /// Watches the connection until graceful shutdown: when campaignd closes it, it is dropped at once.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                guard let (client, generation) = try? await self.connection() else {
                    try? await Task.sleep(for: .milliseconds(500))
                    continue
                }
                // The raw stream ends when the connection does; its contents are not needed here.
                for await _ in client.notifications {}
                await self.discard(generation: generation)
            }
        }
        let last = state.withLock { state -> CampaignClient? in
            defer { state.client = nil }
            return state.client
        }
        await last?.close()
    }
}

/// Why campaignd could not answer, other than with a JSON-RPC error.
public enum BackendError: Error, Sendable, Hashable {
    /// campaignd is not reachable, or the connection was lost during a call that is not safe to repeat.
    case unavailable
    /// campaignd sent something this build cannot use.
    case invalidResponse(String)
}
