import CampaignProtocol
import Foundation

/// A visitor's address, parsed once from the text a frontend passes: IPv4, or IPv6 with IPv4-mapped
/// addresses (`::ffff:1.2.3.4`, in any spelling) taken as the IPv4 address they carry. Per-address limits
/// and the organisers' ranges both read these bytes, never the text.
struct IPAddress: Sendable, Hashable {
    /// The 16 bytes in network order as two big-endian words; IPv4 as `::ffff:a.b.c.d`.
    let high: UInt64
    let low: UInt64

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses IPv4 dotted-quad or IPv6 text; nil for anything else (zone ids, brackets, ports included).
    init?(_ text: some StringProtocol) {
        // inet_pton reads a C string: a NUL inside the text would end it early and let the rest through.
        guard (2...45).contains(text.utf8.count),
            text.utf8.allSatisfy({ $0 == 0x2E || $0 == 0x3A || ($0 >= 0x30 && $0 <= 0x39) || (($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x66) })
        else { return nil }
        let text = String(text)
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(high: 0, low: 0xFFFF_0000_0000 | UInt64(UInt32(bigEndian: v4.s_addr)))
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let (high, low) = withUnsafeBytes(of: &v6) { raw in
            (
                UInt64(bigEndian: raw.loadUnaligned(as: UInt64.self)),
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            )
        }
        self.init(high: high, low: low)
    }

    /// Checks a `client.ip`.
    static func validate(_ value: String, field: String) throws(ResponseError) -> IPAddress {
        guard let address = IPAddress(value) else { throw .invalidParams(field: field, reason: "must be an IPv4 or IPv6 address") }
        return address
    }

    /// IPv4, whether it was written as IPv4 or as an IPv4-mapped IPv6 address.
    var isIPv4: Bool { high == 0 && low >> 32 == 0xFFFF }

    /// The 16 bytes, most significant first.
    var bytes: [UInt8] { withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { Array($0) } }

    /// What per-address limits count as one visitor: an IPv4 address, or an IPv6 /64 (one subscriber's
    /// network: a host there can take any of its 2^64 addresses). The lengths differ, so the two never meet.
    var rateKey: [UInt8] {
        isIPv4
            ? withUnsafeBytes(of: UInt32(truncatingIfNeeded: low).bigEndian) { Array($0) }
            : withUnsafeBytes(of: high.bigEndian) { Array($0) }
    }

    /// The one spelling records keep (RFC 5952 for IPv6, dotted for IPv4, however it arrived), so that
    /// organisers see one address as one.
    var text: String {
        if isIPv4 {
            let v4 = UInt32(truncatingIfNeeded: low)
            return "\(v4 >> 24).\(v4 >> 16 & 0xFF).\(v4 >> 8 & 0xFF).\(v4 & 0xFF)"
        }
        var v6 = in6_addr()
        withUnsafeMutableBytes(of: &v6) { raw in
            raw.storeBytes(of: high.bigEndian, as: UInt64.self)
            raw.storeBytes(of: low.bigEndian, toByteOffset: 8, as: UInt64.self)
        }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(INET6_ADDRSTRLEN)) { buffer in
            guard let base = buffer.baseAddress, inet_ntop(AF_INET6, &v6, base, socklen_t(buffer.count)) != nil else { return "" }
            return String(cString: base)
        }
    }
}
