/// The pledge drive, with exact totals.
public struct Fundraiser: Codable, Sendable, Hashable {
    public var title: String
    public var description: String
    public var goal: Money
    /// Confirmed and paid pledges.
    public var pledged: Money
    /// Paid pledges.
    public var paid: Money
    /// Pledges counted in `pledged`.
    public var pledgeCount: Int
    public var minimum: Money
    public var maximum: Money
    public var closesAt: Timestamp?
    /// `closed` once set so or once `closesAt` has passed.
    public var status: FundraiserStatus
    public var confirmationRequired: Bool

    public init(
        title: String, description: String, goal: Money, pledged: Money, paid: Money, pledgeCount: Int, minimum: Money,
        maximum: Money, closesAt: Timestamp?, status: FundraiserStatus, confirmationRequired: Bool
    ) {
        self.title = title
        self.description = description
        self.goal = goal
        self.pledged = pledged
        self.paid = paid
        self.pledgeCount = pledgeCount
        self.minimum = minimum
        self.maximum = maximum
        self.closesAt = closesAt
        self.status = status
        self.confirmationRequired = confirmationRequired
    }
}

/// `pending` → `confirmed` (token) → `paid` → `refunded`; `pending`/`confirmed` → `cancelled`.
public enum PledgeStatus: String, WireEnum {
    case pending, confirmed, paid, refunded, cancelled
}

/// A pledge as the public sees it: a name the pledger chose to show, never contact details.
public struct PublicPledge: Codable, Sendable, Hashable {
    public var name: String
    public var amount: Money
    public var message: String?
    public var pledgedAt: Timestamp

    public init(name: String, amount: Money, message: String?, pledgedAt: Timestamp) {
        self.name = name
        self.amount = amount
        self.message = message
        self.pledgedAt = pledgedAt
    }
}

/// A pledge with every field, for organisers.
public struct PledgeRecord: Codable, Sendable, Hashable {
    public var id: String
    public var status: PledgeStatus
    public var name: String
    public var email: String
    public var amount: Money
    public var showName: Bool
    public var message: String?
    public var contactOptIn: Bool
    public var idempotencyKey: String?
    public var source: String?
    public var client: ClientInfo?
    public var messagesSent: Int
    /// How the last message to the person fared; nil until the mailer reported.
    public var delivery: Delivery?
    public var pledgedAt: Timestamp
    public var confirmedAt: Timestamp?
    public var paidAt: Timestamp?
    public var refundedAt: Timestamp?
    public var cancelledAt: Timestamp?

    public init(
        id: String, status: PledgeStatus, name: String, email: String, amount: Money, showName: Bool, message: String?,
        contactOptIn: Bool, idempotencyKey: String?, source: String?, client: ClientInfo?, messagesSent: Int,
        pledgedAt: Timestamp, confirmedAt: Timestamp?, paidAt: Timestamp?, refundedAt: Timestamp?, cancelledAt: Timestamp?,
        delivery: Delivery? = nil
    ) {
        self.delivery = delivery
        self.id = id
        self.status = status
        self.name = name
        self.email = email
        self.amount = amount
        self.showName = showName
        self.message = message
        self.contactOptIn = contactOptIn
        self.idempotencyKey = idempotencyKey
        self.source = source
        self.client = client
        self.messagesSent = messagesSent
        self.pledgedAt = pledgedAt
        self.confirmedAt = confirmedAt
        self.paidAt = paidAt
        self.refundedAt = refundedAt
        self.cancelledAt = cancelledAt
    }
}
