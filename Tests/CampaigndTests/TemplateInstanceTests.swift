import Foundation
import Testing

/// Issue 12, several campaigns per host: two instances of the template units side by side, each campaignd
/// started under `systemd-socket-activate` the way `systemd/campaignd@.service` and its two sockets
/// start it. Sockets, fd names, flags and state directory are read from the unit files, so that a change
/// there which breaks an instance fails here.
@Suite(.serialized) struct TemplateInstanceTests {
    @Test func twoInstancesShareNothing() throws {
        let host = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: host) }
        let customers = try Instance(name: "customers", host: host)
        let employees = try Instance(name: "employees", host: host)
        #expect(customers.publicSocket != employees.publicSocket && customers.adminSocket != employees.adminSocket)

        try sign(on: customers, showNothingReaches: employees, email: "ada@example.org")
        try sign(on: employees, showNothingReaches: customers, email: "bea@example.org")

        // Each database holds its own signer only, in a file of its own.
        #expect(try customers.exportedEmails() == ["ada@example.org"])
        #expect(try employees.exportedEmails() == ["bea@example.org"])
        let files = try [customers, employees].map { try FileManager.default.attributesOfItem(atPath: $0.database) }
        #expect(files[0][.systemFileNumber] as? Int != files[1][.systemFileNumber] as? Int)
        #expect(try Database.count(customers.database, "SELECT COUNT(*) FROM signature WHERE email = 'bea@example.org'") == 0)
        #expect(try Database.count(employees.database, "SELECT COUNT(*) FROM signature WHERE email = 'ada@example.org'") == 0)
    }

    @Test func stoppingOneInstanceLeavesTheOtherServing() throws {
        let host = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: host) }
        let customers = try Instance(name: "customers", host: host)
        let employees = try Instance(name: "employees", host: host)

        customers.server.signal(SIGTERM)
        #expect(customers.server.waitForExit() == 0)
        #expect(throws: TestFailure.self) { try LineClient(path: customers.publicSocket) }

        let visitor = try LineClient(path: employees.publicSocket)
        #expect((JSON.result(try visitor.call("service.health"))?["status"] as? String) == "ok")
        let signed = try visitor.call("letter.sign", #"{"name":"Bea","email":"bea@example.org"}"#)
        #expect((JSON.result(signed)?["accepted"] as? Bool) == true)
        #expect(try employees.exportedEmails() == ["bea@example.org"])
    }

    /// `campaignd-backup@NAME.service` run as the timer runs it (its ExecStart, with the campaignctl built
    /// here and the instance's admin socket under `host`): each instance's copy lands in its own state
    /// directory's backups/ and holds its own signer only.
    @Test func eachInstanceBackupServiceCopiesOnlyItsOwnCampaign() throws {
        let host = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: host) }
        let instances = try [("customers", "ada@example.org"), ("employees", "bea@example.org")].map { name, email in
            let instance = try Instance(name: name, host: host)
            let signed = try LineClient(path: instance.publicSocket).call("letter.sign", #"{"name":"Signer","email":"\#(email)"}"#)
            #expect((JSON.result(signed)?["accepted"] as? Bool) == true)
            return (instance, email)
        }
        for (instance, email) in instances {
            var command = try UnitFile(template: "campaignd-backup@.service", instance: instance.name).command()
            guard command.first == "/usr/local/bin/campaignctl", let socket = command.firstIndex(of: "--socket"), socket + 1 < command.count
            else {
                throw TestFailure("campaignd-backup@.service runs \(command)")
            }
            command[socket + 1] = host + command[socket + 1]
            #expect(command[socket + 1] == instance.adminSocket)
            let (status, output) = try runToEnd(Paths.buildDirectory + "/campaignctl", Array(command.dropFirst()))
            #expect(status == 0, "\(output)")

            let backups = (instance.database as NSString).deletingLastPathComponent + "/backups"
            let copies = try FileManager.default.contentsOfDirectory(atPath: backups).filter { $0.hasSuffix(".sqlite") }
            #expect(copies.count == 1)
            let copy = try #require(copies.first.map { backups + "/" + $0 })
            #expect(output.contains(copy))
            #expect(try Database.count(copy, "SELECT COUNT(*) FROM signature") == 1)
            #expect(try Database.count(copy, "SELECT COUNT(*) FROM signature WHERE email = '\(email)'") == 1)
        }
    }

    /// The mailer, the site and the backup of an instance talk to that instance's sockets, and the site
    /// listens on a socket of its own (instances cannot share a port).
    @Test func eachInstanceClientsUseTheirOwnInstanceSockets() throws {
        for name in ["customers", "employees"] {
            let publicSocket = try UnitFile(template: "campaignd@.socket", instance: name).value("ListenStream", in: "Socket")
            let adminSocket = try UnitFile(template: "campaignd-admin@.socket", instance: name).value("ListenStream", in: "Socket")
            #expect(publicSocket.contains("/\(name)/") && adminSocket.contains("/\(name)/"))
            let mailer = try UnitFile(template: "campaign-mailer@.service", instance: name).command()
            #expect(option("--socket", in: mailer) == adminSocket)
            let backup = try UnitFile(template: "campaignd-backup@.service", instance: name).command()
            #expect(option("--socket", in: backup) == adminSocket)
            let web = try UnitFile(template: "campaign-web@.service", instance: name).command()
            #expect(option("--socket", in: web) == publicSocket)
            let http = try UnitFile(template: "campaign-web@.socket", instance: name).value("ListenStream", in: "Socket")
            #expect(http.hasPrefix("/") && http.contains("/\(name)/"))
            let timer = try UnitFile(template: "campaignd-backup@.timer", instance: name).value("Unit", in: "Timer")
            #expect(timer == "campaignd-backup@\(name).service")
        }
    }

    /// campaignd@, campaign-mailer@ and campaign-web@ keep every setting of their plain unit but the ones
    /// that name an instance's paths and user.
    @Test func templateServicesAreHardenedAsThePlainOnes() throws {
        let own: Set = ["ExecStart", "Sockets", "User", "Group", "StateDirectory", "EnvironmentFile", "LoadCredential"]
        for (plain, template) in [
            ("campaignd.service", "campaignd@.service"), ("campaign-mailer.service", "campaign-mailer@.service"),
            ("campaign-web.service", "campaign-web@.service"),
        ] {
            let plainUnit = try UnitFile(template: plain, instance: "")
            let templateUnit = try UnitFile(template: template, instance: "letter")
            for key in plainUnit.keys(in: "Service") where !own.contains(key) {
                #expect(templateUnit.values(key, in: "Service") == plainUnit.values(key, in: "Service"), "\(template) \(key)")
            }
        }
    }

    /// Signs on `instance`: the other sees no count, export, message or token of it.
    private func sign(on instance: Instance, showNothingReaches other: Instance, email: String) throws {
        let otherOrganiser = try LineClient(path: other.adminSocket)
        let otherCounts = try #require(JSON.result(try otherOrganiser.call("signatures.count")) as? [String: Int])
        let visitor = try LineClient(path: instance.publicSocket)
        let confirmed = try #require(JSON.result(try visitor.call("signatures.count"))?["confirmed"] as? Int)
        let signed = try visitor.call("letter.sign", #"{"name":"Signer","email":"\#(email)"}"#)
        #expect((JSON.result(signed)?["accepted"] as? Bool) == true)

        let organiser = try LineClient(path: instance.adminSocket)
        let messages = try #require(JSON.result(try organiser.call("outbox.claim"))?["messages"] as? [[String: Any]])
        #expect(messages.count == 1)
        let token = try #require(messages.first?["token"] as? String)

        #expect(JSON.result(try otherOrganiser.call("signatures.count")) as? [String: Int] == otherCounts)
        #expect(!(try other.exportedEmails().contains(email)))
        #expect((JSON.result(try otherOrganiser.call("outbox.claim"))?["messages"] as? [[String: Any]])?.isEmpty == true)

        // The token is unknown to the other campaign, and confirms on its own.
        let otherVisitor = try LineClient(path: other.publicSocket)
        let refused = try otherVisitor.call("tokens.confirm", #"{"token":"\#(token)"}"#)
        #expect(JSON.errorCode(refused) != nil && JSON.result(refused) == nil)
        #expect((JSON.result(try visitor.call("tokens.confirm", #"{"token":"\#(token)"}"#))?["status"] as? String) == "confirmed")
        #expect((JSON.result(try visitor.call("signatures.count"))?["confirmed"] as? Int) == confirmed + 1)
        #expect(JSON.result(try otherOrganiser.call("signatures.count")) as? [String: Int] == otherCounts)
    }

    private func option(_ name: String, in words: [String]) -> String? {
        guard let i = words.firstIndex(of: name), i + 1 < words.count else { return nil }
        return words[i + 1]
    }
}

/// One campaign's campaignd as systemd would start `campaignd@NAME.service`, with every path it names
/// (/run, /etc, /var/lib) under `host`.
private struct Instance {
    let name: String
    let publicSocket: String
    let adminSocket: String
    let database: String
    let server: ServerProcess

    init(name: String, host: String) throws {
        self.name = name
        let service = try UnitFile(template: "campaignd@.service", instance: name)
        // The sockets the service takes, in its Sockets= order, with their fd names.
        var listen: [String] = []
        var fdNames: [String] = []
        for socketUnit in try service.value("Sockets", in: "Service").split(separator: " ").map(String.init) {
            let socket = try UnitFile(instanceName: socketUnit)
            let path = host + (try socket.value("ListenStream", in: "Socket"))
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            listen += ["-l", path]
            fdNames.append(try socket.value("FileDescriptorName", in: "Socket"))
        }
        guard fdNames.count == 2, let admin = fdNames.firstIndex(of: "admin") else {
            throw TestFailure("campaignd@.service should take a public and an admin socket, not \(fdNames)")
        }
        adminSocket = listen[2 * admin + 1]
        publicSocket = listen[2 * (1 - admin) + 1]

        // ExecStart with the binary built here and its /etc files copied under host.
        var command = try service.command()
        guard command.first == "/usr/local/bin/campaignd" else { throw TestFailure("ExecStart runs \(command.first ?? "nothing")") }
        command[0] = Paths.campaignd
        // Without its optional environment file an instance must still start: no `${VAR}` argument.
        if let needed = command.first(where: { $0.contains("${") }) { throw TestFailure("ExecStart needs \(needed)") }
        for (i, word) in command.enumerated() where word.hasPrefix("/etc/") {
            command[i] = host + word
            try Self.install(config: word, at: host + word)
        }
        let stateDirectory = host + "/var/lib/" + (try service.value("StateDirectory", in: "Service"))
        database = stateDirectory + "/campaign.sqlite"

        let logs = host + "/" + name
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        server = try ServerProcess(
            executable: "/usr/bin/systemd-socket-activate",
            // systemd-socket-activate passes the child only the environment given with -E.
            arguments: listen + ["--fdname=" + fdNames.joined(separator: ":"), "-E", "STATE_DIRECTORY=" + stateDirectory, "--"] + command,
            directory: logs)
        // The sockets take connections before campaignd runs: wait for its first answer.
        try server.waitForSocket(adminSocket)
        let health = try LineClient(path: adminSocket).call("service.health")
        guard JSON.result(health)?["status"] as? String == "ok" else { throw TestFailure("\(name) is not healthy: \(health)") }
    }

    /// The files an instance's ExecStart names in /etc/campaignd/NAME/.
    static func install(config: String, at path: String) throws {
        let source: String
        switch (config as NSString).lastPathComponent {
        case "campaign.json": source = Paths.exampleCampaign
        case "abuse.list": source = Paths.packageRoot + "/Schemas/examples/abuse.list"
        default: throw TestFailure("campaignd@.service names \(config), which this test does not know")
        }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: source, toPath: path)
    }

    func exportedEmails() throws -> [String] {
        let organiser = try LineClient(path: adminSocket)
        let items = try #require(JSON.result(try organiser.call("signatures.export"))?["items"] as? [[String: Any]])
        return items.compactMap { $0["email"] as? String }
    }
}

/// A unit file of `systemd/` as one instance sees it: `Key=value` lines by section, `%i` expanded.
struct UnitFile {
    let name: String
    private let entries: [(section: String, key: String, value: String)]

    /// `campaignd@letter.socket` read from `systemd/campaignd@.socket`.
    init(instanceName: String) throws {
        guard let at = instanceName.firstIndex(of: "@"), let dot = instanceName.lastIndex(of: ".") else {
            throw TestFailure("\(instanceName) is not an instance name")
        }
        let template = String(instanceName[..<instanceName.index(after: at)]) + String(instanceName[dot...])
        try self.init(template: template, instance: String(instanceName[instanceName.index(after: at)..<dot]))
    }

    init(template: String, instance: String) throws {
        name = template
        let text = try String(contentsOfFile: Paths.packageRoot + "/systemd/" + template, encoding: .utf8)
        var section = ""
        var entries: [(section: String, key: String, value: String)] = []
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast())
            } else if let equals = line.firstIndex(of: "=") {
                let value = String(line[line.index(after: equals)...])
                    .replacingOccurrences(of: "%%", with: "\u{0}").replacingOccurrences(of: "%i", with: instance)
                    .replacingOccurrences(of: "\u{0}", with: "%")
                entries.append((section, String(line[..<equals]), value))
            }
        }
        self.entries = entries
    }

    func keys(in section: String) -> [String] {
        var seen: [String] = []
        for entry in entries where entry.section == section && !seen.contains(entry.key) { seen.append(entry.key) }
        return seen
    }

    func values(_ key: String, in section: String) -> [String] {
        entries.filter { $0.section == section && $0.key == key }.map(\.value)
    }

    /// The one value of `key`.
    func value(_ key: String, in section: String) throws -> String {
        let found = values(key, in: section)
        guard found.count == 1, let value = found.first else { throw TestFailure("\(name): [\(section)] \(key)= \(found)") }
        return value
    }

    /// ExecStart= split into words as systemd splits it (double quotes group), run with an empty
    /// environment: a `$VAR` word becomes nothing, as systemd drops it; a `${VAR}` stays as written.
    func command() throws -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quoted = false
        for character in try value("ExecStart", in: "Service") {
            if character == "\"" {
                quoted.toggle()
                inWord = true
            } else if character == " " && !quoted {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else {
                word.append(character)
                inWord = true
            }
        }
        if inWord { words.append(word) }
        return words.filter { !($0.hasPrefix("$") && !$0.hasPrefix("${")) }
    }
}
