import Hummingbird

/// `GET /thanks?kind=…`: where every accepted form leads. It says the same whoever sent it, first
/// time or repeat, so that it tells nobody whether an email took part before.
enum ThanksPage {
    enum Kind: String {
        case signature, pledge, rsvp
    }

    static func register(on router: Router<SiteRequestContext>, _ site: SiteState) {
        router.get("/thanks") { request, context in
            let kind = request.uri.queryParameters.get("kind").flatMap(Kind.init(rawValue:)) ?? .signature
            let confirm = request.uri.queryParameters.get("confirm") != "0"
            let what =
                switch kind {
                case .signature: "signature"
                case .pledge: "pledge"
                case .rsvp: "RSVP"
                }
            let paragraphs =
                confirm
                ? [
                    "Thank you. We have sent you an email: open the link in it to confirm your \(what). It counts once you confirm.",
                    "No email after a few minutes? Look in your spam folder, or send the form again.",
                ]
                : ["Thank you: your \(what) is recorded."]
            return site.message(confirm ? "Check your email" : "Thank you", paragraphs, nonce: context.nonce)
        }
    }
}
