/// Money as integer minor units of an ISO 4217 currency: `{"amountMinor": 2500, "currency": "USD"}`.
public struct Money: Codable, Sendable, Hashable {
    public var amountMinor: Int
    public var currency: String
    public init(amountMinor: Int, currency: String) {
        self.amountMinor = amountMinor
        self.currency = currency
    }
}
