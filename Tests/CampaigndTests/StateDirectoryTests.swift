import Foundation
import Testing

/// The state directory holds personal data: it is for the service alone (issue 9, A8).
@Suite(.serialized) struct StateDirectoryTests {
    static func mode(_ path: String) -> mode_t {
        var status = stat()
        guard stat(path, &status) == 0 else { return 0 }
        return status.st_mode & 0o7777
    }

    static func publicServer(_ dir: String, state: [String] = [], environment: [String: String] = [:]) throws -> ServerProcess {
        let server = try ServerProcess(arguments: ["--listen", dir + "/public.sock"] + state, directory: dir, environment: environment)
        try server.waitForSocket(dir + "/public.sock")
        return server
    }

    @Test func newStateDirectoryIsOwnerOnly() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try Self.publicServer(dir, state: ["--state-dir", dir + "/nested/state"])
        defer { server.stop() }
        #expect(Self.mode(dir + "/nested/state") == 0o700)
        #expect(Self.mode(dir + "/nested") == 0o700)
    }

    @Test func stateDirectoryOpenToOthersIsMadeOwnerOnlyWithAWarning() throws {
        let dir = try Paths.temporaryDirectory()
        let state = dir + "/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: false)
        chmod(state, 0o755)
        let server = try Self.publicServer(dir, state: ["--state-dir", state])
        defer { server.stop() }
        #expect(Self.mode(state) == 0o700)
        #expect(server.stderr.contains("made it 0700"), "\(server.stderr)")
    }

    @Test func stateDirectoryFromSystemdIsMadeOwnerOnlyToo() throws {
        // StateDirectoryMode= defaults to 0755.
        let dir = try Paths.temporaryDirectory()
        let state = dir + "/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: false)
        chmod(state, 0o750)
        let server = try Self.publicServer(dir, environment: ["STATE_DIRECTORY": state])
        defer { server.stop() }
        #expect(Self.mode(state) == 0o700)
        #expect(FileManager.default.fileExists(atPath: state + "/campaign.sqlite"))
    }

    @Test(.enabled(if: getuid() == 0, "needs root to give the directory to another user"))
    func stateDirectoryOfAnotherUserIsRefused() throws {
        let dir = try Paths.temporaryDirectory()
        let state = dir + "/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: false)
        chmod(state, 0o700)
        chown(state, 65534, 65534)
        let server = try ServerProcess(arguments: ["--listen", dir + "/public.sock", "--state-dir", state], directory: dir)
        #expect(server.waitForExit() != 0)
        #expect(server.stderr.contains("belongs to uid 65534"), "\(server.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: state).isEmpty)
    }
}
