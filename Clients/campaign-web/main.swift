import ArgumentParser
import NIOCore
import NIOPosix

// Tasks run on NIO's event loop threads, so a request's handler runs where its connection lives: no hop to
// Swift's cooperative pool and back for every request. First, before any task starts (an @main type could
// not run anything before its async main).
_ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

/// AsyncParsableCommand's own main, spelled out in an async function: from top-level code, `main(nil)` and
/// `run()` resolve to their synchronous overloads, which only print the help.
func start() async {
    do {
        var command = try await CampaignWebCommand.asyncParseAsRoot()
        if var command = command as? any AsyncParsableCommand {
            try await command.run()
        } else {
            try command.run()
        }
    } catch {
        CampaignWebCommand.exit(withError: error)
    }
}

await start()
