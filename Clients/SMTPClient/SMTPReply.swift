/// One reply of the server: a code and its text lines. A multi-line reply (`250-…` … `250 …`) is one reply.
public struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var lines: [String]

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    public var isPositive: Bool { (200..<400).contains(code) }
    public var isTransient: Bool { (400..<500).contains(code) }
    public var isPermanent: Bool { code >= 500 }
    public var text: String { lines.joined(separator: "\n") }
    public var description: String { "\(code) \(lines.joined(separator: " / "))" }
}

/// Gathers the lines the server sends into replies.
struct SMTPReplyParser {
    enum ParseError: Error, Equatable {
        case malformedLine(String)
        case codeChangedInsideReply
    }

    private var pendingCode: Int?
    private var pendingLines: [String] = []

    /// Takes one line without its line ending; returns the reply it completes, if any.
    mutating func feed(_ line: [UInt8]) throws(ParseError) -> SMTPReply? {
        guard line.count >= 3, line[0..<3].allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw .malformedLine(String(decoding: line.prefix(80), as: UTF8.self))
        }
        let code = line[0..<3].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        let separator: UInt8 = line.count > 3 ? line[3] : UInt8(ascii: " ")
        guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            throw .malformedLine(String(decoding: line.prefix(80), as: UTF8.self))
        }
        if let pendingCode, pendingCode != code { throw .codeChangedInsideReply }
        pendingCode = code
        pendingLines.append(line.count > 4 ? String(decoding: line[4...], as: UTF8.self) : "")
        guard separator == UInt8(ascii: " ") else { return nil }
        let reply = SMTPReply(code: code, lines: pendingLines)
        self.pendingCode = nil
        pendingLines = []
        return reply
    }
}

/// What the server announced in its EHLO reply.
struct SMTPCapabilities: Equatable {
    var pipelining = false
    var startTLS = false
    var authMechanisms: Set<String> = []
    var smtpUTF8 = false

    init() {}

    init(ehloReply: SMTPReply) {
        // The first line is the greeting; each further line is a keyword and its parameters.
        for line in ehloReply.lines.dropFirst() {
            let words = line.split(separator: " ").map { $0.uppercased() }
            guard let keyword = words.first else { continue }
            switch keyword {
            case "PIPELINING": pipelining = true
            case "STARTTLS": startTLS = true
            case "SMTPUTF8": smtpUTF8 = true
            case "AUTH": authMechanisms.formUnion(words.dropFirst())
            default: break
            }
        }
    }
}
