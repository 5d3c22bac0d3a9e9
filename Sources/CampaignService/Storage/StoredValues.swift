import CampaignProtocol
import GRDB

// Columns typed as the values they hold: a status that is not one of its enum's cases, or a timestamp
// that is not an integer, fails to decode (an error reply and a log line) instead of becoming a default
// that hides a corrupt row.

extension SignatureStatus: DatabaseValueConvertible {}
extension PledgeStatus: DatabaseValueConvertible {}
extension RSVPStatus: DatabaseValueConvertible {}
extension EventStatus: DatabaseValueConvertible {}
extension LetterStatus: DatabaseValueConvertible {}
extension FundraiserStatus: DatabaseValueConvertible {}
extension MessageKind: DatabaseValueConvertible {}
extension DeliveryState: DatabaseValueConvertible {}

extension Delivery {
    /// A record's delivery columns: nil until the mailer reported.
    static func stored(_ state: DeliveryState?, _ reason: String?, _ at: Timestamp?) -> Delivery? {
        guard let state, let at else { return nil }
        return Delivery(state: state, reason: reason, at: at)
    }
}

/// Milliseconds since 1970 in an INTEGER column.
extension Timestamp: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { millisecondsSince1970.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Timestamp? {
        guard case .int64(let ms) = dbValue.storage else { return nil }
        return Timestamp(millisecondsSince1970: ms)
    }
}
