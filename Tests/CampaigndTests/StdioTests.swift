import Foundation
import Testing

/// `--stdio`: one connection on stdin/stdout, newline-delimited or Content-Length framed.
@Suite(.serialized) struct StdioTests {
    func start(_ role: String = "admin") throws -> ServerProcess {
        let dir = try Paths.temporaryDirectory()
        return try ServerProcess(
            arguments: ["--stdio", "--role", role, "--state-dir", dir + "/state", "--campaign", Paths.exampleCampaign], directory: dir)
    }

    @Test func stdioServesRequestsAndExitsWhenInputCloses() throws {
        let server = try start()
        server.write(#"{"jsonrpc":"2.0","id":1,"method":"service.health"}"# + "\n")
        let reply = try JSON.object(try #require(server.output.readLine()))
        #expect((JSON.result(reply)?["status"] as? String) == "ok")
        server.closeInput()
        #expect(server.waitForExit() == 0)
        // Logs went to stderr, never into the protocol stream.
        #expect(server.output.closes(within: 5))
        #expect(server.stderr.contains("serving"))
    }

    @Test func lastRequestWithoutNewlineIsAnsweredAndStdioExits() throws {
        for _ in 0..<3 {
            let server = try start("public")
            // Written with the end of input at once, before the service reads: both arrive together.
            server.write(
                #"{"jsonrpc":"2.0","id":1,"method":"letter.get"}"# + "\n" + #"{"jsonrpc":"2.0","id":2,"method":"signatures.count"}"#)
            server.closeInput()
            let replies = try [server.output.readLine(), server.output.readLine()].map { try JSON.object(try #require($0)) }
            #expect(Set(replies.compactMap { $0["id"] as? Int }) == [1, 2])
            #expect(server.waitForExit() == 0)
        }
    }

    @Test func contentLengthFramingWithMultibyteText() throws {
        let server = try start()
        let body =
            #"{"jsonrpc":"2.0","id":"ü","method":"letter.sign","params":{"name":"Zoë Łódź 🌍","email":"zoe@example.org","showName":true}}"#
        server.write("Content-Length: \(body.utf8.count)\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" + body)
        let reply = try JSON.object(try #require(server.output.readFramed()))
        #expect(reply["id"] as? String == "ü")
        #expect((JSON.result(reply)?["accepted"] as? Bool) == true)
        let export = #"{"jsonrpc":"2.0","id":2,"method":"signatures.export"}"#
        server.write("Content-Length: \(export.utf8.count)\r\n\r\n" + export)
        let exported = try JSON.object(try #require(server.output.readFramed()))
        let items = JSON.result(exported)?["items"] as? [[String: Any]]
        #expect(items?.first?["name"] as? String == "Zoë Łódź 🌍")
        server.closeInput()
        #expect(server.waitForExit() == 0)
    }

    @Test func badContentLengthIsAnsweredAndConnectionClosed() throws {
        let server = try start()
        server.write("Content-Length: lots\r\n\r\n{}")
        let reply = try JSON.object(try #require(server.output.readFramed()))
        #expect(JSON.errorCode(reply) == -32600)
        #expect(reply["id"] is NSNull)
        #expect(server.output.closes(within: 10))
    }

    @Test func signOutboxConfirmCountListThroughTheBinary() throws {
        let server = try start()
        func call(_ id: Int, _ method: String, _ params: String = "{}") throws -> [String: Any] {
            server.write(#"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)}"# + "\n")
            return try JSON.object(try #require(server.output.readLine()))
        }
        _ = try call(1, "letter.sign", #"{"name":"Grace","email":"grace@example.org","organization":"Navy","showName":true}"#)
        let claim = try call(2, "outbox.claim")
        let messages = try #require(JSON.result(claim)?["messages"] as? [[String: Any]])
        let token = try #require(messages.first?["token"] as? String)
        let confirmed = try call(3, "tokens.confirm", #"{"token":"\#(token)"}"#)
        #expect(JSON.result(confirmed)?["status"] as? String == "confirmed")
        let count = try call(4, "signatures.count")
        #expect(JSON.result(count)?["confirmed"] as? Int == 1)
        #expect(JSON.result(count)?["organizations"] as? Int == 1)
        let list = try call(5, "signatures.list")
        let items = try #require(JSON.result(list)?["items"] as? [[String: Any]])
        #expect(items.map { $0["name"] as? String } == ["Grace"])
        let ack = try call(6, "outbox.ack", #"{"ids":["\#(messages.first?["id"] as? String ?? "")"]}"#)
        #expect(JSON.result(ack)?["acknowledged"] as? Int == 1)
    }

    @Test func stdioRefusesAFileOrDevNullWithAClearError() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Paths.campaignd)
        process.arguments = ["--stdio", "--state-dir", dir + "/state"]
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(process.terminationReason == .exit)
        #expect(message.contains("needs pipes or sockets"))
    }
}
