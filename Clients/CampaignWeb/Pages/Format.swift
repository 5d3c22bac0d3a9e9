import CampaignProtocol
import Foundation

/// Figures as a page shows them.
enum Format {
    /// `1285` → `1,285`.
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static let zeroDecimalCurrencies: Set<String> = ["JPY", "KRW", "VND", "CLP", "ISK", "HUF", "TWD", "UGX", "XAF", "XOF"]
    static let symbols: [String: String] = ["USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$"]

    /// `{2500, USD}` → `$25.00`; a currency without a symbol here is written after the figure.
    static func money(_ money: Money) -> String {
        let decimals = zeroDecimalCurrencies.contains(money.currency) ? 0 : 2
        let divisor = decimals == 0 ? 1 : 100
        let whole = count(money.amountMinor / divisor)
        let fraction = decimals == 0 ? "" : "." + String(format: "%02d", abs(money.amountMinor % divisor))
        if let symbol = symbols[money.currency] { return symbol + whole + fraction }
        return whole + fraction + " " + money.currency
    }

    /// `{2500, USD}` → `$25` for whole amounts, as a pledge button says it.
    static func shortMoney(_ money: Money) -> String {
        let full = Self.money(money)
        return full.hasSuffix(".00") ? String(full.dropLast(3)) : full.replacingOccurrences(of: ".00 ", with: " ")
    }

    static func minorUnits(of currency: String) -> Int { zeroDecimalCurrencies.contains(currency) ? 1 : 100 }

    /// An event's time, in the zone where it happens.
    static func when(_ event: Event) -> String {
        let zone = TimeZone(identifier: event.timeZone) ?? TimeZone(secondsFromGMT: 0) ?? .current
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = zone
        day.dateFormat = "EEEE d MMMM yyyy, HH:mm"
        let time = DateFormatter()
        time.locale = day.locale
        time.timeZone = zone
        time.dateFormat = "HH:mm"
        let start = date(event.startsAt)
        var text = day.string(from: start)
        if let end = event.endsAt { text += "–" + time.string(from: date(end)) }
        return text + " (" + (zone.abbreviation(for: start) ?? event.timeZone) + ")"
    }

    static func date(_ t: Timestamp) -> Date { Date(timeIntervalSince1970: Double(t.millisecondsSince1970) / 1000) }

    static func place(_ location: Location) -> String {
        [location.venue, location.address, location.city, location.region, location.country].compactMap { $0 }.joined(separator: ", ")
    }

    /// A query parameter value, percent-encoded.
    static func query(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
