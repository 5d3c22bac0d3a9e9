/// An instant, written as RFC 3339 in UTC with `Z` (`2026-11-30T09:15:00Z`). Reading accepts any UTC
/// offset and fractional seconds, as campaign definitions may carry them.
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var millisecondsSince1970: Int64

    public init(millisecondsSince1970: Int64) { self.millisecondsSince1970 = millisecondsSince1970 }

    public init?(rfc3339 text: String) {
        guard let ms = Self.parse(Array(text.utf8)) else { return nil }
        self.millisecondsSince1970 = ms
    }

    public static func < (a: Self, b: Self) -> Bool { a.millisecondsSince1970 < b.millisecondsSince1970 }

    public func adding(seconds: Int64) -> Timestamp { .init(millisecondsSince1970: millisecondsSince1970 + seconds * 1000) }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let t = Timestamp(rfc3339: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected an RFC 3339 timestamp"))
        }
        self = t
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public var description: String {
        let ms = millisecondsSince1970
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secOfDay = seconds - days * 86400
        let (y, m, d) = Self.civil(fromDays: days)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        var out =
            "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secOfDay / 3600, 2)):\(pad(secOfDay % 3600 / 60, 2)):\(pad(secOfDay % 60, 2))"
        let frac = ms - seconds * 1000
        if frac != 0 { out += "." + pad(frac, 3) }
        return out + "Z"
    }

    // Howard Hinnant's days-from-civil and its inverse.
    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func parse(_ b: [UInt8]) -> Int64? {
        var i = 0
        func digits(_ n: Int) -> Int64? {
            guard i + n <= b.count else { return nil }
            var v: Int64 = 0
            for _ in 0..<n {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int64(b[i] - 48)
                i += 1
            }
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let y = digits(4), expect(45), let mo = digits(2), expect(45), let d = digits(2) else { return nil }
        guard i < b.count, b[i] == 84 || b[i] == 116 else { return nil }  // T or t
        i += 1
        guard let h = digits(2), expect(58), let mi = digits(2), expect(58), let s = digits(2) else { return nil }
        guard (1...12).contains(mo), h < 24, mi < 60, s < 61 else { return nil }
        let monthDays: [Int64] = [31, (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard d >= 1, d <= monthDays[Int(mo - 1)] else { return nil }
        var ms: Int64 = 0
        if i < b.count, b[i] == 46 {  // fraction: keep milliseconds
            i += 1
            var scale: Int64 = 100
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                ms += Int64(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        var offset: Int64 = 0
        guard i < b.count else { return nil }
        if b[i] == 90 || b[i] == 122 {  // Z or z
            i += 1
        } else if b[i] == 43 || b[i] == 45 {  // + or -
            let sign: Int64 = b[i] == 43 ? 1 : -1
            i += 1
            guard let oh = digits(2), expect(58), let om = digits(2), oh < 24, om < 60 else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let secs = days(fromCivil: y, mo, d) * 86400 + h * 3600 + mi * 60 + min(s, 59) - offset
        // Only instants that write back as four-digit years in UTC (an offset can push past either end).
        guard secs >= days(fromCivil: 1, 1, 1) * 86400, secs < days(fromCivil: 10000, 1, 1) * 86400 else { return nil }
        return secs * 1000 + ms
    }
}
