import CampaignProtocol

/// Email addresses: a pragmatic syntax check and the canonical form that makes one signature per person.
enum Email {
    /// Checks an address and returns it trimmed, with its domain lower-cased.
    static func validate(_ raw: String, field: String = "email") throws(ResponseError) -> String {
        let text = try TextRules.required(raw, field: field, max: TextRules.email)
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last,
            !local.isEmpty, local.utf8.count <= 64, !domain.isEmpty
        else { throw .invalidParams(field: field, reason: "must be an email address") }
        // Invisible scalars too: `a\u{200B}b@example.org` would be a second person that looks like the first.
        let localOK = local.unicodeScalars.allSatisfy { s in
            !(s.properties.isWhitespace || s == "\"" || s == "(" || s == ")" || s == "," || s == ":" || s == ";" || s == "<" || s == ">"
                || s == "[" || s == "]" || s == "\\"
                || (!s.isASCII && (s.properties.generalCategory == .format || s.properties.isDefaultIgnorableCodePoint)))
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        let domainOK =
            labels.count >= 2
            && labels.allSatisfy { label in
                !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.unicodeScalars.allSatisfy { s in s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "-" }
            }
        guard localOK, domainOK, !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else {
            throw .invalidParams(field: field, reason: "must be an email address")
        }
        return "\(local)@\(domain.lowercased())"
    }

    /// The canonical form (SPEC §6): lower-cased, `+tag` dropped; for gmail.com and googlemail.com dots
    /// dropped and the domain unified.
    static func canonical(_ address: String) -> String {
        let lowered = address.lowercased()
        guard let at = lowered.lastIndex(of: "@") else { return lowered }
        var local = String(lowered[..<at])
        var domain = String(lowered[lowered.index(after: at)...])
        if let plus = local.firstIndex(of: "+") { local = String(local[..<plus]) }
        if domain == "googlemail.com" { domain = "gmail.com" }
        if domain == "gmail.com" { local.removeAll { $0 == "." } }
        return "\(local)@\(domain)"
    }
}
