import Foundation
import Testing

/// SPEC §1 limits and framing over a real Unix socket: each answered, and the service keeps serving.
@Suite(.serialized) struct WireLimitsTests {
    @Test func requestWrittenOneByteAtATimeIsAnswered() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        let client = try LineClient(path: dir + "/public.sock")
        for byte in Array(#"{"jsonrpc":"2.0","id":7,"method":"signatures.count"}"#.utf8) + [10] {
            client.sendBytes([byte])
            usleep(1000)
        }
        let reply = try JSON.object(try #require(client.readLine()))
        #expect(reply["id"] as? Int == 7)
        #expect(JSON.result(reply)?["confirmed"] as? Int == 0)
        server.stop()
    }

    @Test func hundredsOfPipelinedRequestsAreAllAnswered() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        let client = try LineClient(path: dir + "/public.sock")
        var batch = ""
        for i in 0..<300 {
            batch += #"{"jsonrpc":"2.0","id":\#(i),"method":"letter.sign","params":{"name":"P\#(i)","email":"p\#(i)@example.org"}}"# + "\n"
            batch += #"{"jsonrpc":"2.0","id":\#(1000 + i),"method":"signatures.count"}"# + "\n"
        }
        client.send(batch)
        var ids = Set<Int>()
        for _ in 0..<600 {
            let reply = try JSON.object(try #require(client.readLine()))
            #expect(reply["error"] == nil)
            if let id = reply["id"] as? Int { ids.insert(id) }
        }
        #expect(ids == Set(0..<300).union(1000..<1300))
        let count = try LineClient(path: dir + "/admin.sock").call("signatures.count", id: 9999)
        #expect(JSON.result(count)?["pending"] as? Int == 300)
        server.stop()
    }

    @Test func oversizedLineIsAnsweredAndConnectionStaysUsable() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir, extra: ["--max-frame-bytes", "2048"])
        let client = try LineClient(path: dir + "/public.sock")
        let other = try LineClient(path: dir + "/public.sock")
        let huge = #"{"jsonrpc":"2.0","id":1,"method":"letter.sign","params":{"name":""# + String(repeating: "x", count: 100_000) + "\"}}\n"
        client.send(huge + #"{"jsonrpc":"2.0","id":2,"method":"service.health"}"# + "\n")
        let error = try JSON.object(try #require(client.readLine()))
        #expect(JSON.errorCode(error) == -32600)
        #expect(error["id"] is NSNull)
        let next = try JSON.object(try #require(client.readLine()))
        #expect(next["id"] as? Int == 2 && JSON.result(next) != nil)
        #expect(JSON.result(try other.call("service.health")) != nil)
        server.stop()
    }

    @Test func oversizedContentLengthFrameIsAnsweredAndClosed() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir, extra: ["--max-frame-bytes", "2048"])
        let client = try LineClient(path: dir + "/public.sock")
        let body = String(repeating: " ", count: 10_000)
        client.send("Content-Length: \(body.utf8.count)\r\n\r\n" + body)
        let line = try #require(client.reader.readFramed() ?? client.readLine())
        #expect(JSON.errorCode(try JSON.object(line)) == -32600)
        #expect(client.reader.closes(within: 10))
        #expect(JSON.result(try LineClient(path: dir + "/public.sock").call("service.health")) != nil)
        server.stop()
    }

    @Test func deepNestingAndOversizedBatchAreAnsweredWhileOthersAreServed() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        let client = try LineClient(path: dir + "/public.sock")
        client.send(String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000) + "\n")
        #expect(JSON.errorCode(try JSON.object(try #require(client.readLine()))) == -32600)
        let batch =
            "[" + Array(repeating: #"{"jsonrpc":"2.0","id":1,"method":"service.health"}"#, count: 500).joined(separator: ",") + "]\n"
        client.send(batch)
        #expect(JSON.errorCode(try JSON.object(try #require(client.readLine()))) == -32600)
        #expect(JSON.result(try client.call("service.health")) != nil)
        server.stop()
    }

    @Test func idleConnectionIsClosedAfterIdleTimeout() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir, extra: ["--idle-timeout", "1"])
        let idle = try LineClient(path: dir + "/public.sock")
        let stalled = try LineClient(path: dir + "/public.sock")
        stalled.send(#"{"jsonrpc":"2.0","id":1,"#)
        #expect(idle.reader.closes(within: 10))
        #expect(stalled.reader.closes(within: 10))
        #expect(JSON.result(try LineClient(path: dir + "/public.sock").call("service.health")) != nil)
        server.stop()
    }

    @Test func requestsSentTogetherWithTheEndOfInputAreAnswered() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        defer { server.stop() }
        // Data and the half-close reach the service before it starts reading the connection; the last
        // line has no newline. Every request is answered, then the connection ends.
        for round in 0..<20 {
            let client = try LineClient(path: dir + "/public.sock")
            let general = #"{"jsonrpc":"2.0","id":1,"method":"letter.get"}"#
            let count = #"{"jsonrpc":"2.0","id":2,"method":"signatures.count"}"#
            client.send(round % 2 == 0 ? general + "\n" + count : count + "\n" + general)
            shutdown(client.fd, Int32(SHUT_WR))
            let replies = try [client.readLine(timeout: 5), client.readLine(timeout: 5)].map { try JSON.object(try #require($0)) }
            #expect(Set(replies.compactMap { $0["id"] as? Int }) == [1, 2], "round \(round)")
            #expect(client.reader.closes(within: 5))
            client.close()
        }
    }

    @Test func blankLinesAreIgnoredAndCRLFAccepted() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        let client = try LineClient(path: dir + "/public.sock")
        client.send("\n\r\n  \n" + #"{"jsonrpc":"2.0","id":3,"method":"service.health"}"# + "\r\n")
        let reply = try JSON.object(try #require(client.readLine()))
        #expect(reply["id"] as? Int == 3)
        server.stop()
    }

    // MARK: Framing is chosen by a Content-Length header only (issue 9, A6)

    @Test func firstLineNullOrTrueIsAnsweredAsNewlineJSON() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        defer { server.stop() }
        for literal in ["null", "true", "false"] {
            let client = try LineClient(path: dir + "/public.sock")
            client.send(literal + "\n")
            let error = try JSON.object(try #require(client.readLine(timeout: 5), "no reply to \(literal)"))
            #expect(JSON.errorCode(error) == -32600, "\(literal): \(error)")
            #expect(error["id"] is NSNull)
            // The connection stays usable, still newline-delimited.
            let reply = try client.call("service.health")
            #expect(JSON.result(reply) != nil, "\(literal): \(reply)")
        }
    }

    @Test func contentLengthOverTheLimitIsRefusedAtTheHeader() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir, extra: ["--max-frame-bytes", "2048"])
        defer { server.stop() }
        for length in ["2049", "100000", "99999999999999999999999"] {
            let client = try LineClient(path: dir + "/public.sock")
            // Only the header: the refusal does not wait for a body.
            client.send("Content-Length: \(length)\r\n\r\n")
            let reply = try JSON.object(try #require(client.reader.readFramed(timeout: 5), "no reply to Content-Length \(length)"))
            #expect(JSON.errorCode(reply) == -32600)
            #expect(client.reader.closes(within: 5))
        }
        #expect(JSON.result(try LineClient(path: dir + "/public.sock").call("service.health")) != nil)
    }

    @Test func twoContentLengthHeadersAreRefused() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        defer { server.stop() }
        let body = #"{"jsonrpc":"2.0","id":1,"method":"service.health"}"#
        for second in ["\(body.utf8.count)", "2"] {
            let client = try LineClient(path: dir + "/public.sock")
            client.send("Content-Length: \(body.utf8.count)\r\ncontent-length: \(second)\r\n\r\n" + body)
            let reply = try JSON.object(try #require(client.reader.readFramed(timeout: 5)))
            #expect(JSON.errorCode(reply) == -32600, "\(reply)")
            #expect(reply["id"] is NSNull)
            #expect(client.reader.closes(within: 5))
        }
    }

    @Test func contentLengthHeaderNameIsCaseInsensitiveAndOtherHeadersAreIgnored() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        defer { server.stop() }
        let body = #"{"jsonrpc":"2.0","id":4,"method":"service.health"}"#
        for header in ["content-length", "CONTENT-LENGTH", "Content-Length"] {
            let client = try LineClient(path: dir + "/public.sock")
            let frame = "\(header): \(body.utf8.count)\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" + body
            // Byte by byte: detection and headers wait for what they need.
            for byte in Array(frame.utf8) { client.sendBytes([byte]) }
            let reply = try JSON.object(try #require(client.reader.readFramed(timeout: 5), "no reply with \(header)"))
            #expect(reply["id"] as? Int == 4 && JSON.result(reply) != nil)
            client.send("Content-Length: \(body.utf8.count)\r\n\r\n" + body)
            #expect(JSON.result(try JSON.object(try #require(client.reader.readFramed(timeout: 5)))) != nil)
        }
    }

    @Test func aLetterThatIsNotAContentLengthHeaderIsAnsweredAsNewlineJSON() throws {
        let dir = try Paths.temporaryDirectory()
        let server = try ServerProcess.listening(dir)
        defer { server.stop() }
        let client = try LineClient(path: dir + "/public.sock")
        client.send("Content-Type: application/json\n")
        #expect(JSON.errorCode(try JSON.object(try #require(client.readLine(timeout: 5)))) == -32700)
        #expect(JSON.result(try client.call("service.health")) != nil)
    }
}

/// Found by the fuzzer: a CRLF frame of exactly the limit, its `\r` and `\n` in separate writes.
@Suite(.serialized) struct FrameLimitEdgeTests {
    @Test func aFrameOfExactlyTheLimitIsAcceptedHoweverItsCRLFArrives() throws {
        let dir = try Paths.temporaryDirectory()
        let request = #"{"jsonrpc":"2.0","id":1,"method":"service.health","params":{}}"#
        let server = try ServerProcess.listening(dir, extra: ["--max-frame-bytes", String(request.utf8.count)])
        let client = try LineClient(path: dir + "/public.sock")
        client.send(request + "\r")
        usleep(100_000)
        client.send("\n")
        let reply = try JSON.object(try #require(client.readLine()))
        #expect(reply["id"] as? Int == 1 && JSON.result(reply) != nil)
        client.send(request + "x\r\n")
        #expect(JSON.errorCode(try JSON.object(try #require(client.readLine()))) == -32600)
        server.stop()
    }
}
