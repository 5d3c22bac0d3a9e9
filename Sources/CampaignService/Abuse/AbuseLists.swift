import Foundation
import NIOConcurrencyHelpers

/// The organisers' lists (`--abuse-list FILE`, reloaded on SIGHUP), one rule a line:
///
///     allow 192.0.2.0/24          # an office or university behind one address: no per-address limits
///     block 203.0.113.7           # an address or a range, IPv4 or IPv6
///     block @mailinator.com       # an email domain, and its subdomains
///     block someone@example.org   # one email, in any spelling of it (canonical form)
///
/// A blocked signature is kept as `suspect` with the reply any signature gets (SPEC §5): the sender
/// learns nothing, organisers can still accept it. A blocked pledge or RSVP gets `-32004`, like one over
/// its limit. Block wins over allow.
public struct AbuseLists: Sendable, Equatable {
    var allowed: [AddressRange] = []
    var blockedAddresses: [AddressRange] = []
    var blockedDomains: Set<String> = []
    var blockedEmails: Set<String> = []

    public init() {}

    public var summary: String {
        "\(allowed.count) allowed ranges, \(blockedAddresses.count) blocked ranges, \(blockedDomains.count) blocked domains, "
            + "\(blockedEmails.count) blocked emails"
    }

    public struct ParseError: Error, CustomStringConvertible {
        public let line: Int
        public let reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public init(parsing text: String) throws(ParseError) {
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = line.split(whereSeparator: \.isWhitespace)
            guard let verb = words.first else { continue }
            guard words.count == 2 else {
                throw ParseError(line: index + 1, reason: "expected `allow RANGE` or `block RANGE|@DOMAIN|EMAIL`")
            }
            let value = String(words[1])
            switch verb {
            case "allow":
                guard let range = AddressRange(value) else {
                    throw ParseError(line: index + 1, reason: "`\(value)` is not an address or range (allow takes addresses only)")
                }
                allowed.append(range)
            case "block":
                if value.hasPrefix("@") {
                    let domain = value.dropFirst().lowercased()
                    guard domain.contains("."), !domain.contains("@") else {
                        throw ParseError(line: index + 1, reason: "`\(value)` is not an email domain")
                    }
                    blockedDomains.insert(domain)
                } else if value.contains("@") {
                    blockedEmails.insert(Email.canonical(value))
                } else if let range = AddressRange(value) {
                    blockedAddresses.append(range)
                } else {
                    throw ParseError(line: index + 1, reason: "`\(value)` is not an address, range, @domain or email")
                }
            default:
                throw ParseError(line: index + 1, reason: "unknown rule `\(verb)` (allow or block)")
            }
        }
    }

    enum Verdict: Equatable {
        /// Per-address limits apply.
        case limited
        /// From an allowed range: no per-address limit.
        case exempt
        case blocked
    }

    /// `email` is the canonical form.
    func verdict(ip address: IPAddress?, email: String?) -> Verdict {
        if let email {
            if blockedEmails.contains(email) { return .blocked }
            if let at = email.lastIndex(of: "@") {
                // The domain and every parent: a.b.example.org is blocked by @b.example.org and @example.org.
                var domain = email[email.index(after: at)...]
                while true {
                    if blockedDomains.contains(String(domain)) { return .blocked }
                    guard let dot = domain.firstIndex(of: ".") else { break }
                    domain = domain[domain.index(after: dot)...]
                }
            }
        }
        guard let address else { return .limited }
        if blockedAddresses.contains(where: { $0.contains(address) }) { return .blocked }
        if allowed.contains(where: { $0.contains(address) }) { return .exempt }
        return .limited
    }
}

/// An IPv4 or IPv6 address or CIDR range over the 128 bits of `IPAddress` (IPv4 ranges within `::ffff:0:0/96`).
struct AddressRange: Sendable, Equatable {
    let network: IPAddress
    let prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let isV4 = !parts[0].contains(":")
        let width = isV4 ? 32 : 128
        var prefix = width
        if parts.count == 2 {
            guard let p = Int(parts[1]), (0...width).contains(p) else { return nil }
            prefix = p
        }
        self.prefix = prefix + (isV4 ? 96 : 0)
        network = Self.masked(address, self.prefix)
    }

    func contains(_ address: IPAddress) -> Bool { Self.masked(address, prefix) == network }

    static func masked(_ address: IPAddress, _ prefix: Int) -> IPAddress {
        func mask(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? .max : ~(UInt64.max >> bits) }
        return IPAddress(high: address.high & mask(prefix), low: address.low & mask(prefix - 64))
    }
}

/// The lists in force, replaced whole on reload.
public final class AbusePolicy: Sendable {
    private let current: NIOLockedValueBox<AbuseLists>

    public init(_ lists: AbuseLists = .init()) { current = NIOLockedValueBox(lists) }

    public var lists: AbuseLists { current.withLockedValue { $0 } }
    public func replace(with lists: AbuseLists) { current.withLockedValue { $0 = lists } }
}
