import CampaignProtocol

/// One field of a form, named exactly as the API's param (`amount.amountMinor` for a nested one).
struct FieldSpec {
    enum Kind {
        case input(type: String)
        case textarea
        case checkbox
        case hidden
        case radios([(value: String, label: String)])
    }

    var name: String
    var label: String
    var kind: Kind
    var required = false
    var autocomplete: String?
    var hint: String?
    var maxLength: Int?
    var min: Int?
    var max: Int?

    var isHidden: Bool {
        if case .hidden = kind { return true }
        return false
    }
}

/// What a visitor typed into one form, and what was wrong with it.
public struct FormState: Sendable {
    public var values: [String: String] = [:]
    /// By field name: the reason to show next to it.
    public var errors: [String: String] = [:]
    /// Errors that name no field of the form.
    public var formErrors: [String] = []

    public init(values: [String: String] = [:]) { self.values = values }

    /// The state after campaignd refused `values` with `-32602`: the error sits next to the field the
    /// API named in `data.field`, or above the form if it is not one of the form's.
    static func refused(_ values: [String: String], _ error: ResponseError, fields: [FieldSpec]) -> FormState {
        var state = FormState(values: values)
        let reason = error.data?.reason ?? "is not valid"
        // A hidden field (the currency, the form key) has nowhere to show it: above the form then.
        if let field = error.data?.field, let spec = fields.first(where: { $0.name == field }), !spec.isHidden {
            state.errors[spec.name] = sentence(reason)
        } else {
            state.formErrors.append(sentence(reason))
        }
        return state
    }

    static func sentence(_ reason: String) -> String {
        guard let first = reason.first else { return reason }
        return first.uppercased() + reason.dropFirst() + (reason.hasSuffix(".") ? "" : ".")
    }
}

enum FormContext {
    /// The template values of a form whose ids start with `prefix` (`sign-email`).
    static func make(prefix: String, fields: [FieldSpec], state: FormState, formKey: String? = nil) -> [String: Any] {
        var rendered: [[String: Any]] = []
        var errorList: [[String: Any]] = state.formErrors.map { ["message": $0] }
        for spec in fields {
            let id = prefix + "-" + spec.name.replacingOccurrences(of: ".", with: "-")
            var field: [String: Any] = ["name": spec.name, "label": spec.label, "id": id]
            var value = state.values[spec.name] ?? ""
            if spec.name == "idempotencyKey", let formKey, value.isEmpty { value = formKey }
            field["value"] = value
            if spec.required { field["required"] = true }
            if let autocomplete = spec.autocomplete { field["autocomplete"] = autocomplete }
            if let maxLength = spec.maxLength { field["maxLength"] = maxLength }
            if let min = spec.min { field["min"] = String(min) }
            if let max = spec.max { field["max"] = String(max) }
            var describedBy: [String] = []
            if let hint = spec.hint {
                field["hint"] = hint
                describedBy.append(id + "-hint")
            }
            if let error = state.errors[spec.name] {
                field["error"] = error
                describedBy.append(id + "-error")
                errorList.append(["message": spec.label + ": " + error, "target": id])
            }
            if !describedBy.isEmpty { field["describedBy"] = describedBy.joined(separator: " ") }
            switch spec.kind {
            case .input(let type):
                field["isInput"] = true
                field["type"] = type
            case .textarea:
                field["isInput"] = true
                field["isTextarea"] = true
            case .checkbox:
                field["isCheckbox"] = true
                if isTrue(value) { field["checked"] = true }
            case .hidden:
                field["isHidden"] = true
            case .radios(let options):
                field["isRadios"] = true
                field["options"] = options.enumerated().map { i, option -> [String: Any] in
                    var o: [String: Any] = ["id": "\(id)-\(i)", "value": option.value, "label": option.label]
                    if option.value == value { o["checked"] = true }
                    return o
                }
                // An error links to the first choice, which can take focus.
                if let last = errorList.last, last["target"] as? String == id { errorList[errorList.count - 1]["target"] = id + "-0" }
            }
            rendered.append(field)
        }
        var context: [String: Any] = ["fields": rendered]
        if !errorList.isEmpty {
            context["hasErrors"] = true
            context["errorList"] = errorList
        }
        return context
    }

    static func isTrue(_ value: String?) -> Bool {
        guard let value else { return false }
        return ["true", "on", "1", "yes"].contains(value.lowercased())
    }
}

/// The forms' fields, in the order of the API's params.
enum Fields {
    static let sign: [FieldSpec] = [
        FieldSpec(name: "name", label: "Full name", kind: .input(type: "text"), required: true, autocomplete: "name", maxLength: 100),
        FieldSpec(
            name: "email", label: "Email", kind: .input(type: "email"), required: true, autocomplete: "email",
            hint: "We send you a link to confirm. Your email is never shown.", maxLength: 254),
        FieldSpec(
            name: "organization", label: "Organisation", kind: .input(type: "text"), autocomplete: "organization",
            hint: "Where you work or which group you belong to, if you want it listed.", maxLength: 120),
        FieldSpec(name: "jobTitle", label: "Job title", kind: .input(type: "text"), autocomplete: "organization-title", maxLength: 100),
        FieldSpec(name: "isCustomer", label: "I am a customer", kind: .checkbox),
        FieldSpec(
            name: "country", label: "Country", kind: .input(type: "text"), autocomplete: "country",
            hint: "Two-letter code, such as US, GB or DE.", maxLength: 2),
        FieldSpec(name: "postalCode", label: "Postal code", kind: .input(type: "text"), autocomplete: "postal-code", maxLength: 20),
        FieldSpec(name: "comment", label: "Comment", kind: .textarea, hint: "Why you sign, in a few words (optional).", maxLength: 500),
        FieldSpec(
            name: "showName", label: "Show my name on the public list of signers", kind: .checkbox,
            hint: "Otherwise you are counted, but your name is not shown."),
        FieldSpec(name: "contactOptIn", label: "Email me news of this campaign", kind: .checkbox),
        FieldSpec(name: "source", label: "Source", kind: .hidden),
    ]

    /// The pledge form: the amounts offered are those between the fundraiser's minimum and maximum.
    static func pledge(_ fundraiser: Fundraiser) -> [FieldSpec] {
        let unit = Format.minorUnits(of: fundraiser.goal.currency)
        let suggested = [5, 10, 25, 50, 100, 250, 500, 1000].map { $0 * unit }
        var amounts = suggested.filter { $0 >= fundraiser.minimum.amountMinor && $0 <= fundraiser.maximum.amountMinor }
        if amounts.isEmpty { amounts = [fundraiser.minimum.amountMinor] }
        let options = amounts.map {
            (value: String($0), label: Format.shortMoney(Money(amountMinor: $0, currency: fundraiser.goal.currency)))
        }
        return [
            FieldSpec(name: "name", label: "Full name", kind: .input(type: "text"), required: true, autocomplete: "name", maxLength: 100),
            FieldSpec(
                name: "email", label: "Email", kind: .input(type: "email"), required: true, autocomplete: "email",
                hint: "We send you a link to confirm your pledge. Your email is never shown.", maxLength: 254),
            FieldSpec(
                name: "amount.amountMinor", label: "Amount", kind: .radios(options), required: true,
                hint: "You pay only when the goal is reached."),
            FieldSpec(name: "amount.currency", label: "Currency", kind: .hidden),
            FieldSpec(name: "showName", label: "Show my name with my pledge", kind: .checkbox),
            FieldSpec(name: "message", label: "Message", kind: .textarea, hint: "Shown with your name, if you show it.", maxLength: 500),
            FieldSpec(name: "contactOptIn", label: "Email me news of this campaign", kind: .checkbox),
            FieldSpec(name: "idempotencyKey", label: "Form key", kind: .hidden),
            FieldSpec(name: "source", label: "Source", kind: .hidden),
        ]
    }

    static func rsvp(_ event: Event) -> [FieldSpec] {
        var fields = [
            FieldSpec(name: "name", label: "Full name", kind: .input(type: "text"), required: true, autocomplete: "name", maxLength: 100),
            FieldSpec(
                name: "email", label: "Email", kind: .input(type: "email"), required: true, autocomplete: "email",
                hint: "We send you a link to confirm. Your email is never shown.", maxLength: 254),
        ]
        if event.maxGuests > 0 {
            fields.append(
                FieldSpec(
                    name: "guests", label: "Guests", kind: .input(type: "number"),
                    hint: "People coming with you, at most \(event.maxGuests).", min: 0, max: event.maxGuests))
        }
        fields += [
            FieldSpec(
                name: "phone", label: "Phone", kind: .input(type: "tel"), autocomplete: "tel",
                hint: "Optional: for the organisers to reach you on the day.", maxLength: 32),
            FieldSpec(name: "contactOptIn", label: "Email me news of this campaign", kind: .checkbox),
            FieldSpec(name: "source", label: "Source", kind: .hidden),
        ]
        return fields
    }
}
