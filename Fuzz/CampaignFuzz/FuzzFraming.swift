import NIOCore
import NIOEmbedded
import NIOExtras

/// (c) The frame decoders the transports use, in an `EmbeddedChannel`, fed the input in two reads
/// split at a point the first byte chooses (so that the fuzzer explores frames cut anywhere).
///
/// Decoder errors are fine (a connection closes on them); a trap is not. Properties: how the bytes
/// were cut into reads does not change the frames (when neither way failed); a newline frame holds no
/// newline; the frames never add up to more bytes than were read.
func fuzzFraming(_ bytes: [UInt8]) {
    let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    let whole = [bytes[...]]
    let cut = [bytes[..<split], bytes[split...]]

    let lines = decode(cut) { LineBasedFrameDecoder() }
    for line in lines.frames {
        fuzzCheck(!line.contains(UInt8(ascii: "\n")), "LineBasedFrameDecoder produced a frame holding a newline")
    }
    fuzzCheck(lines.frames.reduce(0) { $0 + $1.count + 1 } <= bytes.count, "LineBasedFrameDecoder produced more bytes than it read")
    let linesWhole = decode(whole) { LineBasedFrameDecoder() }
    fuzzCheck(
        lines.failed || linesWhole.failed || lines.frames == linesWhole.frames,
        "LineBasedFrameDecoder: the frames depend on how the bytes were cut (at \(split))")

    fuzzProjectFraming(whole: whole, cut: cut)
}

/// Writes the chunks into a channel with the decoder (in a `ByteToMessageHandler` with a maximum buffer
/// of 4096 bytes), then closes it; returns the frames that came out and whether the decoder failed.
private func decode<D: ByteToMessageDecoder>(
    _ chunks: [ArraySlice<UInt8>], _ makeDecoder: () -> D
) -> (frames: [[UInt8]], failed: Bool) where D.InboundOut == ByteBuffer {
    let channel = EmbeddedChannel()
    var frames: [[UInt8]] = []
    var failed = false
    func drain() {
        while let frame = try? channel.readInbound(as: ByteBuffer.self) {
            frames.append(Array(frame.readableBytesView))
        }
    }
    do {
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(makeDecoder(), maximumBufferSize: 4096))
        for chunk in chunks {
            try channel.writeInbound(channel.allocator.buffer(bytes: chunk))
            drain()
        }
    } catch {
        // A decoding error: the transport would close the connection here.
        failed = true
    }
    do {
        _ = try channel.finish()
    } catch {
        failed = true
    }
    drain()
    return (frames, failed)
}

// The project's framing is internal to CampaignService: a debug build (the only kind fuzz.sh makes)
// compiles it with -enable-testing, so it can be reached here. Were `Frame` and `Framing` public,
// a plain import would do and this could go.
#if DEBUG
    @testable import CampaignService

    /// The project's own framing (`Framing.add`: detection, the oversize-skipping newline decoder, the
    /// Content-Length decoder, the tagger), with a small frame limit so that the oversize paths run.
    private func fuzzProjectFraming(whole: [ArraySlice<UInt8>], cut: [ArraySlice<UInt8>]) {
        let maxFrameBytes = 64
        let total = whole.reduce(0) { $0 + $1.count }
        let bytes = Array(whole.joined())

        // The Content-Length decoder alone: never more than the limit, nor more bytes than it read,
        // and the same frames however the bytes were cut.
        let messages = decode(cut) { ContentLengthFrameDecoder(maxFrameBytes: maxFrameBytes) }
        fuzzCheck(messages.frames.allSatisfy { $0.count <= maxFrameBytes }, "ContentLengthFrameDecoder passed a frame over the limit")
        fuzzCheck(messages.frames.reduce(0) { $0 + $1.count } <= total, "ContentLengthFrameDecoder produced more bytes than it read")
        let messagesWhole = decode(whole) { ContentLengthFrameDecoder(maxFrameBytes: maxFrameBytes) }
        fuzzCheck(
            messages.failed || messagesWhole.failed || messages.frames == messagesWhole.frames,
            "ContentLengthFrameDecoder: the frames depend on how the bytes were cut")

        // The framing the detector should choose: headers when the first bytes that are not white
        // space are a `Content-Length` header name (any case), lines otherwise.
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }
        let start = bytes.drop { isSpace($0) }
        let headers = start.count >= 15 && String(decoding: start.prefix(15), as: UTF8.self).lowercased() == "content-length:"
        let events = projectFrames(cut, maxFrameBytes: maxFrameBytes)
        var delivered = 0
        for case .message(let frame) in events {
            delivered += frame.count
            // A line's `\r` left by its `\r\n` does not count (bodies alone are checked strictly above).
            let length = frame.count - (frame.last == 0x0D ? 1 : 0)
            fuzzCheck(length <= maxFrameBytes, "a frame of \(length) bytes passed the limit of \(maxFrameBytes)")
        }
        fuzzCheck(delivered <= total, "the framing produced more bytes than it read")

        if !headers {
            fuzzCheck(!events.contains { if case .broken = $0 { true } else { false } }, "newline framing broke the connection")
        }

        // The same bytes in one read, and cut where a read most often ends in a line: before its "\n".
        let eventsWhole = projectFrames(whole, maxFrameBytes: maxFrameBytes)
        var cuts = [cut]
        if let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) {
            cuts.append([bytes[..<newline], bytes[newline...]])
        }
        let broken = { (e: [FramingEvent]) in e.contains { if case .broken = $0 { true } else { false } } }
        for (index, chunks) in cuts.enumerated() {
            // More than the limit of white space alone decides for lines before the rest arrives (by design).
            if let head = chunks.first, head.count > maxFrameBytes, head.allSatisfy(isSpace) { continue }
            let eventsCut = index == 0 ? events : projectFrames(chunks, maxFrameBytes: maxFrameBytes)
            fuzzCheck(
                broken(eventsCut) || broken(eventsWhole) || eventsCut == eventsWhole,
                "Framing.add: the frames depend on how the bytes were cut (at \(chunks.first?.count ?? 0)): "
                    + "\(eventsWhole) in one read, \(eventsCut) in two")
        }
    }

    enum FramingEvent: Equatable, CustomStringConvertible {
        case message([UInt8])
        case oversized
        case broken(String)

        var description: String {
            switch self {
            case .message(let bytes): "message(\(String(decoding: bytes, as: UTF8.self).debugDescription))"
            case .oversized: "oversized"
            case .broken(let reason): "broken(\(reason))"
            }
        }
    }

    /// What the connection loop would receive for these reads followed by the end of the stream.
    private func projectFrames(_ chunks: [ArraySlice<UInt8>], maxFrameBytes: Int) -> [FramingEvent] {
        let channel = EmbeddedChannel()
        var events: [FramingEvent] = []
        func drain() {
            while let frame = try? channel.readInbound(as: Frame.self) {
                switch frame {
                case .message(let buffer): events.append(.message(Array(buffer.readableBytesView)))
                case .oversized: events.append(.oversized)
                case .broken(let reason): events.append(.broken(reason))
                }
            }
        }
        do {
            try Framing.add(to: channel.pipeline.syncOperations, maxFrameBytes: maxFrameBytes)
            for chunk in chunks {
                try channel.writeInbound(channel.allocator.buffer(bytes: chunk))
                drain()
            }
        } catch {
            // Errors the tagger does not turn into `.broken` close the connection.
            events.append(.broken("\(error)"))
        }
        do {
            _ = try channel.finish()
        } catch {
            events.append(.broken("\(error)"))
        }
        drain()
        return events
    }
#else
    /// A release build has no testable CampaignService: the project's framing is not fuzzed there.
    private func fuzzProjectFraming(whole: [ArraySlice<UInt8>], cut: [ArraySlice<UInt8>]) {}
#endif
