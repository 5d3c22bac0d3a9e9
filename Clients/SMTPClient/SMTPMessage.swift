/// One message: its envelope and its bytes (headers and body, as RFC 5322 text).
public struct SMTPMessage: Sendable, Equatable {
    public var sender: String
    public var recipients: [String]
    public var data: [UInt8]

    public init(sender: String, recipients: [String], data: [UInt8]) {
        self.sender = sender
        self.recipients = recipients
        self.data = data
    }

    /// RFC 5321 §4.5.3.1.6: a line is at most 998 octets before its CRLF.
    public static let maximumLineLength = 998

    /// The bytes that follow DATA: line endings as CRLF (a bare LF or CR becomes CRLF), every line that
    /// starts with a dot doubled (RFC 5321 §4.5.2), and the final `.` line. Throws before anything is
    /// sent when an address could smuggle a command or a line is too long.
    func encoded() throws(SMTPFailure) -> [UInt8] {
        guard !recipients.isEmpty else { throw SMTPFailure(stage: .message, text: "no recipients") }
        for address in [sender] + recipients where !Self.isSafeAddress(address) {
            throw SMTPFailure(stage: .message, text: "address \(address.debugDescription) cannot be sent in an SMTP command")
        }
        var output: [UInt8] = []
        output.reserveCapacity(data.count + data.count / 40 + 5)
        // A line at a time, copied whole: the bytes of a message pass here once each.
        let tooLong: Int? = data.withUnsafeBufferPointer { bytes in
            var index = 0
            var lineNumber = 1
            while index < bytes.count {
                let start = index
                while index < bytes.count, bytes[index] != 0x0D, bytes[index] != 0x0A { index += 1 }
                if index - start > Self.maximumLineLength { return lineNumber }
                if index > start {
                    if bytes[start] == UInt8(ascii: ".") { output.append(UInt8(ascii: ".")) }
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                }
                // CRLF, lone CR or lone LF all end the line once; so does the end of a last line without one.
                if index < bytes.count {
                    if bytes[index] == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
                    index += 1
                }
                output.append(0x0D)
                output.append(0x0A)
                lineNumber += 1
            }
            return nil
        }
        if let tooLong {
            throw SMTPFailure(stage: .message, text: "line \(tooLong) is longer than \(Self.maximumLineLength) octets")
        }
        output.append(contentsOf: [UInt8(ascii: "."), 0x0D, 0x0A])
        return output
    }

    /// An address goes into `MAIL FROM:<…>` and `RCPT TO:<…>` as it is: no line ending, no angle bracket,
    /// no control character or space. The empty sender (`<>`, for bounces) is allowed.
    static func isSafeAddress(_ address: String) -> Bool {
        address.utf8.count <= 320
            && address.utf8.allSatisfy { $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") }
    }

    var needsSMTPUTF8: Bool { ([sender] + recipients).contains { address in address.utf8.contains { $0 >= 0x80 } } }
}
