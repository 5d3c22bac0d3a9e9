import CampaignProtocol
import Hummingbird

/// What every form post does with campaignd's answer: on success a 303 to a "check your email" page
/// that is the same whoever signs; on `-32602` the page again, with the error next to the field and
/// every other field kept; otherwise a page that says what happened (too many attempts, busy).
enum FormSubmission {
    static func respond(
        _ site: SiteState, nonce: String, kind: ThanksPage.Kind, values: [String: String], fields: [FieldSpec],
        forms: (FormState) -> LetterForms, call: () async throws -> Acceptance
    ) async -> Response {
        do {
            let acceptance = try await call()
            let location = "/thanks?kind=\(kind.rawValue)" + (acceptance.confirmationRequired ? "" : "&confirm=0")
            return Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
        } catch let error as ResponseError where error.code == .invalidParams {
            return await site.letterWithErrors(
                forms(FormState.refused(values, error, fields: fields)), nonce: nonce, status: .unprocessableContent)
        } catch {
            return site.failure(error, nonce: nonce)
        }
    }

    /// The page again with an error found before asking campaignd (a number that is not one).
    static func invalid(
        _ site: SiteState, nonce: String, values: [String: String], field: String, reason: String, forms: (FormState) -> LetterForms
    ) async -> Response {
        var state = FormState(values: values)
        state.errors[field] = reason
        return await site.letterWithErrors(forms(state), nonce: nonce, status: .unprocessableContent)
    }

    static func notAForm(_ site: SiteState, nonce: String) -> Response {
        site.message(
            "Not a form", ["This address takes the site's forms only."], status: .unsupportedMediaType, nonce: nonce)
    }
}

/// `POST /sign`: `letter.sign` with the form's fields.
enum SignForm {
    static func register(on router: Router<SiteRequestContext>, _ site: SiteState) {
        router.post("/sign") { request, context in
            guard let values = try await FormBody.read(request) else { return FormSubmission.notAForm(site, nonce: context.nonce) }
            let client = site.client(of: request, context: context)
            return await FormSubmission.respond(
                site, nonce: context.nonce, kind: .signature, values: values, fields: Fields.sign,
                forms: { LetterForms(sign: $0) }
            ) {
                try await site.backend.call(
                    SignLetter(
                        name: values["name"] ?? "", email: values["email"] ?? "",
                        organization: FormBody.text(values, "organization"), jobTitle: FormBody.text(values, "jobTitle"),
                        isCustomer: FormBody.flag(values, "isCustomer"), country: FormBody.text(values, "country"),
                        postalCode: FormBody.text(values, "postalCode"), comment: FormBody.text(values, "comment"),
                        showName: FormBody.flag(values, "showName"), contactOptIn: FormBody.flag(values, "contactOptIn"),
                        source: FormBody.text(values, "source"), client: client))
            }
        }
    }
}

/// `POST /pledge`: `pledges.create`; the amount comes as `amount.amountMinor` and `amount.currency`.
enum PledgeForm {
    static func register(on router: Router<SiteRequestContext>, _ site: SiteState) {
        router.post("/pledge") { request, context in
            guard let values = try await FormBody.read(request) else { return FormSubmission.notAForm(site, nonce: context.nonce) }
            let forms: (FormState) -> LetterForms = { LetterForms(pledge: $0) }
            guard let minor = values["amount.amountMinor"].flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
                return await FormSubmission.invalid(
                    site, nonce: context.nonce, values: values, field: "amount.amountMinor", reason: "Choose an amount.", forms: forms)
            }
            let currency = FormBody.text(values, "amount.currency") ?? ""
            let fields: [FieldSpec]
            if let fundraiser = try? await site.cachedLetter().data.campaign.fundraiser {
                fields = Fields.pledge(fundraiser)
            } else {
                fields = []
            }
            let client = site.client(of: request, context: context)
            return await FormSubmission.respond(
                site, nonce: context.nonce, kind: .pledge, values: values, fields: fields, forms: forms
            ) {
                try await site.backend.call(
                    CreatePledge(
                        name: values["name"] ?? "", email: values["email"] ?? "",
                        amount: Money(amountMinor: minor, currency: currency), showName: FormBody.flag(values, "showName"),
                        message: FormBody.text(values, "message"), contactOptIn: FormBody.flag(values, "contactOptIn"),
                        idempotencyKey: FormBody.text(values, "idempotencyKey"), source: FormBody.text(values, "source"),
                        client: client))
            }
        }
    }
}

/// `POST /events/{id}/rsvp`: `rsvps.create` for that event.
enum RSVPForm {
    static func register(on router: Router<SiteRequestContext>, _ site: SiteState) {
        router.post("/events/{eventId}/rsvp") { request, context in
            guard let values = try await FormBody.read(request) else { return FormSubmission.notAForm(site, nonce: context.nonce) }
            let eventId = context.parameters.get("eventId") ?? ""
            let forms: (FormState) -> LetterForms = { LetterForms(rsvps: [eventId: $0]) }
            var guests: Int?
            if let text = FormBody.text(values, "guests") {
                guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else {
                    return await FormSubmission.invalid(
                        site, nonce: context.nonce, values: values, field: "guests", reason: "Enter a whole number.", forms: forms)
                }
                guests = number
            }
            let event = try? await site.cachedLetter().data.campaign.events.first { $0.id == eventId }
            let client = site.client(of: request, context: context)
            return await FormSubmission.respond(
                site, nonce: context.nonce, kind: .rsvp, values: values, fields: event.map(Fields.rsvp) ?? [], forms: forms
            ) {
                try await site.backend.call(
                    CreateRSVP(
                        eventId: eventId, name: values["name"] ?? "", email: values["email"] ?? "", guests: guests,
                        phone: FormBody.text(values, "phone"), contactOptIn: FormBody.flag(values, "contactOptIn"),
                        source: FormBody.text(values, "source"), client: client))
            }
        }
    }
}
