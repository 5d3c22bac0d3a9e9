import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@testable import CampaignService

/// The framing of SPEC §1 in an `EmbeddedChannel`: which framing the first bytes choose, what each
/// decoder makes of its bytes however they are cut, and what closes a connection.
@Suite struct FramingTests {
    static let limit = 64

    static func buffer(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    // MARK: The decoders, through NIO's verifier: every way of cutting the input gives the same frames

    @Test func lineDecoderGivesTheSameFramesHoweverTheBytesArrive() throws {
        let long = String(repeating: "x", count: Self.limit + 10)
        try ByteToMessageDecoderVerifier.verifyDecoder(
            stringInputOutputPairs: [
                (#"{"id":1}"# + "\n", [Self.buffer(#"{"id":1}"#)]),
                (#"{"id":2}"# + "\r\n", [Self.buffer(#"{"id":2}"#)]),
                ("\n \r\n\t\n", []),  // blank lines are ignored
                (long + "\n", []),  // reported as too large (an event, not a frame) and skipped
                (long + "\r\n" + #"{"after":"long"}"# + "\n", [Self.buffer(#"{"after":"long"}"#)]),
                (String(repeating: "y", count: Self.limit) + "\r\n", [Self.buffer(String(repeating: "y", count: Self.limit))]),
            ],
            decoderFactory: { OversizeSkippingLineDecoder(maxFrameBytes: Self.limit) })
    }

    @Test func contentLengthDecoderGivesTheSameFramesHoweverTheBytesArrive() throws {
        try ByteToMessageDecoderVerifier.verifyDecoder(
            stringInputOutputPairs: [
                ("Content-Length: 8\r\n\r\n" + #"{"id":1}"#, [Self.buffer(#"{"id":1}"#)]),
                ("content-length:2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n[]", [Self.buffer("[]")]),
                ("Content-Type: a:b\r\nCONTENT-LENGTH: \t4 \r\n\r\n\r\n\r\n", [Self.buffer("\r\n\r\n")]),
                ("Content-Length: 2\n\n{}", [Self.buffer("{}")]),  // bare LF line ends
                ("Content-Length: 0\r\n\r\n", [Self.buffer("")]),
                (
                    "Content-Length: \(Self.limit)\r\n\r\n" + String(repeating: " ", count: Self.limit),
                    [Self.buffer(String(repeating: " ", count: Self.limit))]
                ),
            ],
            decoderFactory: { ContentLengthFrameDecoder(maxFrameBytes: Self.limit) })
    }

    // MARK: The Content-Length decoder's refusals

    /// The decoder's error for these bytes, written as given and then the end of the stream.
    static func contentLengthError(_ chunks: [String]) throws -> ContentLengthFrameDecoder.DecodingError? {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(ContentLengthFrameDecoder(maxFrameBytes: limit)))
        do {
            for chunk in chunks { try channel.writeInbound(buffer(chunk)) }
            _ = try channel.finish()
        } catch let error as ContentLengthFrameDecoder.DecodingError {
            // Finished all the same: an unfinished channel and its pipeline hold each other for good.
            _ = try? channel.finish()
            return error
        }
        return nil
    }

    @Test func aLengthOverTheLimitIsRefusedAtItsHeader() throws {
        // No end of block, no body, no end of stream: the header line alone is enough.
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(ContentLengthFrameDecoder(maxFrameBytes: Self.limit)))
        defer { _ = try? channel.finish() }
        #expect(throws: ContentLengthFrameDecoder.DecodingError.frameTooLarge(limit: Self.limit)) {
            try channel.writeInbound(Self.buffer("Content-Length: \(Self.limit + 1)\r\n"))
        }
        #expect(try Self.contentLengthError(["Content-Length: 99999999999999999999999999\r\n"]) == .frameTooLarge(limit: Self.limit))
    }

    @Test func twoContentLengthHeadersAreRefused() throws {
        #expect(try Self.contentLengthError(["Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}"]) == .duplicateContentLength)
        #expect(try Self.contentLengthError(["content-length: 2\r\n", "CONTENT-LENGTH: 3\r\n\r\n{}"]) == .duplicateContentLength)
        // One per block: the next frame has its own.
        #expect(try Self.contentLengthError(["Content-Length: 2\r\n\r\n{}Content-Length: 2\r\n\r\n[]"]) == nil)
    }

    @Test func badHeadersAreRefused() throws {
        for value in ["lots", "-1", "+5", "1 2", "0x10", ""] {
            #expect(try Self.contentLengthError(["Content-Length: \(value)\r\n\r\n{}"]) == .badContentLength, "\(value)")
        }
        #expect(try Self.contentLengthError(["Content-Type: x\r\n\r\n{}"]) == .missingContentLength)
        #expect(try Self.contentLengthError(["Content-Length 2\r\n\r\n{}"]) == .malformedHeader)
        let many = String(repeating: "X-Padding: 0123456789\r\n", count: 60)
        #expect(try Self.contentLengthError(["Content-Length: 2\r\n" + many + "\r\n{}"]) == .headerBlockTooLarge)
        #expect(try Self.contentLengthError([String(repeating: "X", count: 2000)]) == .headerBlockTooLarge)
    }

    @Test func aFrameCutOffByTheEndOfTheStreamIsReported() throws {
        #expect(try Self.contentLengthError(["Content-Length: 10\r\n\r\n{}"]) == .incompleteFrame)
        #expect(try Self.contentLengthError(["Content-Length: 10\r\n"]) == .incompleteFrame)
        #expect(try Self.contentLengthError(["Content-Len"]) == .incompleteFrame)
        #expect(try Self.contentLengthError(["Content-Length: 2\r\n\r\n{}"]) == nil)
    }

    // MARK: Detection, through the whole framing a connection gets

    enum Event: Equatable, CustomStringConvertible {
        case message(String)
        case oversized
        case broken(String)

        var description: String {
            switch self {
            case .message(let text): "message(\(text.debugDescription))"
            case .oversized: "oversized"
            case .broken(let reason): "broken(\(reason))"
            }
        }
    }

    /// What the connection loop receives for these reads, then the end of the stream; and what a reply
    /// written back looks like on the wire.
    static func frames(_ chunks: [[UInt8]]) throws -> (events: [Event], reply: String) {
        let channel = EmbeddedChannel()
        try Framing.add(to: channel.pipeline.syncOperations, maxFrameBytes: limit)
        var events: [Event] = []
        func drain() throws {
            while let frame = try channel.readInbound(as: Frame.self) {
                switch frame {
                case .message(let buffer): events.append(.message(String(buffer: buffer)))
                case .oversized: events.append(.oversized)
                case .broken(let reason): events.append(.broken(reason))
                }
            }
        }
        for chunk in chunks {
            try channel.writeInbound(channel.allocator.buffer(bytes: chunk))
            try drain()
        }
        try channel.writeOutbound(buffer("{}"))
        var reply = ""
        while var part = try channel.readOutbound(as: ByteBuffer.self) { reply += part.readString(length: part.readableBytes) ?? "" }
        _ = try channel.finish()
        try drain()
        // The connection closes at the first broken frame: what the decoder says after it is never read.
        if let broken = events.firstIndex(where: { if case .broken = $0 { true } else { false } }) {
            events.removeSubrange((broken + 1)...)
        }
        return (events, reply)
    }

    static func frames(_ text: String) throws -> (events: [Event], reply: String) { try frames([Array(text.utf8)]) }

    @Test func aJSONLiteralFirstIsANewlineFrame() throws {
        for literal in ["null", "true", "false", "nul"] {
            let result = try Self.frames(literal + "\n" + #"{"id":1}"# + "\n")
            #expect(result.events == [.message(literal), .message(#"{"id":1}"#)])
            #expect(result.reply == "{}\n")
        }
    }

    @Test func onlyAContentLengthHeaderFirstSelectsHeaders() throws {
        for header in ["Content-Length", "content-length", "CONTENT-length"] {
            let result = try Self.frames("\r\n \(header): 2\r\n\r\n{}")
            #expect(result.events == [.message("{}")], "\(header)")
            #expect(result.reply == "Content-Length: 2\r\n\r\n{}")
        }
        // Any other first header, or a name that only starts like it, is text on a line.
        for line in ["Content-Type: application/json", "Content-Lengthy: 2", "Content-Length : 2", "X"] {
            #expect(try Self.frames(line + "\n").events == [.message(line)], "\(line)")
        }
    }

    @Test func aLengthOverTheLimitBreaksTheConnectionAtItsHeader() throws {
        let header = "Content-Length: \(Self.limit + 1)\r\n"
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        try Framing.add(to: channel.pipeline.syncOperations, maxFrameBytes: Self.limit)
        try channel.writeInbound(Self.buffer(header))
        guard case .broken(let reason) = try channel.readInbound(as: Frame.self) else {
            Issue.record("no broken frame after the header alone")
            return
        }
        #expect(reason == "Content-Length over the frame limit of \(Self.limit) bytes")
    }

    @Test func whiteSpaceAloneDecidesForLinesOnlyPastTheLimit() throws {
        let blank = String(repeating: "\n", count: Self.limit + 1)
        let afterBlank = try Self.frames([Array(blank.utf8), Array("Content-Length: 2\r\n\r\n{}".utf8)])
        #expect(afterBlank.events == [.message("Content-Length: 2"), .message("{}")])
        #expect(try Self.frames("\n\n" + "Content-Length: 2\r\n\r\n{}").events == [.message("{}")])
    }

    /// Only the `\r` of a `\r\n` is not the line's: another before it counts towards the limit, whether
    /// the line's `\n` came in the same read or not.
    @Test func aCarriageReturnBeforeTheLineEndCountsTowardsTheLimit() throws {
        let full = String(repeating: "w", count: Self.limit)
        #expect(try Self.frames(full + "\r\r\n{}\n").events == [.oversized, .message("{}")])
        #expect(try Self.frames([Array((full + "\r\r").utf8), Array("\n{}\n".utf8)]).events == [.oversized, .message("{}")])
        let under = String(repeating: "w", count: Self.limit - 1)
        #expect(try Self.frames(under + "\r\r\n").events == [.message(under + "\r")])
        // Cut off by the end of the stream, the last `\r` is taken for the start of a `\r\n`.
        #expect(try Self.frames(full + "\r").events == [.message(full + "\r")])
    }

    /// Every input below, cut at every point and also fed one byte at a time, gives the same frames as
    /// in one read.
    @Test func framingGivesTheSameFramesHoweverTheBytesArrive() throws {
        let inputs = [
            "null\n" + #"{"id":1}"# + "\r\n",
            "\r\n  Content-Length: 8\r\nContent-Type: x\r\n\r\n" + #"{"id":1}"# + "content-length: 2\r\n\r\n[]",
            "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
            "Content-Length: \(Self.limit + 1)\r\n\r\n",
            "content-type: x\n" + String(repeating: "z", count: Self.limit + 5) + "\n" + "[]",
            "Content-Len",
            "\n \n",
            String(repeating: "w", count: Self.limit) + "\r\r\n\n{}",  // a fuzzer's finding
            String(repeating: "w", count: Self.limit - 1) + "\r\r\n{}",
        ]
        for input in inputs {
            let bytes = Array(input.utf8)
            let whole = try Self.frames([bytes])
            for split in 0...bytes.count {
                let cut = try Self.frames([Array(bytes[..<split]), Array(bytes[split...])])
                #expect(cut.events == whole.events, "\(input.debugDescription) cut at \(split)")
                #expect(cut.reply == whole.reply, "\(input.debugDescription) cut at \(split)")
            }
            #expect(try Self.frames(bytes.map { [$0] }).events == whole.events, "\(input.debugDescription) byte by byte")
        }
    }
}
