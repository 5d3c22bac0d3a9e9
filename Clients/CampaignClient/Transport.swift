import CampaignProtocol
import Foundation
import NIOCore
import NIOExtras
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A newline-delimited JSON-RPC connection, over a socket or a pair of pipes: lines in, buffers out.
typealias LineChannel = NIOAsyncChannel<ByteBuffer, ByteBuffer>

enum Transport {
    /// Frames a fresh channel by lines. The service may answer with `\r\n`; the decoder drops both.
    static func wrap(_ channel: any Channel) throws -> LineChannel {
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
        return try NIOAsyncChannel(wrappingChannelSynchronously: channel)
    }

    static func connect(unixDomainSocketPath path: String) async throws -> LineChannel {
        do {
            return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(unixDomainSocketPath: path) { channel in
                    channel.eventLoop.makeCompletedFuture { try wrap(channel) }
                }
        } catch let error as IOError {
            throw CampaignClientError.cannotConnect(path: path, reason: String(cString: strerror(error.errnoCode)))
        } catch {
            throw CampaignClientError.cannotConnect(path: path, reason: "\(error)")
        }
    }

    /// Starts the child and wraps its stdout (read) and stdin (write) as one channel.
    static func spawn(executable: String, arguments: [String]) async throws -> (LineChannel, ChildProcess) {
        let (child, readFD, writeFD) = try ChildProcess.launch(executable: executable, arguments: arguments)
        do {
            let channel = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .takingOwnershipOfDescriptors(input: readFD, output: writeFD) { channel in
                    channel.eventLoop.makeCompletedFuture { try wrap(channel) }
                }
            return (channel, child)
        } catch {
            // NIO owns the descriptors only once it succeeded.
            close(readFD)
            close(writeFD)
            _ = await child.reap(grace: .zero)
            throw CampaignClientError.spawnFailed(executable: executable, reason: "\(error)")
        }
    }
}

/// A running line channel. One task reads it until the peer or `close()` ends it; any task may write.
final class LineConnection: Sendable {
    private let channel: any Channel
    private let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let reader: Task<Void, Never>

    private init(channel: any Channel, writer: NIOAsyncChannelOutboundWriter<ByteBuffer>, reader: Task<Void, Never>) {
        self.channel = channel
        self.writer = writer
        self.reader = reader
    }

    /// Starts reading at once, so that nothing the service sends early (an error, a notification) is
    /// missed. `onLine` sees every line in order and may return a line to send back; `onEnd` runs once,
    /// after the last line.
    static func start(
        _ channel: LineChannel,
        onLine: @escaping @Sendable (ByteBuffer) -> String?,
        onEnd: @escaping @Sendable () -> Void
    ) async throws -> LineConnection {
        // The writer is handed out of `executeThenClose` so that calls can write from their own tasks;
        // once the reader returns, the writer is finished and later writes fail.
        let (handOff, handOffContinuation) = AsyncStream.makeStream(of: NIOAsyncChannelOutboundWriter<ByteBuffer>.self)
        let reader = Task {
            do {
                try await channel.executeThenClose { inbound, outbound in
                    handOffContinuation.yield(outbound)
                    handOffContinuation.finish()
                    for try await line in inbound {
                        if let reply = onLine(line) { try await outbound.write(Self.frame(reply)) }
                    }
                }
            } catch {
                // A reset, or bytes left without a final newline: either way the connection is over.
            }
            handOffContinuation.finish()
            onEnd()
        }
        var iterator = handOff.makeAsyncIterator()
        guard let writer = await iterator.next() else {
            await reader.value
            throw CampaignClientError.connectionClosed
        }
        return LineConnection(channel: channel.channel, writer: writer, reader: reader)
    }

    static func frame(_ line: String) -> ByteBuffer {
        var buffer = ByteBuffer(string: line)
        buffer.writeInteger(UInt8(ascii: "\n"))
        return buffer
    }

    /// Writes one message; `line` must not contain a newline (JSONWriter escapes them).
    func send(_ line: String) async throws {
        try await writer.write(Self.frame(line))
    }

    /// Closes both directions and waits for the reader to finish.
    func close() async {
        channel.close(promise: nil)
        await reader.value
    }

    /// For `deinit`: close without waiting.
    func closeNow() {
        channel.close(promise: nil)
    }
}

/// The `campaignd --stdio` child. Owned by the client, so that closing the client also reaps it.
///
/// `@unchecked Sendable`: `Process` is not marked Sendable, and after launch only its thread-safe
/// members (`isRunning`, `terminate()`) are used.
final class ChildProcess: @unchecked Sendable {
    private let process: Process
    private let exit: Task<Int32, Never>

    private init(process: Process, exit: Task<Int32, Never>) {
        self.process = process
        self.exit = exit
    }

    /// Launches the executable with its stdin and stdout on fresh pipes; stderr (its log) is inherited.
    /// Returns the parent's ends: the one to read the child's stdout from, the one to write its stdin to.
    static func launch(executable: String, arguments: [String]) throws -> (ChildProcess, read: CInt, write: CInt) {
        guard let path = resolve(executable) else {
            throw CampaignClientError.spawnFailed(executable: executable, reason: "not found")
        }
        var toChild: [CInt] = [-1, -1]
        var fromChild: [CInt] = [-1, -1]
        guard pipe(&toChild) == 0 else { throw CampaignClientError.spawnFailed(executable: executable, reason: lastErrno()) }
        guard pipe(&fromChild) == 0 else {
            let reason = lastErrno()
            close(toChild[0])
            close(toChild[1])
            throw CampaignClientError.spawnFailed(executable: executable, reason: reason)
        }
        // Close-on-exec everywhere: the child gets its ends as 0 and 1 (dup2 clears the flag) and must
        // not inherit a copy of the parent's write end, or it would never see end-of-file on stdin.
        for fd in toChild + fromChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

        let childStdin = FileHandle(fileDescriptor: toChild[0], closeOnDealloc: true)
        let childStdout = FileHandle(fileDescriptor: fromChild[1], closeOnDealloc: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardInput = childStdin
        process.standardOutput = childStdout
        let (exited, exitedContinuation) = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = { process in
            // Foundation's Process and its run-loop source hold each other until waitUntilExit, which
            // returns at once now that the child has exited: without it every spawned client leaks one.
            process.waitUntilExit()
            exitedContinuation.yield(process.terminationStatus)
            exitedContinuation.finish()
        }
        do {
            try process.run()
        } catch {
            try? childStdin.close()
            try? childStdout.close()
            close(toChild[1])
            close(fromChild[0])
            throw CampaignClientError.spawnFailed(executable: executable, reason: "\(error)")
        }
        // The child has its copies; ours would keep its stdout open after it exits.
        try? childStdin.close()
        try? childStdout.close()
        let exit = Task {
            for await status in exited { return status }
            return -1
        }
        return (ChildProcess(process: process, exit: exit), fromChild[0], toChild[1])
    }

    /// Waits for the child to exit (it does once its stdin closes), terminating it after `grace`.
    func reap(grace: Duration) async -> Int32 {
        let process = self.process
        let terminator = Task {
            try await Task.sleep(for: grace)
            if process.isRunning { process.terminate() }
        }
        let status = await exit.value
        terminator.cancel()
        return status
    }

    /// An executable named without a slash is looked up in `PATH`, as a shell would.
    private static func resolve(_ executable: String) -> String? {
        if executable.contains("/") { return executable }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(executable)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    private static func lastErrno() -> String { String(cString: strerror(errno)) }
}
