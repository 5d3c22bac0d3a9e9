import CampaignProtocol
import Foundation

/// The text rules of SPEC §3: trimmed, NFC-normalised, no control or bidirectional control characters,
/// something visible, and a length in Unicode scalars that no combining mark can hide.
/// Each check names the field it refuses, so the reply's `data.field` points at it.
enum TextRules {
    static let name = 100
    static let organization = 120
    static let jobTitle = 100
    static let comment = 500
    static let email = 254
    static let message = 500
    static let postalCode = 20
    static let source = 64
    static let userAgent = 512
    static let title = 200
    static let body = 100_000
    static let description = 5000
    static let phone = 32
    static let locationField = 200
    static let recipientField = 120
    static let handle = 50

    /// A required text: trimmed and normalised, not empty, at most `max` Unicode scalars.
    static func required(_ value: String, field: String, max: Int, multiline: Bool = false) throws(ResponseError) -> String {
        let text = try clean(value, field: field, max: max, multiline: multiline)
        guard !text.isEmpty else { throw .invalidParams(field: field, reason: "must not be empty") }
        return text
    }

    /// A change to a required text: absent is no change; given, it must not be empty.
    static func change(_ value: String?, field: String, max: Int, multiline: Bool = false) throws(ResponseError) -> String? {
        guard let value else { return nil }
        return try required(value, field: field, max: max, multiline: multiline)
    }

    /// An optional text: absent or empty after trimming becomes nil.
    static func optional(_ value: String?, field: String, max: Int, multiline: Bool = false) throws(ResponseError) -> String? {
        guard let value else { return nil }
        let text = try clean(value, field: field, max: max, multiline: multiline)
        return text.isEmpty ? nil : text
    }

    static func clean(_ value: String, field: String, max: Int, multiline: Bool) throws(ResponseError) -> String {
        // Printable ASCII is already NFC, has no control or invisible characters and is one scalar a byte:
        // trim it without Foundation.
        let utf8 = value.utf8
        if utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            guard let first = utf8.firstIndex(where: { $0 != 0x20 }), let last = utf8.lastIndex(where: { $0 != 0x20 }) else { return "" }
            let text = String(value[first...last])
            guard text.utf8.count <= max else { throw tooLong(field, max) }
            return text
        }
        let text = value.precomposedStringWithCanonicalMapping.trimmingCharacters(in: .whitespacesAndNewlines)
        // Scalars, not characters: one letter with 100,000 combining marks is one character.
        var count = 0
        var visible = false
        for scalar in text.unicodeScalars {
            count += 1
            guard count <= max else { throw tooLong(field, max) }
            switch scalar.properties.generalCategory {
            case .control:
                guard multiline && (scalar == "\n" || scalar == "\r" || scalar == "\t") else {
                    throw .invalidParams(field: field, reason: "must not contain control characters")
                }
            case .lineSeparator, .paragraphSeparator:
                throw .invalidParams(field: field, reason: "must not contain control characters")
            case .format:
                if scalar == "\u{FEFF}" { throw .invalidParams(field: field, reason: "must not contain control characters") }
                if isBidiControl(scalar) {
                    throw .invalidParams(
                        field: field, reason: "must not contain bidirectional control characters (U+202A-202E, U+2066-2069)")
                }
            case .nonspacingMark, .enclosingMark:
                // With nothing before it, a mark lands on whatever a page shows before the text.
                if count == 1 { throw .invalidParams(field: field, reason: "must not start with a combining mark") }
            default: break
            }
            if !visible { visible = isVisible(scalar) }
        }
        guard visible || text.isEmpty else { throw .invalidParams(field: field, reason: "must contain a visible character") }
        return text
    }

    static func tooLong(_ field: String, _ max: Int) -> ResponseError {
        .invalidParams(field: field, reason: "must be at most \(max) characters (Unicode scalars)")
    }

    /// Embeddings, overrides and isolates (U+202A-202E, U+2066-2069): each opens a scope that, left
    /// unclosed, reorders whatever a page shows after the text. The marks U+200E, U+200F and U+061C open
    /// none, and right-to-left text mixed with digits or Latin needs them: they are allowed (as invisible).
    static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    /// Something a reader sees: not a space, format character (zero-width spaces and joiners, U+2060,
    /// tags), combining mark, unassigned scalar, default-ignorable code point (the Hangul fillers U+115F,
    /// U+1160, U+3164 and U+FFA0, variation selectors) or the blank braille pattern U+2800.
    static func isVisible(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        switch properties.generalCategory {
        case .control, .format, .nonspacingMark, .enclosingMark, .spaceSeparator, .lineSeparator, .paragraphSeparator, .unassigned:
            return false
        default:
            return !properties.isDefaultIgnorableCodePoint && scalar != "\u{2800}"
        }
    }

    /// A person's name (signatures, pledges, RSVPs): required, and with a letter or digit to read.
    static func personName(_ value: String, field: String) throws(ResponseError) -> String {
        let text = try required(value, field: field, max: name)
        let readable =
            text.utf8.contains { (($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }
            || text.unicodeScalars.contains { scalar in
                switch scalar.properties.generalCategory {
                case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber:
                    !scalar.properties.isDefaultIgnorableCodePoint
                default: false
                }
            }
        guard readable else { throw .invalidParams(field: field, reason: "must contain a letter or digit") }
        return text
    }

    /// ISO 3166-1 alpha-2: one of the 249 officially assigned codes (`GB`, `US`), and `XK`, which ISO
    /// leaves user-assigned but the EU, CLDR and most services use for Kosovo (its signers have no other).
    static func country(_ value: String?, field: String) throws(ResponseError) -> String? {
        guard let value else { return nil }
        let bytes = Array(value.utf8)
        guard bytes.count == 2, bytes.allSatisfy({ $0 >= 65 && $0 <= 90 }), assignedCountries[Int(bytes[0] - 65) * 26 + Int(bytes[1] - 65)]
        else {
            throw .invalidParams(field: field, reason: "must be an assigned ISO 3166-1 alpha-2 code such as \"GB\"")
        }
        return value
    }

    /// The codes of `country`, indexed by letter pair (AA = 0, AB = 1, ...).
    static let assignedCountries: [Bool] = {
        let codes = """
            AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
            BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
            EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
            HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
            LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
            NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
            SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
            TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
            XK
            """
        var table = [Bool](repeating: false, count: 26 * 26)
        for code in codes.split(whereSeparator: \.isWhitespace) {
            let bytes = Array(code.utf8)
            table[Int(bytes[0] - 65) * 26 + Int(bytes[1] - 65)] = true
        }
        return table
    }()

    static func limit(_ value: Int?, field: String = "limit", default defaultValue: Int, max: Int) throws(ResponseError) -> Int {
        guard let value else { return defaultValue }
        guard (1...max).contains(value) else { throw .invalidParams(field: field, reason: "must be between 1 and \(max)") }
        return value
    }

    static func positive(_ value: Int?, field: String) throws(ResponseError) -> Int? {
        guard let value else { return nil }
        guard value > 0 else { throw .invalidParams(field: field, reason: "must be a positive integer") }
        return value
    }
}
