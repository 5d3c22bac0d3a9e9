import CampaignProtocol
import Hummingbird

/// `GET /confirm?token=…`: confirms (idempotent, so a mail scanner following the link does no harm)
/// and shows what was confirmed.
enum ConfirmPage {
    static func register(on router: Router<SiteRequestContext>, _ site: SiteState) {
        router.get("/confirm") { request, context in
            guard let token = request.uri.queryParameters.get("token"), !token.isEmpty else {
                return TokenPage.unknown(site, nonce: context.nonce)
            }
            do {
                let record = try await site.backend.call(ConfirmToken(token: token))
                return await TokenPage.show(site, record, token: token, confirmed: true, nonce: context.nonce)
            } catch let error as ResponseError where error.code == .notFound || error.code == .invalidParams {
                return TokenPage.unknown(site, nonce: context.nonce)
            } catch let error as ResponseError where error.code == .conflict {
                // Withdrawn, cancelled or expired: say which, from the record.
                guard let record = try? await site.backend.call(GetToken(token: token)) else {
                    return TokenPage.unknown(site, nonce: context.nonce)
                }
                return await TokenPage.show(site, record, token: token, confirmed: false, nonce: context.nonce)
            } catch let error as ResponseError where error.code == .closed {
                return site.message(
                    "Too late to confirm", ["This is closed now, so it can no longer be confirmed. Thank you all the same."],
                    status: .conflict, nonce: context.nonce, private: true)
            } catch {
                return site.failure(error, nonce: context.nonce)
            }
        }
    }
}

/// `GET /withdraw?token=…` shows what the token is for and a button; only `POST /withdraw` withdraws,
/// so that a link followed by a mail scanner changes nothing.
enum WithdrawPage {
    static func register(on router: Router<SiteRequestContext>, _ site: SiteState) {
        router.get("/withdraw") { request, context in
            guard let token = request.uri.queryParameters.get("token"), !token.isEmpty else {
                return TokenPage.unknown(site, nonce: context.nonce)
            }
            do {
                let record = try await site.backend.call(GetToken(token: token))
                return await TokenPage.withdrawForm(site, record, token: token, nonce: context.nonce)
            } catch let error as ResponseError where error.code == .notFound || error.code == .invalidParams {
                return TokenPage.unknown(site, nonce: context.nonce)
            } catch {
                return site.failure(error, nonce: context.nonce)
            }
        }
        router.post("/withdraw") { request, context in
            guard let values = try await FormBody.read(request) else { return FormSubmission.notAForm(site, nonce: context.nonce) }
            guard let token = FormBody.text(values, "token") else { return TokenPage.unknown(site, nonce: context.nonce) }
            do {
                let record = try await site.backend.call(CancelToken(token: token))
                let what = TokenPage.noun(record.kind)
                return site.message(
                    "\(what.capitalizedFirst) withdrawn",
                    record.kind == .signature
                        ? ["Your signature is withdrawn and your details are erased. It no longer counts or shows."]
                        : ["Your \(what) is cancelled and your contact details are erased."],
                    status: .ok, nonce: context.nonce, private: true)
            } catch let error as ResponseError where error.code == .notFound || error.code == .invalidParams {
                return TokenPage.unknown(site, nonce: context.nonce)
            } catch let error as ResponseError where error.code == .conflict {
                return site.message(
                    "Cannot be withdrawn",
                    ["This can no longer be withdrawn here (a paid pledge, for one). Please write to the organisers."],
                    status: .conflict, nonce: context.nonce, private: true)
            } catch {
                return site.failure(error, nonce: context.nonce)
            }
        }
    }
}

/// What a token page shows of the record: never an email or the token itself.
enum TokenPage {
    static func unknown(_ site: SiteState, nonce: String) -> Response {
        site.message(
            "Link not recognised",
            [
                "This link is not (or no longer) valid. Check that you opened the whole link from the email: some mail programs break long links in two.",
                "If you signed more than once, use the link of the latest email.",
            ],
            status: .notFound, nonce: nonce, private: true)
    }

    static func noun(_ kind: TokenKind) -> String {
        switch kind {
        case .signature: "signature"
        case .pledge: "pledge"
        case .rsvp: "RSVP"
        }
    }

    static func rows(_ site: SiteState, _ record: TokenRecord) async -> [[String: String]] {
        var rows: [[String: String]] = []
        if let name = record.name { rows.append(["term": "Name", "value": name]) }
        if let organization = record.organization { rows.append(["term": "Organisation", "value": organization]) }
        if let amount = record.amount { rows.append(["term": "Amount", "value": Format.money(amount)]) }
        if let eventId = record.eventId {
            let event = try? await site.cachedLetter().data.campaign.events.first { $0.id == eventId }
            rows.append(["term": "Event", "value": event.map { "\($0.title), \(Format.when($0))" } ?? eventId])
        }
        if let guests = record.guests, guests > 0 { rows.append(["term": "Guests", "value": String(guests)]) }
        if let showName = record.showName, record.kind == .signature {
            rows.append(["term": "On the public list", "value": showName ? "Yes, your name is shown" : "No, you are counted only"])
        }
        rows.append(["term": "Status", "value": status(record)])
        return rows
    }

    static func status(_ record: TokenRecord) -> String {
        switch record.status {
        case "confirmed": "Confirmed"
        case "pending": "Waiting for confirmation"
        case "going": record.confirmedAt == nil ? "A place is held for you" : "Going"
        case "waitlisted":
            "On the waitlist" + (record.waitlistPosition.map { " (number \($0) in line)" } ?? "")
        case "withdrawn": "Withdrawn"
        case "cancelled": "Cancelled"
        case "expired": "Expired: it was not confirmed in time"
        case "paid": "Paid"
        case "refunded": "Refunded"
        case "suspect": "Received"
        case "invalidated": "Not counted"
        default: record.status
        }
    }

    static func isOver(_ record: TokenRecord) -> Bool {
        ["withdrawn", "cancelled", "expired", "invalidated", "refunded"].contains(record.status)
    }

    static func show(_ site: SiteState, _ record: TokenRecord, token: String, confirmed: Bool, nonce: String) async -> Response {
        let what = noun(record.kind)
        let heading: String
        var paragraphs: [String]
        if confirmed {
            heading = "\(what.capitalizedFirst) confirmed"
            switch record.kind {
            case .signature: paragraphs = ["Thank you\(record.name.map { ", \($0)" } ?? ""): your signature is confirmed and counts."]
            case .pledge: paragraphs = ["Thank you: your pledge is confirmed. We will write when it is time to pay."]
            case .rsvp:
                paragraphs =
                    record.status == "waitlisted"
                    ? ["Your RSVP is confirmed and you are on the waitlist: we email you as soon as a place frees up."]
                    : ["Your RSVP is confirmed: see you there."]
            }
        } else {
            heading = "This \(what) cannot be confirmed"
            paragraphs = ["It was withdrawn, cancelled or expired. To take part again, fill in the form again."]
        }
        var values: [String: Any] = [
            "heading": heading, "paragraphs": paragraphs, "record": ["rows": await rows(site, record)],
            "links": [["href": "/", "text": "Back to the letter"]],
        ]
        if confirmed, !isOver(record) {
            values["links"] = [
                ["href": "/", "text": "Back to the letter"],
                ["href": "/withdraw?token=" + Format.query(token), "text": "Withdraw my \(what)"],
            ]
        }
        return site.page("token", values, nonce: nonce, private: true)
    }

    static func withdrawForm(_ site: SiteState, _ record: TokenRecord, token: String, nonce: String) async -> Response {
        let what = noun(record.kind)
        var values: [String: Any] = ["record": ["rows": await rows(site, record)], "links": [["href": "/", "text": "Back to the letter"]]]
        if isOver(record) {
            values["heading"] = "Already withdrawn"
            values["paragraphs"] = ["This \(what) is already withdrawn or cancelled. There is nothing more to do."]
        } else {
            values["heading"] = "Withdraw your \(what)?"
            values["paragraphs"] = [
                record.kind == .signature
                    ? "If you withdraw, your signature no longer counts or shows, and your details are erased. This cannot be undone."
                    : "If you cancel, your \(what) no longer counts, and your contact details are erased. This cannot be undone."
            ]
            values["withdrawForm"] = ["token": token, "button": record.kind == .signature ? "Withdraw my signature" : "Cancel my \(what)"]
        }
        return site.page("token", values, nonce: nonce, private: true)
    }
}

extension String {
    var capitalizedFirst: String {
        guard let first else { return self }
        return first.uppercased() + dropFirst()
    }
}
