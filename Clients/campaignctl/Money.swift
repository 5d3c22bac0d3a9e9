import ArgumentParser
import CampaignProtocol
import Foundation

/// Money as people read and type it. Amounts stay integers and decimal text throughout: a float
/// would turn 0.29 into 0.28999… and lose a cent somewhere.
enum MoneyText {
    /// ISO 4217 currencies whose minor unit is not a hundredth; every other code has two decimals.
    private static let exponents: [String: Int] = [
        // No minor unit.
        "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
        "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
        // Thousandths.
        "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
        // Ten-thousandths (units of account).
        "CLF": 4, "UYW": 4,
    ]

    /// Decimal places of the currency's minor unit.
    static func exponent(of currency: String) -> Int {
        exponents[currency.uppercased()] ?? 2
    }

    /// `USD 1,250.00`, `JPY 5,000`.
    static func format(_ money: Money) -> String {
        "\(money.currency) \(decimal(money, grouped: true))"
    }

    /// The amount alone: `1,250.00` grouped for reading, `1250.00` for spreadsheets.
    static func decimal(_ money: Money, grouped: Bool) -> String {
        let places = exponent(of: money.currency)
        // `magnitude` is unsigned, so even Int.min has a positive text.
        var digits = String(money.amountMinor.magnitude)
        if digits.count <= places {
            digits = String(repeating: "0", count: places - digits.count + 1) + digits
        }
        let whole = String(digits.dropLast(places))
        let fraction = String(digits.suffix(places))
        var text = grouped ? group(whole) : whole
        if places > 0 { text += "." + fraction }
        return money.amountMinor < 0 ? "-" + text : text
    }

    /// Thousands separated by commas.
    private static func group(_ whole: String) -> String {
        var out = ""
        for (i, digit) in whole.enumerated() {
            if i > 0, (whole.count - i) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }
}

/// An amount as typed (`25`, `25.5`, `25.00`), checked for shape when the option is parsed and turned
/// into minor units once the currency, perhaps the fundraiser's, is known.
struct DecimalAmount: Sendable, Hashable {
    let text: String
    let whole: Substring
    let fraction: Substring

    init(parsing raw: String) throws {
        let text = raw.trimmingCharacters(in: .whitespaces)
        self.text = text
        if text.isEmpty { throw ValidationError("the amount is empty") }
        if text.hasPrefix("-") { throw ValidationError("the amount '\(text)' must not be negative") }
        if text.contains(",") {
            throw ValidationError("write the amount '\(text)' without thousands separators, with '.' before any decimals")
        }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let isDigits: (Substring) -> Bool = { !$0.isEmpty && $0.unicodeScalars.allSatisfy { ("0"..."9").contains($0) } }
        guard isDigits(parts[0]), parts.count == 1 || isDigits(parts[1]) else {
            throw ValidationError("the amount '\(text)' is not a number such as 25 or 25.00")
        }
        whole = parts[0]
        fraction = parts.count == 2 ? parts[1] : ""
        if (whole + fraction).allSatisfy({ $0 == "0" }) { throw ValidationError("the amount must be more than zero") }
    }

    /// Integer minor units of `currency`, refusing decimals the currency does not have.
    func minorUnits(of currency: String) throws -> Int {
        let places = MoneyText.exponent(of: currency)
        guard fraction.count <= places else {
            if places == 0 { throw ValidationError("\(currency) has no decimals: give a whole amount, not '\(text)'") }
            throw ValidationError("\(currency) has \(places) decimals; '\(text)' has \(fraction.count)")
        }
        let digits = whole + fraction + String(repeating: "0", count: places - fraction.count)
        var value = 0
        for scalar in digits.unicodeScalars {
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(Int(scalar.value) - 48)
            if overflow1 || overflow2 { throw ValidationError("the amount '\(text)' is too large") }
            value = sum
        }
        return value
    }
}

/// An ISO 4217 code as given on the command line: three letters, upper-cased.
func parseCurrency(_ text: String) throws -> String {
    let code = text.uppercased()
    guard code.count == 3, code.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
        throw ValidationError("'\(text)' is not an ISO 4217 currency code such as USD or EUR")
    }
    return code
}
