#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 address, parsed once. An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, as a
/// dual-stack listener reports IPv4 peers) is its IPv4 address, so that one CIDR covers both.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// 4 or 16 bytes, network order.
    public let bytes: [UInt8]

    public init?(_ text: some StringProtocol) {
        var text = String(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(bytes: withUnsafeBytes(of: &v4) { Array($0) })
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        self.init(bytes: bytes)
    }

    init(bytes: [UInt8]) {
        if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            self.bytes = Array(bytes[12..<16])
        } else {
            self.bytes = bytes
        }
    }

    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let written = bytes.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count))
        }
        guard written != nil else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A network such as `10.0.0.0/8` or `2001:db8::/32`; an address alone is a network of one.
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    public let network: IPAddress
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress(parts[0]) else { return nil }
        let bits = address.bytes.count * 8
        if parts.count == 2 {
            guard let length = Int(parts[1]), (0...bits).contains(length) else { return nil }
            // An IPv4-mapped network is written with an IPv6 length; keep the IPv4 part.
            prefixLength = bits == 32 && parts[0].contains(":") ? max(0, length - 96) : length
        } else {
            prefixLength = bits
        }
        network = address
    }

    public func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == network.bytes.count else { return false }
        var remaining = prefixLength
        for (a, b) in zip(address.bytes, network.bytes) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xff : ~(0xff >> UInt8(remaining))
            guard a & mask == b & mask else { return false }
            remaining -= 8
        }
        return true
    }

    public var description: String { "\(network)/\(prefixLength)" }
}

/// The visitor's address: the TCP peer, or, only when the peer is a trusted proxy, the right-most
/// `X-Forwarded-For` hop that is not itself a trusted proxy. Anyone else's header is ignored, so
/// that a visitor cannot choose the address the abuse limits count.
public struct ClientAddress: Sendable {
    public var trustedProxies: [CIDR]
    /// Whether a peer on a Unix socket (a local reverse proxy) is trusted.
    public var trustsUnixPeers: Bool

    public init(trustedProxies: [CIDR], trustsUnixPeers: Bool = false) {
        self.trustedProxies = trustedProxies
        self.trustsUnixPeers = trustsUnixPeers
    }

    public func isTrusted(_ address: IPAddress) -> Bool { trustedProxies.contains { $0.contains(address) } }

    /// `peer` is nil for a Unix socket peer. `forwardedFor` holds every `X-Forwarded-For` field, in order.
    public func resolve(peer: IPAddress?, forwardedFor: [String]) -> IPAddress? {
        let peerTrusted = peer.map(isTrusted) ?? trustsUnixPeers
        guard peerTrusted else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingWhitespace() }
        var nearest = peer
        for hop in hops.reversed() {
            // A hop that is not an address was not written by a proxy we trust: stop at the last known one.
            guard let address = IPAddress(hop) else { return nearest }
            if !isTrusted(address) { return address }
            nearest = address
        }
        return nearest
    }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var s = self
        while let first = s.first, first == " " || first == "\t" { s.removeFirst() }
        while let last = s.last, last == " " || last == "\t" { s.removeLast() }
        return s
    }
}
