import CampaignProtocol
import Foundation

/// Indented JSON with sorted keys. Numbers keep their exact text, which a round trip through
/// JSONSerialization would not promise.
func prettyJSON(_ value: JSONValue) -> String {
    var out = ""
    writePretty(value, indent: "", into: &out)
    return out
}

private func writePretty(_ value: JSONValue, indent: String, into out: inout String) {
    let inner = indent + "  "
    switch value {
    case .array(let elements) where !elements.isEmpty:
        out += "[\n"
        for (i, element) in elements.enumerated() {
            out += inner
            writePretty(element, indent: inner, into: &out)
            out += i < elements.count - 1 ? ",\n" : "\n"
        }
        out += indent + "]"
    case .object(let members) where !members.isEmpty:
        out += "{\n"
        for (i, (key, member)) in members.sorted(by: { $0.key < $1.key }).enumerated() {
            out += inner
            JSONWriter.writeString(key, into: &out)
            out += ": "
            writePretty(member, indent: inner, into: &out)
            out += i < members.count - 1 ? ",\n" : "\n"
        }
        out += indent + "}"
    default:
        JSONWriter.write(value, into: &out)
    }
}

enum CSV {
    static let signatureHeader = [
        "id", "status", "name", "email", "organization", "jobTitle", "isCustomer", "country", "postalCode", "comment",
        "showName", "contactOptIn", "source", "ip", "userAgent", "hidden", "featured", "messagesSent", "signedAt",
        "confirmedAt", "withdrawnAt",
    ]

    static func fields(of record: SignatureRecord) -> [String] {
        [
            record.id, record.status.rawValue, record.name ?? "", record.email ?? "", record.organization ?? "",
            record.jobTitle ?? "", String(record.isCustomer), record.country ?? "", record.postalCode ?? "",
            record.comment ?? "", String(record.showName), String(record.contactOptIn), record.source ?? "",
            record.client?.ip ?? "", record.client?.userAgent ?? "", String(record.hidden), String(record.featured),
            String(record.messagesSent), record.signedAt.description, record.confirmedAt?.description ?? "",
            record.withdrawnAt?.description ?? "",
        ]
    }

    static let pledgeHeader = [
        "id", "status", "name", "email", "amount", "currency", "amountMinor", "showName", "message", "contactOptIn",
        "idempotencyKey", "source", "ip", "userAgent", "messagesSent", "pledgedAt", "confirmedAt", "paidAt", "refundedAt",
        "cancelledAt",
    ]

    static func fields(of record: PledgeRecord) -> [String] {
        [
            record.id, record.status.rawValue, record.name, record.email, MoneyText.decimal(record.amount, grouped: false),
            record.amount.currency, String(record.amount.amountMinor), String(record.showName), record.message ?? "",
            String(record.contactOptIn), record.idempotencyKey ?? "", record.source ?? "", record.client?.ip ?? "",
            record.client?.userAgent ?? "", String(record.messagesSent), record.pledgedAt.description,
            record.confirmedAt?.description ?? "", record.paidAt?.description ?? "", record.refundedAt?.description ?? "",
            record.cancelledAt?.description ?? "",
        ]
    }

    static let rsvpHeader = [
        "id", "eventId", "status", "name", "email", "guests", "phone", "contactOptIn", "source", "ip", "userAgent",
        "messagesSent", "createdAt", "promotedAt", "checkedInAt", "cancelledAt",
    ]

    static func fields(of record: RSVPRecord) -> [String] {
        [
            record.id, record.eventId, record.status.rawValue, record.name ?? "", record.email ?? "", String(record.guests),
            record.phone ?? "", String(record.contactOptIn), record.source ?? "", record.client?.ip ?? "",
            record.client?.userAgent ?? "", String(record.messagesSent), record.createdAt.description,
            record.promotedAt?.description ?? "", record.checkedInAt?.description ?? "", record.cancelledAt?.description ?? "",
        ]
    }

    /// One RFC 4180 record, CRLF-terminated.
    static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    static func field(_ raw: String) -> String {
        var text = raw
        // CSV formula injection: signers choose their name, organization and comment, and a spreadsheet
        // runs a cell that starts with = + - @ (or tab / CR) as a formula. A leading ' makes it text.
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
            text = "'" + text
        }
        if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }
}

/// Prints an organisers' export, following `next` until it is null: one JSON object a line, or CSV with a
/// header row. `fetch` gets the cursor (nil first) and returns that page.
func printExport<Item>(
    csv: Bool, header: [String], fields: (Item) -> [String], fetch: (String?) async throws -> Page<Item>
) async throws {
    if csv { print(CSV.row(header), terminator: "") }
    var after: String?
    repeat {
        let page = try await fetch(after)
        for record in page.items {
            if csv {
                print(CSV.row(fields(record)), terminator: "")
            } else {
                print(JSONWriter.string(try JSONValueEncoder().encode(record)))
            }
        }
        after = page.next
    } while after != nil
}

/// Columns padded to their widest cell, two spaces apart; the last column is left ragged.
func table(_ rows: [[String]]) -> String {
    let columns = rows.map(\.count).max() ?? 0
    var widths = [Int](repeating: 0, count: columns)
    for row in rows {
        for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
    }
    return rows.map { row in
        row.enumerated().map { i, cell in
            i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}

/// `label: value` lines with the values lined up.
func fieldList(_ pairs: [(String, String)]) -> String {
    table(pairs.map { [$0.0 + ":", $0.1] })
}

/// An instant as the wall clock shows it in an IANA time zone (`2027-03-14 09:00 PDT`). An unknown
/// zone, which a newer tzdata on the server could name, falls back to UTC rather than failing.
func localTime(_ timestamp: Timestamp, timeZone identifier: String) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: identifier) ?? TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd HH:mm zzz"
    return formatter.string(from: timestamp.date)
}

extension Timestamp {
    var date: Date { Date(timeIntervalSince1970: Double(millisecondsSince1970) / 1000) }
}

extension Acceptance {
    /// What `sign`, `pledge` and `rsvp` print: the reply says nothing more (it is the same for a repeat).
    var summary: String {
        (accepted ? "accepted" : "not accepted")
            + (confirmationRequired ? "; it counts once the link in the email is followed" : "; no confirmation needed")
    }
}
