import Synchronization

/// Bytes of replies handed to connections but not yet taken by their sockets, across every connection.
/// Over the budget (clients that do not read their replies), a connection with replies still waiting
/// starts no new request until they are taken: a client that stopped reading grows no further.
final class ReplyLedger: Sendable {
    let budget: Int
    private let held = Atomic<Int>(0)

    init(budget: Int) { self.budget = budget }

    var isOverBudget: Bool { held.load(ordering: .relaxed) > budget }

    func add(_ bytes: Int) { held.add(bytes, ordering: .relaxed) }
    func remove(_ bytes: Int) { held.subtract(bytes, ordering: .relaxed) }
}
