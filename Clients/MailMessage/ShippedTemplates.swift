/// The templates shipped in the binary, keyed by the kind's wire name (`signature.confirm`), so that
/// a kind added to `MessageKind` needs only its entry here. A text template's first line is
/// `Subject: …`, its body follows the blank line. Values: `name` (absent when empty), `title`,
/// `confirmURL`, `withdrawURL` (absent without a token), `siteURL`, `sender`.
enum ShippedTemplates {
    static let all: [String: (text: String, html: String)] = [
        "signature.confirm": (
            text: """
            Subject: Please confirm your signature: {{title}}

            \(greeting)

            Thank you for signing "{{title}}". Your signature counts once you
            confirm that this is your email address. Open this link to confirm:

            {{confirmURL}}

            If you did not sign, ignore this message: an unconfirmed signature
            is never counted or shown.
            \(withdrawText)
            """,
            html: page(
                """
                <p>Thank you for signing <strong>{{title}}</strong>. Your signature counts once you confirm that this is
                your email address.</p>
                \(confirmButton("Confirm my signature"))
                <p>If you did not sign, ignore this message: an unconfirmed signature is never counted or shown.</p>
                \(withdrawHTML)
                """)
        ),
        "signature.remind": (
            text: """
            Subject: Reminder: please confirm your signature: {{title}}

            \(greeting)

            You signed "{{title}}", but your signature does not count yet: this
            email address has not been confirmed. Open this link to confirm:

            {{confirmURL}}

            This is the only reminder you will get. If you did not sign, ignore
            this message: an unconfirmed signature is never counted or shown.
            \(withdrawText)
            """,
            html: page(
                """
                <p>You signed <strong>{{title}}</strong>, but your signature does not count yet: this email address has
                not been confirmed.</p>
                \(confirmButton("Confirm my signature"))
                <p>This is the only reminder you will get. If you did not sign, ignore this message: an unconfirmed
                signature is never counted or shown.</p>
                \(withdrawHTML)
                """)
        ),
        "signature.duplicate": (
            text: """
            Subject: You have already signed: {{title}}

            \(greeting)

            This email address was used to sign "{{title}}" again. Your
            signature was already confirmed, so nothing has changed: it is
            counted once.
            \(withdrawText)
            """,
            html: page(
                """
                <p>This email address was used to sign <strong>{{title}}</strong> again. Your signature was already
                confirmed, so nothing has changed: it is counted once.</p>
                \(withdrawHTML)
                """)
        ),
        "signature.receipt": (
            text: """
            Subject: Thank you for signing: {{title}}

            \(greeting)

            Thank you for signing "{{title}}". Your signature is counted.
            \(withdrawText)
            """,
            html: page(
                """
                <p>Thank you for signing <strong>{{title}}</strong>. Your signature is counted.</p>
                \(withdrawHTML)
                """)
        ),
        "pledge.confirm": (
            text: """
            Subject: Please confirm your pledge: {{title}}

            \(greeting)

            Thank you for your pledge to "{{title}}". It counts once you confirm
            that this is your email address. Open this link to confirm:

            {{confirmURL}}

            If you did not pledge, ignore this message: an unconfirmed pledge
            is never counted or shown.
            \(cancelPledgeText)
            """,
            html: page(
                """
                <p>Thank you for your pledge to <strong>{{title}}</strong>. It counts once you confirm that this is your
                email address.</p>
                \(confirmButton("Confirm my pledge"))
                <p>If you did not pledge, ignore this message: an unconfirmed pledge is never counted or shown.</p>
                \(cancelPledgeHTML)
                """)
        ),
        "pledge.receipt": (
            text: """
            Subject: Thank you for your pledge: {{title}}

            \(greeting)

            Thank you for your pledge to "{{title}}". It is recorded.
            \(cancelPledgeText)
            """,
            html: page(
                """
                <p>Thank you for your pledge to <strong>{{title}}</strong>. It is recorded.</p>
                \(cancelPledgeHTML)
                """)
        ),
        "rsvp.confirm": (
            text: """
            Subject: Please confirm your RSVP: {{title}}

            \(greeting)

            Thank you for your RSVP to "{{title}}". Please confirm it by opening
            this link; an RSVP that is not confirmed in time is released:

            {{confirmURL}}

            If you did not RSVP, ignore this message.
            \(cancelRSVPText)
            """,
            html: page(
                """
                <p>Thank you for your RSVP to <strong>{{title}}</strong>. Please confirm it; an RSVP that is not
                confirmed in time is released.</p>
                \(confirmButton("Confirm my RSVP"))
                <p>If you did not RSVP, ignore this message.</p>
                \(cancelRSVPHTML)
                """)
        ),
        "rsvp.promoted": (
            text: """
            Subject: A place has opened up for you: {{title}}

            \(greeting)

            Good news: a place has opened up at "{{title}}" and you are now on
            the list of people going.
            {{#confirmURL}}

            If you have not confirmed your RSVP yet, please do so now:
            {{confirmURL}}
            {{/confirmURL}}
            \(cancelRSVPText)
            """,
            html: page(
                """
                <p>Good news: a place has opened up at <strong>{{title}}</strong> and you are now on the list of people
                going.</p>
                {{#confirmURL}}
                <p>If you have not confirmed your RSVP yet, please do so now:</p>
                <p><a href="{{confirmURL}}">Confirm my RSVP</a></p>
                {{/confirmURL}}
                \(cancelRSVPHTML)
                """)
        ),
        "event.cancelled": (
            text: """
            Subject: Cancelled: {{title}}

            \(greeting)

            We are sorry: "{{title}}" has been cancelled. Your RSVP is
            cancelled with it; you do not need to do anything.
            \(footerText)
            """,
            html: page(
                """
                <p>We are sorry: <strong>{{title}}</strong> has been cancelled. Your RSVP is cancelled with it; you do
                not need to do anything.</p>
                """)
        ),
    ]

    static let greeting = "{{#name}}Hello {{name}},{{/name}}{{^name}}Hello,{{/name}}"

    static let footerText = """

        --\u{20}
        {{sender}} · {{siteURL}}
        You get this message because this email address was entered at
        {{siteURL}}. It was sent automatically.
        """

    static let withdrawText = """
        {{#withdrawURL}}

        To take your signature back at any time, open this link and press the
        button there:
        {{withdrawURL}}
        {{/withdrawURL}}
        \(footerText)
        """

    static let cancelRSVPText = """
        {{#withdrawURL}}

        If you cannot come after all, please cancel so that someone else can
        have your place: open this link and press the button there:
        {{withdrawURL}}
        {{/withdrawURL}}
        \(footerText)
        """

    static let cancelPledgeText = """
        {{#withdrawURL}}

        To cancel your pledge, open this link and press the button there:
        {{withdrawURL}}
        {{/withdrawURL}}
        \(footerText)
        """

    static let cancelPledgeHTML = """
        {{#withdrawURL}}
        <p>To cancel your pledge, <a href="{{withdrawURL}}">open this page</a> and press the button there.</p>
        {{/withdrawURL}}
        """

    static func confirmButton(_ label: String) -> String {
        """
        {{#confirmURL}}
        <p><a href="{{confirmURL}}" style="display:inline-block;padding:10px 18px;background:#1a56db;color:#ffffff;\
        text-decoration:none;border-radius:4px">\(label)</a></p>
        <p style="font-size:13px;color:#555555">Or copy this address into your browser:<br>{{confirmURL}}</p>
        {{/confirmURL}}
        """
    }

    static let withdrawHTML = """
        {{#withdrawURL}}
        <p style="font-size:13px;color:#555555">To take your signature back at any time,
        <a href="{{withdrawURL}}">open this page</a> and press the button there.</p>
        {{/withdrawURL}}
        """

    static let cancelRSVPHTML = """
        {{#withdrawURL}}
        <p style="font-size:13px;color:#555555">If you cannot come after all, please
        <a href="{{withdrawURL}}">cancel your RSVP</a> so that someone else can have your place.</p>
        {{/withdrawURL}}
        """

    static func page(_ body: String) -> String {
        """
        <!DOCTYPE html>
        <html>
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width">
        <title>{{title}}</title>
        </head>
        <body style="font-family:sans-serif;font-size:15px;line-height:1.5;color:#222222;max-width:36em">
        <p>\(greeting)</p>
        \(body)
        <hr style="border:none;border-top:1px solid #dddddd">
        <p style="font-size:12px;color:#777777">{{sender}} · <a href="{{siteURL}}">{{siteURL}}</a><br>
        You get this message because this email address was entered at {{siteURL}}. It was sent automatically.</p>
        </body>
        </html>
        """
    }
}
