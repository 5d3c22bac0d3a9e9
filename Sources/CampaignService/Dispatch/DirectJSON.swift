import CampaignProtocol

/// Results on the hot paths write their own JSON: `JSONEncoder` showed in the signing profile. The
/// bytes are exactly what the shared encoder writes (sorted keys, compact); a test holds them equal.
protocol DirectJSON {
    func writeJSON(into out: inout [UInt8])
}

extension DirectJSON {
    var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        writeJSON(into: &out)
        return out
    }
}

extension Array where Element == UInt8 {
    fileprivate mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }

    fileprivate mutating func append(_ value: Int) { append(contentsOf: String(value).utf8) }
}

extension SignatureCounts: DirectJSON {
    func writeJSON(into out: inout [UInt8]) {
        out.append(#"{"confirmed":"#)
        out.append(confirmed)
        out.append(#","customers":"#)
        out.append(customers)
        out.append(#","goal":"#)
        if let goal { out.append(goal) } else { out.append("null") }
        out.append(#","organizations":"#)
        out.append(organizations)
        if let pending {
            out.append(#","pending":"#)
            out.append(pending)
        }
        out.append(UInt8(ascii: "}"))
    }
}

extension Acceptance: DirectJSON {
    func writeJSON(into out: inout [UInt8]) {
        out.append(#"{"accepted":"#)
        out.append(accepted ? "true" : "false")
        out.append(#","confirmationRequired":"#)
        out.append(confirmationRequired ? "true" : "false")
        out.append(UInt8(ascii: "}"))
    }
}
