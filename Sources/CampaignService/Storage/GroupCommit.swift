import CampaignProtocol
import GRDB
import Logging
import NIOConcurrencyHelpers

/// Group commit: concurrent writes share one transaction, so one fsync serves many of them.
///
/// The first writer to arrive while none is committing leads: it takes every write queued at that
/// moment (its own included) into one transaction, runs each in a savepoint — a write that fails is
/// rolled back alone and fails alone — commits, and completes them all; replies therefore still go out
/// only after their commit. Writes that queued meanwhile are led by the first of them, so nobody waits
/// for more than the batch being committed and their own. Idle, a write is a transaction of one.
final class GroupCommit: Sendable {
    static let maxBatch = 512

    /// Told when a write parks until another writer's commit: it computes nothing meanwhile, so its
    /// caller may let other work run (the transport hands the request's admission turn on, so that a
    /// batch can gather every writer in flight, not only those holding a turn). Passed along, not a
    /// task-local: binding one in each connection's task-group children crashed release builds.
    typealias Waiting = @Sendable () -> Void

    private let pool: DatabasePool
    private let logger: Logger
    private let state = NIOLockedValueBox(State())
    /// Told the size of each committed batch (the metrics' histogram); set once, at start.
    private let batchObserver = NIOLockedValueBox<(@Sendable (Int) -> Void)?>(nil)

    struct State {
        var queue: [Write] = []
        var committing = false
        var transactions = 0
        var writes = 0
    }

    init(pool: DatabasePool, logger: Logger) {
        self.pool = pool
        self.logger = logger
    }

    /// Runs `body` inside a savepoint of a shared write transaction, returning after that transaction commits.
    func write<T: Sendable>(whileWaiting: Waiting? = nil, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let result = NIOLockedValueBox<T?>(nil)
        let write = Write { db in
            let value = try body(db)
            result.withLockedValue { $0 = value }
        }
        let leads = state.withLockedValue { state in
            state.queue.append(write)
            guard !state.committing else { return false }
            state.committing = true
            return true
        }
        if leads {
            await commitBatch()
        } else {
            whileWaiting?()
        }
        while true {
            switch await write.outcome() {
            case .lead:
                await commitBatch()
            case .done(let error):
                if let error { throw StorageFailure.contractError(error, logger: logger) }
                guard let value = result.withLockedValue({ $0 }) else { throw ResponseError.internalError("a write returned nothing") }
                return value
            }
        }
    }

    /// Commits what is queued, then hands the lead to the first write that queued meanwhile.
    private func commitBatch() async {
        let batch = state.withLockedValue { state in
            let batch = Array(state.queue.prefix(Self.maxBatch))
            state.queue.removeFirst(batch.count)
            return batch
        }
        var failure: (any Error)? = nil
        if !batch.isEmpty {
            do {
                try await pool.write { db in
                    // Savepoints through cached statements: parsing them anew for every write showed in profiles.
                    let begin = try db.cachedStatement(sql: "SAVEPOINT write")
                    let release = try db.cachedStatement(sql: "RELEASE SAVEPOINT write")
                    let rollback = try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT write")
                    for write in batch {
                        try begin.execute()
                        do {
                            try write.body(db)
                        } catch {
                            write.failed(error)
                            try rollback.execute()
                        }
                        try release.execute()
                    }
                }
            } catch {
                failure = error
            }
        }
        let next = state.withLockedValue { state -> Write? in
            state.transactions += batch.isEmpty ? 0 : 1
            state.writes += batch.count
            guard let next = state.queue.first else {
                state.committing = false
                return nil
            }
            return next
        }
        if !batch.isEmpty, failure == nil, let observe = batchObserver.withLockedValue({ $0 }) { observe(batch.count) }
        // Completing after the commit: a reply never precedes its transaction.
        for write in batch { write.finish(commitError: failure) }
        next?.lead()
    }

    func observeBatches(_ observer: @escaping @Sendable (Int) -> Void) { batchObserver.withLockedValue { $0 = observer } }

    /// Transactions committed and writes in them, for `service.stats`.
    var totals: (transactions: Int, writes: Int) { state.withLockedValue { ($0.transactions, $0.writes) } }

    /// One queued write and how it ended.
    final class Write: Sendable {
        enum Outcome: Sendable {
            case lead
            case done((any Error)?)
        }

        let body: @Sendable (Database) throws -> Void
        private let inner = NIOLockedValueBox(Inner())

        struct Inner {
            var error: (any Error)?
            var outcome: Outcome?
            var waiter: CheckedContinuation<Outcome, Never>?
        }

        init(_ body: @escaping @Sendable (Database) throws -> Void) { self.body = body }

        func failed(_ error: any Error) { inner.withLockedValue { $0.error = error } }

        func finish(commitError: (any Error)?) {
            deliver { inner in .done(commitError ?? inner.error) }
        }

        func lead() { deliver { _ in .lead } }

        private func deliver(_ make: (Inner) -> Outcome) {
            inner.withLockedValue { inner in
                let outcome = make(inner)
                if let waiter = inner.waiter {
                    inner.waiter = nil
                    waiter.resume(returning: outcome)
                } else {
                    inner.outcome = outcome
                }
            }
        }

        /// The next thing for the writer to do: lead a batch, or return.
        func outcome() async -> Outcome {
            await withCheckedContinuation { continuation in
                inner.withLockedValue { inner in
                    if let outcome = inner.outcome {
                        inner.outcome = nil
                        continuation.resume(returning: outcome)
                    } else {
                        inner.waiter = continuation
                    }
                }
            }
        }
    }
}
