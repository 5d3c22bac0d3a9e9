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
        var lineStart = true
        var lineLength = 0
        var lineNumber = 1
        var index = data.startIndex
        while index < data.endIndex {
            let byte = data[index]
            index += 1
            if byte == 0x0D || byte == 0x0A {
                // CRLF, lone CR or lone LF: all end the line once.
                if byte == 0x0D, index < data.endIndex, data[index] == 0x0A { index += 1 }
                output.append(0x0D)
                output.append(0x0A)
                lineStart = true
                lineLength = 0
                lineNumber += 1
                continue
            }
            if lineStart && byte == UInt8(ascii: ".") { output.append(byte) }
            lineStart = false
            lineLength += 1
            if lineLength > Self.maximumLineLength {
                throw SMTPFailure(
                    stage: .message, text: "line \(lineNumber) is longer than \(Self.maximumLineLength) octets")
            }
            output.append(byte)
        }
        if !lineStart { output.append(contentsOf: [0x0D, 0x0A]) }
        output.append(contentsOf: Array(".\r\n".utf8))
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
