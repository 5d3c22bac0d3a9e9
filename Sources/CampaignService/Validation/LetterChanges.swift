import CampaignProtocol

/// Validated letter changes.
struct LetterChanges: Sendable {
    var title: String?
    var body: String?
    var recipients: [Recipient]?
    var signatureGoal: Int?

    init(title: String?, body: String?, recipients: [Recipient]?, signatureGoal: Int?, fieldPrefix: String = "") throws(ResponseError) {
        self.title = try TextRules.change(title, field: fieldPrefix + "title", max: TextRules.title)
        self.body = try TextRules.change(body, field: fieldPrefix + "body", max: TextRules.body, multiline: true)
        if let recipients {
            guard (1...50).contains(recipients.count) else {
                throw .invalidParams(field: fieldPrefix + "recipients", reason: "must have between 1 and 50 recipients")
            }
            var cleaned: [Recipient] = []
            for (i, r) in recipients.enumerated() {
                let p = "\(fieldPrefix)recipients[\(i)]."
                cleaned.append(
                    Recipient(
                        name: try TextRules.required(r.name, field: p + "name", max: TextRules.name),
                        role: try TextRules.optional(r.role, field: p + "role", max: TextRules.recipientField),
                        organization: try TextRules.optional(r.organization, field: p + "organization", max: TextRules.organization),
                        handle: try TextRules.optional(r.handle, field: p + "handle", max: TextRules.handle)))
            }
            self.recipients = cleaned
        }
        self.signatureGoal = try TextRules.positive(signatureGoal, field: fieldPrefix + "signatureGoal")
    }
}
