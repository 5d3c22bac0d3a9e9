import ArgumentParser
import CampaignProtocol
import CampaignService
import Foundation

/// Where requests come from, besides the sockets systemd passes.
struct ListenerOptions: ParsableArguments {
    @Option(help: "Serve public methods on a Unix socket at this path.")
    var listen: [String] = []

    @Option(help: "Serve admin methods on a Unix socket at this path (created 0600).")
    var adminListen: [String] = []

    @Flag(help: "Serve one connection on stdin/stdout.")
    var stdio = false

    @Flag(help: "Serve stdin, a connected socket, as one connection.")
    var inetd = false

    @Option(help: "Role for stdio, inetd and Accept=yes connections: public or admin.")
    var role: String = "public"

    func validate() throws {
        guard Role(rawValue: role) != nil else { throw ValidationError("--role must be public or admin") }
    }

    /// Every listener and connection to serve.
    func sources() throws -> [ListenerSource] {
        let connectionRole = Role(rawValue: role) ?? .public
        var sources: [ListenerSource] = []
        if stdio {
            // epoll cannot watch regular files or /dev/null: say so rather than fail deep in NIO.
            guard Systemd.isPipeOrSocket(0), Systemd.isPipeOrSocket(1) else {
                throw ValidationError(
                    "--stdio needs pipes or sockets on stdin and stdout, e.g. `cat requests.jsonl | campaignd --stdio | cat`")
            }
            // The protocol gets its own copy of stdout; fd 1 then points at stderr, so a stray print
            // cannot corrupt the stream.
            let protocolOut = dup(1)
            dup2(2, 1)
            sources.append(.stdio(input: 0, output: protocolOut, connectionRole))
        }
        if inetd {
            guard Systemd.isSocket(0) else { throw ValidationError("--inetd: stdin is not a socket") }
            sources.append(.connectedSocket(dup(0), connectionRole))
        }
        for path in listen { sources.append(.unixPath(path, .public)) }
        for path in adminListen { sources.append(.unixPath(path, .admin)) }
        for passed in Systemd.passedSockets() {
            let passedRole: Role = passed.name == "admin" ? .admin : .public
            if passed.isListening {
                sources.append(.listeningSocket(passed.fd, passedRole))
            } else {
                // Accept=yes: one connection, with the role given by --role.
                sources.append(.connectedSocket(passed.fd, connectionRole))
            }
        }
        guard !sources.isEmpty else {
            throw ValidationError("nothing to serve: give --listen, --admin-listen, --stdio or --inetd, or start under systemd")
        }
        return sources
    }
}
