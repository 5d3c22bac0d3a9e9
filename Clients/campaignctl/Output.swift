import CampaignProtocol
import Foundation

/// An encodable value as the contract's JSON tree, so that every output goes through one writer.
func jsonValue(_ value: some Encodable) throws -> JSONValue {
    try JSONParser.parse(Array(JSONEncoder().encode(value)), maxDepth: 512)
}

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
