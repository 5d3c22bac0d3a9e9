import CampaignProtocol

/// Money rules (SPEC §3): integer minor units (the decoder refuses fractions) of an upper-case ISO 4217 code.
enum MoneyRules {
    /// The largest amount anywhere, in minor units (10^12: ten billion of a two-decimal currency). Nine
    /// million pledges at the bound still total less than `Int64.max`, so sums checked in storage never
    /// overflow in practice.
    static let maximumMinor = 1_000_000_000_000

    static func currency(_ code: String, field: String) throws(ResponseError) -> String {
        guard code.utf8.count == 3, code.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
            throw .invalidParams(field: field, reason: "must be an upper-case ISO 4217 code such as \"USD\"")
        }
        return code
    }

    static func amount(_ money: Money, field: String, positive: Bool = true) throws(ResponseError) -> Money {
        _ = try currency(money.currency, field: field + ".currency")
        guard money.amountMinor >= (positive ? 1 : 0) else {
            throw .invalidParams(field: field + ".amountMinor", reason: positive ? "must be positive" : "must not be negative")
        }
        guard money.amountMinor <= maximumMinor else {
            throw .invalidParams(field: field + ".amountMinor", reason: "must be at most \(maximumMinor) minor units")
        }
        return money
    }
}

/// A validated `fundraiser.update`: each field given is checked on its own here; the store checks what
/// depends on the fundraiser as it is (its currency, `minimum` not above `maximum`).
struct FundraiserChanges: Sendable {
    var title: String?
    var description: String?
    var goal: Money?
    var minimum: Money?
    var maximum: Money?
    var closesAt: Timestamp?
    var confirmationRequired: Bool?
    var status: FundraiserStatus?

    init(validating p: UpdateFundraiser) throws(ResponseError) {
        title = try TextRules.change(p.title, field: "title", max: TextRules.title)
        description = try TextRules.change(p.description, field: "description", max: TextRules.description, multiline: true)
        goal = try p.goal.map { v throws(ResponseError) in try MoneyRules.amount(v, field: "goal") }
        minimum = try p.minimum.map { v throws(ResponseError) in try MoneyRules.amount(v, field: "minimum") }
        maximum = try p.maximum.map { v throws(ResponseError) in try MoneyRules.amount(v, field: "maximum") }
        closesAt = p.closesAt
        confirmationRequired = p.confirmationRequired
        status = p.status
    }

    /// The amounts given, with the names of their fields.
    var amounts: [(field: String, money: Money)] {
        [("goal", goal), ("minimum", minimum), ("maximum", maximum)].compactMap { field, money in money.map { (field, $0) } }
    }
}
