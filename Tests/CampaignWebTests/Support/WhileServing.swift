import ServiceLifecycle

/// Runs `body` while `group` serves, then shuts the group down gracefully, also when `body` throws.
/// Never by cancelling it: cancelling a NIO server's task while accepted connections wait in its inbound
/// stream traps in NIO ("Deinited NIOAsyncWriter without calling finish()", apple/swift-nio#2813), so a
/// failing request would crash the whole test process instead of failing one test.
func whileServing(_ group: ServiceGroup, _ body: () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let failure: (any Error)?
        do {
            try await body()
            failure = nil
        } catch {
            failure = error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        if let failure { throw failure }
    }
}
