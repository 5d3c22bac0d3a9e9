import CampaignProtocol
import CampaignService
import Dispatch
import Foundation

/// (b) The dispatcher: the input as one frame, on the admin role and on the public role, against a
/// campaign opened once per process on a fresh database with the example campaign imported.
///
/// Properties: every reply parses as JSON and is a response object (or, for a batch, an array of
/// them); no reply comes only where every element of the frame is an object without an `id`.
func fuzzDispatcher(_ bytes: [UInt8]) {
    let fixture = FuzzFixture.shared
    for context in [fixture.admin, fixture.public] {
        let reply = runBlocking { await fixture.core.dispatcher.respond(to: bytes, context: context) }
        check(reply: reply, to: bytes)
    }
}

private func check(reply: [UInt8]?, to frame: [UInt8]) {
    guard let reply else {
        // Only notifications go unanswered, which the frame must then parse as.
        let document = try? JSONParser.parse(frame, maxDepth: 64)
        let elements: [JSONValue]
        switch document {
        case .array(let array)?: elements = array
        case let single?: elements = [single]
        case nil: elements = []
        }
        fuzzCheck(
            !elements.isEmpty && elements.allSatisfy { $0.objectValue != nil && $0["id"] == nil },
            "no reply to a frame that is not all notifications")
        return
    }
    let parsed: JSONValue
    do {
        // Replies are not limited to the request depth limit: they may carry stored values.
        parsed = try JSONParser.parse(reply, maxDepth: 1024)
    } catch {
        fuzzCheck(false, "the reply is not JSON (\(error)): \(String(decoding: reply, as: UTF8.self))")
        return
    }
    let responses = parsed.arrayValue ?? [parsed]
    fuzzCheck(!responses.isEmpty, "an empty batch reply")
    for response in responses {
        fuzzCheck(response["jsonrpc"] == .string("2.0"), "a reply without jsonrpc 2.0: \(JSONWriter.string(response))")
        fuzzCheck(response["id"] != nil, "a reply without an id: \(JSONWriter.string(response))")
        fuzzCheck(
            (response["result"] != nil) != (response["error"] != nil),
            "a reply without exactly one of result and error: \(JSONWriter.string(response))")
        if let error = response["error"] {
            guard case .number(let code)? = error["code"], Int(code) != nil, error["message"]?.stringValue != nil else {
                fuzzCheck(false, "a malformed error object: \(JSONWriter.string(error))")
                return
            }
        }
    }
}

/// The campaign every input is dispatched against: one database for the whole run, as a long-lived
/// service has. Inputs change it (signatures, pledges, a closed letter...), so a crash may depend on
/// what ran before it; libFuzzer's crash input is then a starting point for a test, not a proof.
final class FuzzFixture: Sendable {
    let core: CampaignCore
    let admin: CallContext
    let `public`: CallContext

    /// Swift runs a global's initializer once, lazily and thread-safely, on first use.
    static let shared = FuzzFixture()

    private init() {
        let environment = ProcessInfo.processInfo.environment
        // A RAM disk when there is one: every write is a durable commit (synchronous=FULL).
        let base =
            environment["CAMPAIGND_FUZZ_STATE"]
            ?? (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory())
        let directory = base + "/campaignd-fuzz-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)"
        let campaign =
            environment["CAMPAIGND_FUZZ_CAMPAIGN"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Schemas/examples/northwind.campaign.json").path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let store = try CampaignStore(path: directory + "/" + CampaignStore.fileName)
            let core = CampaignCore(store: store)
            let definition = Array(try Data(contentsOf: URL(fileURLWithPath: campaign)))
            let imported = runBlocking { () async -> Result<Bool, any Error> in
                do {
                    return .success(try await core.importOnFirstStart(definitionJSON: definition))
                } catch {
                    return .failure(error)
                }
            }
            guard try imported.get() else { fatalError("CampaignFuzz: the example campaign was not imported") }
            self.core = core
        } catch {
            fatalError("CampaignFuzz: cannot set up the campaign in \(directory): \(error)")
        }
        FileHandle.standardError.write(Data("CampaignFuzz: campaign database in \(directory)\n".utf8))
        // Each role keeps one subscription session, as one connection per listener would.
        admin = CallContext(role: .admin, session: core.feed.openSession(role: .admin))
        `public` = CallContext(role: .public, session: core.feed.openSession(role: .public))
    }
}

/// libFuzzer calls `LLVMFuzzerTestOneInput` synchronously, and the dispatcher is async. This blocks the
/// fuzzing thread until a task on the concurrency pool has finished. Blocking a thread on a semaphore
/// is wrong inside the pool (it can starve it), but the fuzzing thread is libFuzzer's own, never one
/// of the pool's, so the task always has a pool thread to run on.
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let box = BlockingResult<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        box.value = await body()
        done.signal()
    }
    done.wait()
    guard let value = box.value else { fatalError("CampaignFuzz: the task ended without a result") }
    return value
}

/// Written by the task before `signal()`, read after `wait()`: the semaphore orders the two.
private final class BlockingResult<T>: @unchecked Sendable {
    var value: T?
}
