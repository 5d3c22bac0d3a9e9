import CampaignProtocol
import Foundation
import Hummingbird
import SecureRandom

/// What `/` shows, read from campaignd in one go.
struct LetterPageData: Sendable {
    var campaign: GetCampaign.Result
    var featured: [PublicSignature]
    var recent: [PublicSignature]
    var pledges: [PublicPledge]

    static func load(_ backend: CampaignBackend) async throws -> LetterPageData {
        async let campaign = backend.call(GetCampaign())
        async let featured = backend.call(ListSignatures(limit: 30, filter: .featured))
        async let recent = backend.call(ListSignatures(limit: 10))
        async let pledges = try? backend.call(RecentPledges(limit: 5))
        let result = try await campaign
        return LetterPageData(
            campaign: result, featured: try await featured.items, recent: try await recent.items,
            pledges: result.fundraiser == nil ? [] : await pledges?.items ?? [])
    }
}

/// What visitors typed into the forms of `/`, when a post is shown again with its errors.
struct LetterForms {
    var sign = FormState()
    var pledge = FormState()
    var rsvps: [String: FormState] = [:]
}

/// `GET /`: the letter, its figures, and every form. Served from the `PageCache`.
enum LetterPage {
    static func register(on router: Router<SiteRequestContext>, _ site: SiteState) {
        router.get("/") { request, context in
            do {
                let cached = try await site.cachedLetter()
                return SiteState.html(cached.body(nonce: context.nonce, formKey: FormKey.make()))
            } catch {
                return site.failure(error, nonce: context.nonce)
            }
        }
    }

    static func context(_ data: LetterPageData, forms: LetterForms, formKey: String, source: String?) -> [String: Any] {
        var context: [String: Any] = [:]
        let campaign = data.campaign
        if let letter = campaign.letter {
            var values: [String: Any] = [
                "title": letter.title,
                "letterHTML": Markdown.html(letter.body),
                "recipients": letter.recipients.map(recipient),
                "hasRecipients": !letter.recipients.isEmpty,
            ]
            if letter.status == .open {
                values["open"] = true
                var sign = forms.sign
                if sign.values["source"] == nil, let source { sign.values["source"] = source }
                values["signForm"] = FormContext.make(prefix: "sign", fields: Fields.sign, state: sign)
            }
            context["letter"] = values
        }
        let counts = campaign.signatures
        var signatures: [String: Any] = [
            "confirmedText": Format.count(counts.confirmed),
            "organizationsText": Format.count(counts.organizations),
            "customersText": Format.count(counts.customers),
        ]
        if let goal = counts.goal, goal > 0 {
            signatures["goal"] = goal
            signatures["goalText"] = Format.count(goal)
            signatures["progressValue"] = min(counts.confirmed, goal)
            signatures["percent"] = min(100, counts.confirmed * 100 / goal)
        }
        context["signatures"] = signatures
        var organizations: [String] = []
        for signer in data.featured {
            if let organization = signer.organization, !organizations.contains(organization) { organizations.append(organization) }
        }
        context["featured"] = organizations
        context["hasFeatured"] = !organizations.isEmpty
        context["recent"] = data.recent.map(signer)
        context["hasRecent"] = !data.recent.isEmpty
        if let fundraiser = campaign.fundraiser {
            var values: [String: Any] = [
                "title": fundraiser.title,
                "description": fundraiser.description,
                "pledgedText": Format.money(fundraiser.pledged),
                "goalText": Format.money(fundraiser.goal),
                "countText": Format.count(fundraiser.pledgeCount),
                "goalMinor": fundraiser.goal.amountMinor,
                "meterValue": min(fundraiser.pledged.amountMinor, fundraiser.goal.amountMinor),
                "percent": fundraiser.goal.amountMinor > 0
                    ? min(100, fundraiser.pledged.amountMinor * 100 / fundraiser.goal.amountMinor) : 0,
                "recentPledges": data.pledges.map { pledge -> [String: Any] in
                    var p: [String: Any] = ["name": pledge.name, "amountText": Format.money(pledge.amount)]
                    if let message = pledge.message { p["message"] = message }
                    return p
                },
                "hasRecentPledges": !data.pledges.isEmpty,
            ]
            if fundraiser.status == .open {
                values["open"] = true
                var pledge = forms.pledge
                if pledge.values["amount.currency"] == nil { pledge.values["amount.currency"] = fundraiser.goal.currency }
                if pledge.values["source"] == nil, let source { pledge.values["source"] = source }
                values["pledgeForm"] = FormContext.make(
                    prefix: "pledge", fields: Fields.pledge(fundraiser), state: pledge, formKey: formKey)
            }
            context["fundraiser"] = values
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        context["events"] = campaign.events.map { event -> [String: Any] in
            var values: [String: Any] = [
                "id": event.id, "title": event.title, "description": event.description, "whenText": Format.when(event),
                "whereText": Format.place(event.location), "going": Format.count(event.going),
                "waitlisted": Format.count(event.waitlisted),
            ]
            if let capacity = event.capacity {
                values["capacityText"] = Format.count(capacity)
                if event.going >= capacity { values["full"] = true }
            }
            let over = (event.endsAt ?? event.startsAt).millisecondsSince1970 < now
            if event.status == .cancelled {
                values["cancelled"] = true
            } else if !over {
                values["open"] = true
                var rsvp = forms.rsvps[event.id] ?? FormState()
                if rsvp.values["source"] == nil, let source { rsvp.values["source"] = source }
                values["rsvpForm"] = FormContext.make(prefix: "rsvp-\(event.id)", fields: Fields.rsvp(event), state: rsvp)
            }
            return values
        }
        context["hasEvents"] = !campaign.events.isEmpty
        context["tweets"] = campaign.tweets.map { tweet -> [String: Any] in
            ["id": tweet.id, "text": tweet.text, "target": ["name": tweet.target.name, "handle": tweet.target.handle]]
        }
        context["hasTweets"] = !campaign.tweets.isEmpty
        return context
    }

    static func recipient(_ r: Recipient) -> [String: Any] {
        var values: [String: Any] = ["name": r.name]
        if let role = r.role { values["role"] = role }
        if let organization = r.organization { values["organization"] = organization }
        return values
    }

    static func signer(_ s: PublicSignature) -> [String: Any] {
        var values: [String: Any] = ["name": s.name]
        if let jobTitle = s.jobTitle { values["jobTitle"] = jobTitle }
        if let organization = s.organization { values["organization"] = organization }
        if let country = s.country { values["country"] = country }
        if let comment = s.comment { values["comment"] = comment }
        return values
    }
}

extension SiteState {
    /// `/` from the cache, rendered if stale.
    func cachedLetter() async throws -> CachedLetterPage {
        try await pageCache.page {
            let data = try await LetterPageData.load(backend)
            return CachedLetterPage(data: data) { nonce, formKey in
                render("letter", LetterPage.context(data, forms: LetterForms(), formKey: formKey, source: nil), nonce: nonce)
            }
        }
    }

    /// `/` again with what the visitor typed and what was wrong, not cached.
    func letterWithErrors(_ forms: LetterForms, nonce: String, status: HTTPResponse.Status) async -> Response {
        do {
            let data = try await cachedLetter().data
            let html = render("letter", LetterPage.context(data, forms: forms, formKey: FormKey.make(), source: nil), nonce: nonce)
            return SiteState.html(html, status: status, private: true)
        } catch {
            return failure(error, nonce: nonce)
        }
    }
}

/// A pledge form's `idempotencyKey`: fresh for each page served, kept when the form is shown again,
/// so that a form sent twice (or repeated after campaignd restarts) makes one pledge.
enum FormKey {
    static let digits = Array("0123456789abcdefghijklmnopqrstuv".utf8)

    /// 100 random bits as 20 base-32 digits (one draw, no `String(radix:)`: every page view makes one).
    static func make() -> String {
        String(decoding: SecureRandom.bytes(20).map { digits[Int($0 & 31)] }, as: UTF8.self)
    }
}
