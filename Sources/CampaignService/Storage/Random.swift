import CampaignProtocol
import Crypto
import Foundation
import SecureRandom

/// Random identifiers and tokens.
enum Random {
    /// `bytes` random bytes (a multiple of 8) as unpadded base64url: 32 bytes give 256 bits.
    static func token(bytes: Int = 32) -> String {
        base64url(SecureRandom.bytes(bytes)[...])
    }

    static let base64urlAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Unpadded base64url (RFC 4648 §5), straight from a table: `outbox.claim` mints a token per message,
    /// and Foundation's base64 with three string replacements was most of a claim's CPU.
    static func base64url(_ bytes: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let count = min(3, bytes.endIndex - index)
            var group = 0
            for offset in 0..<3 { group = group << 8 | (offset < count ? Int(bytes[index + offset]) : 0) }
            for position in 0...count { out.append(base64urlAlphabet[(group >> (18 - 6 * position)) & 63]) }
            index += count
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// An opaque id such as `sig_4k2j9x0q7m3p1v8c`.
    static func id(prefix: String) -> String {
        let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)
        var rng = SecureRandom.Generator()
        // 16 characters of 5 bits: 80 bits from two draws.
        var bits = rng.next() as UInt64
        var more = rng.next() as UInt64
        var out = Array(prefix.utf8) + [UInt8(ascii: "_")]
        for i in 0..<16 {
            if i == 12 { bits = more; more = 0 }
            out.append(alphabet[Int(bits & 31)])
            bits >>= 5
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Tokens are stored as SHA-256 hashes only (SPEC §4.3).
enum TokenHash {
    static func of(_ token: String) -> Data { Data(SHA256.hash(data: Data(token.utf8))) }
}
