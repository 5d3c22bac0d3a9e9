import Foundation
import Testing

/// SPEC §2: the admin listener admits root, the service's own uid and `--admin-uid`s only.
@Suite(.serialized) struct AdminListenerTests {
    /// Connects as `uid` (through setpriv) and returns the first line the service sent.
    func firstLine(asUID uid: Int, socket: String) throws -> String {
        let script = """
            import socket,sys
            s=socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
            try:
                s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"service.stats"}\\n')
            except (BrokenPipeError, ConnectionResetError):
                pass  # a refused peer may be cut off before it has written
            data=b''
            while not data.endswith(b'\\n'):
                try:
                    chunk=s.recv(65536)
                except ConnectionResetError:
                    break
                if not chunk: break
                data+=chunk
            sys.stdout.write(data.decode())
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "/usr/bin/python3", "-c", script, socket]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let problem = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard !data.isEmpty else { throw TestFailure("no reply as uid \(uid): \(String(decoding: problem, as: UTF8.self))") }
        return String(decoding: data, as: UTF8.self)
    }

    /// campaignd listening in `dir`, once it has notified READY=1. Its sockets accept connections (what
    /// `ServerProcess.listening` waits for) a moment before it sets their modes; by READY it has. Reading
    /// or changing a mode before then raced with the service (seen under AddressSanitizer's slowdown).
    static func ready(_ dir: String, extra: [String] = []) throws -> ServerProcess {
        let notify = try NotifySocket(path: dir + "/notify.sock")
        let server = try ServerProcess(
            arguments: [
                "--listen", dir + "/public.sock", "--admin-listen", dir + "/admin.sock", "--state-dir", dir + "/state", "--campaign",
                Paths.exampleCampaign,
            ] + extra,
            directory: dir, environment: ["NOTIFY_SOCKET": dir + "/notify.sock"])
        guard let message = notify.receive(timeout: 20), message.contains("READY=1") else {
            throw TestFailure("campaignd did not notify READY=1: \(server.stderr)")
        }
        return server
    }

    @Test func adminSocketIsCreatedOwnerOnly() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try Self.ready(dir)
        let mode = (try FileManager.default.attributesOfItem(atPath: dir + "/admin.sock")[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
        let db = (try FileManager.default.attributesOfItem(atPath: dir + "/state/campaign.sqlite")[.posixPermissions] as? NSNumber)?
            .intValue
        #expect(db.map { $0 & 0o077 } == 0)
        server.stop()
    }

    @Test func peerOfAnotherUIDIsRefusedOnAdminSocket() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try Self.ready(dir)
        chmod(dir + "/admin.sock", 0o666)  // let the other user reach the peer check
        let line = try firstLine(asUID: 65534, socket: dir + "/admin.sock")
        let reply = try JSON.object(line.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(JSON.errorCode(reply) == -32006)
        #expect(reply["id"] is NSNull)
        // Root still gets in, and the public socket serves anyone.
        #expect(JSON.result(try LineClient(path: dir + "/admin.sock").call("service.stats")) != nil)
        let publicLine = try firstLine(asUID: 65534, socket: dir + "/public.sock")
        #expect(JSON.errorCode(try JSON.object(publicLine)) == -32601)
        server.stop()
    }

    @Test func adminUIDFlagAdmitsThatPeer() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try Self.ready(dir, extra: ["--admin-uid", "65534"])
        chmod(dir + "/admin.sock", 0o666)
        let reply = try JSON.object(try firstLine(asUID: 65534, socket: dir + "/admin.sock"))
        #expect(JSON.result(reply) != nil)
        server.stop()
    }
}
