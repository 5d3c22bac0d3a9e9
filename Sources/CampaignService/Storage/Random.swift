import CampaignProtocol
import Crypto
import Foundation

/// Random identifiers and tokens.
enum Random {
    /// `bytes` random bytes (a multiple of 8) as unpadded base64url: 32 bytes give 256 bits.
    static func token(bytes: Int = 32) -> String {
        // Eight bytes per draw: each draw is a getrandom(2) call.
        var rng = SystemRandomNumberGenerator()
        var data = Data(capacity: bytes)
        for _ in 0..<(bytes + 7) / 8 { withUnsafeBytes(of: rng.next() as UInt64) { data.append(contentsOf: $0) } }
        data = data.prefix(bytes)
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// An opaque id such as `sig_4k2j9x0q7m3p1v8c`.
    static func id(prefix: String) -> String {
        let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)
        var rng = SystemRandomNumberGenerator()
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
