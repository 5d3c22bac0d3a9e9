// swift-format-ignore-file
// The site's templates, shipped in the binary and each replaced by `NAME.mustache` (or `site.css`) in
// the `--templates` directory. Every value is escaped; the one exception is `{{{letterHTML}}}`, the
// letter's body as `Markdown` rendered it (escaped first).
enum ShippedTemplates {
    static let all: [String: String] = [
        "layout": layout, "letter": letter, "field": field, "form-errors": formErrors, "signers": signers,
        "print": print, "token": token, "message": message,
    ]

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{$title}}{{siteTitle}}{{/title}}</title>
        <link rel="stylesheet" href="{{cssURL}}">
        <script src="{{liveScriptURL}}" nonce="{{nonce}}" defer></script>
        </head>
        <body>
        <a class="skip" href="#main">Skip to the content</a>
        <header class="site-header">
        <p class="site-name"><a href="/">{{siteTitle}}</a></p>
        <nav aria-label="Site"><ul><li><a href="/">The letter</a></li><li><a href="/signers">Signers</a></li><li><a href="/letter/print">Print</a></li></ul></nav>
        </header>
        <main id="main">
        {{$content}}{{/content}}
        </main>
        <footer class="site-footer">
        <p>Your email address is never shown, and is used only for this campaign. No cookies, no trackers.</p>
        </footer>
        </body>
        </html>

        """

    static let letter = """
        {{<layout}}
        {{$title}}{{#letter}}{{title}}{{/letter}}{{^letter}}{{siteTitle}}{{/letter}}{{/title}}
        {{$content}}
        {{#letter}}
        <article class="letter" aria-labelledby="letter-title">
        <h1 id="letter-title">{{title}}</h1>
        <p class="to-form"><a class="button" href="#sign">Sign the letter</a></p>
        {{#hasRecipients}}
        <section class="recipients" aria-labelledby="recipients-title">
        <h2 id="recipients-title">To</h2>
        <ul>{{#recipients}}<li><span class="name">{{name}}</span>{{#role}}, {{role}}{{/role}}{{#organization}}, {{organization}}{{/organization}}</li>{{/recipients}}</ul>
        </section>
        {{/hasRecipients}}
        <div class="letter-body">
        {{{letterHTML}}}
        </div>
        </article>
        {{/letter}}
        {{^letter}}
        <h1>{{siteTitle}}</h1>
        <p>The letter is not published yet. Please come back soon.</p>
        {{/letter}}

        <section class="counts" aria-labelledby="counts-title">
        <h2 id="counts-title">Signatures</h2>
        <div role="status" aria-live="polite" class="figures">
        <p class="big">Signatures so far: <strong id="live-signatures-confirmed" data-live="signatures.confirmed">{{signatures.confirmedText}}</strong>{{#signatures.goalText}}, of a goal of <span id="live-signatures-goal" data-live="signatures.goal">{{signatures.goalText}}</span>{{/signatures.goalText}}.</p>
        {{#signatures.goalText}}<progress id="live-signatures-progress" data-live="signatures.confirmed" data-live-max="signatures.goal" max="{{signatures.goal}}" value="{{signatures.progressValue}}">{{signatures.percent}}%</progress>{{/signatures.goalText}}
        <p>Organisations: <span id="live-signatures-organizations" data-live="signatures.organizations">{{signatures.organizationsText}}</span>. Customers: <span id="live-signatures-customers" data-live="signatures.customers">{{signatures.customersText}}</span>.</p>
        </div>
        {{#hasFeatured}}
        <h3>Organisations that signed</h3>
        <ul class="featured">{{#featured}}<li>{{.}}</li>{{/featured}}</ul>
        {{/hasFeatured}}
        {{#hasRecent}}
        <h3>Recent signers</h3>
        <ul class="signers">{{#recent}}<li><span class="name">{{name}}</span>{{#jobTitle}}, {{jobTitle}}{{/jobTitle}}{{#organization}}, {{organization}}{{/organization}}{{#country}} ({{country}}){{/country}}</li>{{/recent}}</ul>
        <p><a href="/signers">Everyone who signed</a></p>
        {{/hasRecent}}
        </section>

        {{#letter}}
        <section class="form-section" id="sign" aria-labelledby="sign-title">
        <h2 id="sign-title">Sign the letter</h2>
        {{#open}}
        {{#signForm}}
        <form method="post" action="/sign#sign" novalidate>
        {{>form-errors}}
        <p class="required-note">Fields marked <span aria-hidden="true">*</span><span class="visually-hidden">required</span> are required.</p>
        {{#fields}}{{>field}}{{/fields}}
        <button type="submit">Sign the letter</button>
        </form>
        {{/signForm}}
        {{/open}}
        {{^open}}<p>The letter is not taking signatures now.</p>{{/open}}
        </section>
        {{/letter}}

        {{#fundraiser}}
        <section class="form-section" id="pledge" aria-labelledby="pledge-title">
        <h2 id="pledge-title">{{title}}</h2>
        <p>{{description}}</p>
        <div role="status" aria-live="polite" class="figures">
        <p><strong id="live-fundraiser-pledged" data-live="fundraiser.pledged">{{pledgedText}}</strong> pledged of <span id="live-fundraiser-goal" data-live="fundraiser.goal">{{goalText}}</span>. Pledges: <span id="live-fundraiser-count" data-live="fundraiser.pledgeCount">{{countText}}</span>.</p>
        <meter id="live-fundraiser-meter" data-live="fundraiser.pledged" data-live-max="fundraiser.goal" min="0" max="{{goalMinor}}" value="{{meterValue}}">{{percent}}%</meter>
        </div>
        {{#hasRecentPledges}}<ul class="pledges">{{#recentPledges}}<li><span class="name">{{name}}</span>: {{amountText}}{{#message}}, “{{message}}”{{/message}}</li>{{/recentPledges}}</ul>{{/hasRecentPledges}}
        {{#open}}
        {{#pledgeForm}}
        <form method="post" action="/pledge#pledge" novalidate>
        {{>form-errors}}
        {{#fields}}{{>field}}{{/fields}}
        <button type="submit">Pledge</button>
        </form>
        {{/pledgeForm}}
        {{/open}}
        {{^open}}<p>The fundraiser is closed.</p>{{/open}}
        </section>
        {{/fundraiser}}

        {{#hasEvents}}
        <section aria-labelledby="events-title">
        <h2 id="events-title">Events</h2>
        {{#events}}
        <article class="event form-section" id="event-{{id}}" aria-labelledby="event-{{id}}-title">
        <h3 id="event-{{id}}-title">{{title}}</h3>
        <p class="when">{{whenText}}</p>
        <p class="where">{{whereText}}</p>
        <p>{{description}}</p>
        <div role="status" aria-live="polite" class="figures">
        <p>Going: <span id="live-event-{{id}}-going" data-live="event.{{id}}.going">{{going}}</span>{{#capacityText}} (places: {{capacityText}}){{/capacityText}}. On the waitlist: <span id="live-event-{{id}}-waitlisted" data-live="event.{{id}}.waitlisted">{{waitlisted}}</span>.</p>
        </div>
        {{#cancelled}}<p><strong>This event is cancelled.</strong></p>{{/cancelled}}
        {{#open}}
        {{#full}}<p class="notice">Every place is taken: if you RSVP you join the waitlist, and we email you as soon as a place frees up.</p>{{/full}}
        {{#rsvpForm}}
        <form method="post" action="/events/{{id}}/rsvp#event-{{id}}" novalidate>
        {{>form-errors}}
        {{#fields}}{{>field}}{{/fields}}
        <button type="submit">RSVP</button>
        </form>
        {{/rsvpForm}}
        {{/open}}
        </article>
        {{/events}}
        </section>
        {{/hasEvents}}

        {{#hasTweets}}
        <section aria-labelledby="tweets-title">
        <h2 id="tweets-title">Spread the word</h2>
        <ul class="tweets">
        {{#tweets}}<li><blockquote>{{text}}</blockquote><a href="/t/{{id}}">Tweet this at {{target.name}}<span class="visually-hidden"> (opens Twitter)</span></a></li>{{/tweets}}
        </ul>
        </section>
        {{/hasTweets}}
        {{/content}}
        {{/layout}}

        """

    static let formErrors = """
        {{#hasErrors}}
        <div class="error-summary" role="alert" tabindex="-1">
        <h3>There is a problem</h3>
        <ul>{{#errorList}}<li>{{#target}}<a href="#{{target}}">{{message}}</a>{{/target}}{{^target}}{{message}}{{/target}}</li>{{/errorList}}</ul>
        </div>
        {{/hasErrors}}

        """

    static let field = """
        {{#isHidden}}<input type="hidden" name="{{name}}" value="{{value}}">{{/isHidden}}
        {{#isCheckbox}}
        <div class="field checkbox{{#error}} invalid{{/error}}">
        <input type="checkbox" id="{{id}}" name="{{name}}" value="true"{{#checked}} checked{{/checked}}{{#describedBy}} aria-describedby="{{describedBy}}"{{/describedBy}}{{#error}} aria-invalid="true"{{/error}}>
        <label for="{{id}}">{{label}}</label>
        {{#hint}}<p class="hint" id="{{id}}-hint">{{hint}}</p>{{/hint}}
        {{#error}}<p class="error" id="{{id}}-error"><span class="visually-hidden">Error: </span>{{error}}</p>{{/error}}
        </div>
        {{/isCheckbox}}
        {{#isRadios}}
        <fieldset class="field radios{{#error}} invalid{{/error}}" id="{{id}}"{{#describedBy}} aria-describedby="{{describedBy}}"{{/describedBy}}>
        <legend>{{label}}{{#required}} <span aria-hidden="true">*</span>{{/required}}</legend>
        {{#hint}}<p class="hint" id="{{id}}-hint">{{hint}}</p>{{/hint}}
        {{#error}}<p class="error" id="{{id}}-error"><span class="visually-hidden">Error: </span>{{error}}</p>{{/error}}
        {{#options}}<div class="radio"><input type="radio" id="{{id}}" name="{{name}}" value="{{value}}"{{#checked}} checked{{/checked}}{{#required}} required{{/required}}><label for="{{id}}">{{label}}</label></div>{{/options}}
        </fieldset>
        {{/isRadios}}
        {{#isInput}}
        <div class="field{{#error}} invalid{{/error}}">
        <label for="{{id}}">{{label}}{{#required}} <span aria-hidden="true">*</span>{{/required}}</label>
        {{#hint}}<p class="hint" id="{{id}}-hint">{{hint}}</p>{{/hint}}
        {{#error}}<p class="error" id="{{id}}-error"><span class="visually-hidden">Error: </span>{{error}}</p>{{/error}}
        {{#isTextarea}}<textarea id="{{id}}" name="{{name}}" rows="4"{{#maxLength}} maxlength="{{maxLength}}"{{/maxLength}}{{#required}} required aria-required="true"{{/required}}{{#describedBy}} aria-describedby="{{describedBy}}"{{/describedBy}}{{#error}} aria-invalid="true"{{/error}}>{{value}}</textarea>{{/isTextarea}}
        {{^isTextarea}}<input type="{{type}}" id="{{id}}" name="{{name}}" value="{{value}}"{{#autocomplete}} autocomplete="{{autocomplete}}"{{/autocomplete}}{{#maxLength}} maxlength="{{maxLength}}"{{/maxLength}}{{#min}} min="{{min}}"{{/min}}{{#max}} max="{{max}}"{{/max}}{{#required}} required aria-required="true"{{/required}}{{#describedBy}} aria-describedby="{{describedBy}}"{{/describedBy}}{{#error}} aria-invalid="true"{{/error}}>{{/isTextarea}}
        </div>
        {{/isInput}}

        """

    static let signers = """
        {{<layout}}
        {{$title}}Signers: {{siteTitle}}{{/title}}
        {{$content}}
        <h1>Who signed</h1>
        <p>Everyone who confirmed their signature and chose to show their name, newest first.</p>
        {{#hasSigners}}
        <ol class="signer-list">
        {{#signers}}<li><span class="name">{{name}}</span>{{#jobTitle}}, {{jobTitle}}{{/jobTitle}}{{#organization}}, {{organization}}{{/organization}}{{#country}} ({{country}}){{/country}}{{#comment}}<blockquote>{{comment}}</blockquote>{{/comment}}</li>{{/signers}}
        </ol>
        {{/hasSigners}}
        {{^hasSigners}}<p>No public signers yet.</p>{{/hasSigners}}
        {{#nextURL}}<p><a href="{{nextURL}}" rel="next">Older signers</a></p>{{/nextURL}}
        {{/content}}
        {{/layout}}

        """

    static let print = """
        {{<layout}}
        {{$title}}{{title}}{{/title}}
        {{$content}}
        <article class="letter print">
        <h1>{{title}}</h1>
        {{#hasRecipients}}<p>To:</p><ul class="recipients">{{#recipients}}<li><span class="name">{{name}}</span>{{#role}}, {{role}}{{/role}}{{#organization}}, {{organization}}{{/organization}}</li>{{/recipients}}</ul>{{/hasRecipients}}
        <div class="letter-body">
        {{{letterHTML}}}
        </div>
        <section aria-labelledby="signed-title">
        <h2 id="signed-title">Signatures: {{confirmedText}}</h2>
        <p>Listed below: those who chose to show their name ({{listedText}}).</p>
        {{#groups}}
        <h3>{{organization}}</h3>
        <ul class="print-signers">{{#signers}}<li>{{name}}{{#jobTitle}}, {{jobTitle}}{{/jobTitle}}{{#country}} ({{country}}){{/country}}</li>{{/signers}}</ul>
        {{/groups}}
        </section>
        </article>
        {{/content}}
        {{/layout}}

        """

    static let token = """
        {{<layout}}
        {{$title}}{{heading}}: {{siteTitle}}{{/title}}
        {{$content}}
        <h1>{{heading}}</h1>
        {{#paragraphs}}<p>{{.}}</p>{{/paragraphs}}
        {{#record}}
        <dl class="record">
        {{#rows}}<dt>{{term}}</dt><dd>{{value}}</dd>{{/rows}}
        </dl>
        {{/record}}
        {{#withdrawForm}}
        <form method="post" action="/withdraw">
        <input type="hidden" name="token" value="{{token}}">
        <button type="submit" class="danger">{{button}}</button>
        </form>
        {{/withdrawForm}}
        {{#links}}<p><a href="{{href}}">{{text}}</a></p>{{/links}}
        {{/content}}
        {{/layout}}

        """

    static let message = """
        {{<layout}}
        {{$title}}{{heading}}: {{siteTitle}}{{/title}}
        {{$content}}
        <h1>{{heading}}</h1>
        {{#paragraphs}}<p>{{.}}</p>{{/paragraphs}}
        {{#links}}<p><a href="{{href}}">{{text}}</a></p>{{/links}}
        {{/content}}
        {{/layout}}

        """

    static let css = """
        :root{--fg:#1b1b1b;--bg:#fff;--muted:#4a4a4a;--accent:#0b57a4;--error:#b00020;--line:#c8c8c8;--focus:#ffbf47}
        *{box-sizing:border-box}
        .name,.signers li,.pledges li,.print-signers li,h3{overflow-wrap:anywhere}
        .to-form{margin:.5rem 0 1rem}
        a.button{display:inline-block;text-decoration:none}
        body{margin:0;font:1.05rem/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
        main,.site-header,.site-footer{max-width:46rem;margin:0 auto;padding:0 1rem}
        a{color:var(--accent)}
        a:focus,button:focus,input:focus,textarea:focus,[tabindex]:focus{outline:3px solid var(--focus);outline-offset:2px;box-shadow:0 0 0 5px var(--fg)}
        .skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.5rem}
        .site-header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;border-bottom:1px solid var(--line)}
        .site-header nav ul{list-style:none;display:flex;gap:1rem;padding:0;margin:.5rem 0}
        .site-name{font-weight:700;margin:.75rem 0}
        .site-footer{border-top:1px solid var(--line);margin-top:3rem;color:var(--muted);font-size:.9rem}
        h1{font-size:1.9rem;line-height:1.2}
        .letter-body blockquote,.tweets blockquote,.signer-list blockquote{border-left:4px solid var(--line);margin:.5rem 0;padding-left:1rem;color:var(--muted)}
        .figures .big{font-size:1.3rem}
        progress,meter{width:100%;height:1.2rem}
        .form-section{border-top:1px solid var(--line);margin-top:2rem}
        .field{margin:1rem 0}
        .field label,legend{display:block;font-weight:600}
        .hint{margin:.1rem 0 .3rem;color:var(--muted);font-size:.95rem}
        .error{margin:.1rem 0 .3rem;color:var(--error);font-weight:600}
        .field.invalid input,.field.invalid textarea{border-color:var(--error);border-width:2px}
        input[type=text],input[type=email],input[type=tel],input[type=number],textarea{width:100%;max-width:100%;font:inherit;padding:.5rem;border:1px solid #6b6b6b;border-radius:3px;background:var(--bg);color:var(--fg)}
        .radio{display:flex;gap:.5rem;align-items:flex-start}
        .checkbox{display:grid;grid-template-columns:auto 1fr;gap:0 .5rem;align-items:start}.checkbox .hint,.checkbox .error{grid-column:2}
        input[type=checkbox],input[type=radio]{width:1.25rem;height:1.25rem;margin-top:.2rem}
        fieldset{border:0;padding:0}
        button,a.button{font:inherit;font-weight:600;padding:.6rem 1.2rem;border:0;border-radius:3px;background:var(--accent);color:#fff;cursor:pointer}
        button.danger{background:var(--error)}
        .error-summary{border:3px solid var(--error);padding:0 1rem;margin:1rem 0}
        .notice{border-left:4px solid var(--accent);padding-left:1rem}
        .visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
        .tweets{list-style:none;padding:0}.tweets li{margin:1rem 0}
        dl.record dt{font-weight:600}dl.record dd{margin:0 0 .5rem}
        @media print{.site-header,.site-footer,.skip,form{display:none}body{font-size:11pt}.print-signers{columns:2}a{color:inherit;text-decoration:none}}

        """
}
