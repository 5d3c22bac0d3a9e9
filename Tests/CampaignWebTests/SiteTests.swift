import CampaignProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CampaignWeb

/// The site against a real campaignd serving the example campaign.
@Suite(.serialized) struct SiteTests {
    static let protest = "connect-2027-protest"

    @Test func letterPageShowsTheLetterCountsAndForm() async throws {
        let harness = try SiteHarness()
        try await harness.test { client in
            let response = try await client.execute(uri: "/", method: .get)
            #expect(response.status == .ok)
            let html = response.text
            #expect(html.contains("<h1 id=\"letter-title\">Northwind Software: end the Border Enforcement Agency contract</h1>"))
            #expect(html.contains("<p>Dear Ms. Whitfield and members of the Northwind board,</p>"))
            #expect(html.contains("<ol>\n<li>decline to renew"))
            #expect(html.contains("Dana Whitfield"))
            #expect(html.contains("id=\"live-signatures-confirmed\" data-live=\"signatures.confirmed\">0</strong>"))
            #expect(html.contains("role=\"status\""))
            #expect(html.contains("of a goal of <span id=\"live-signatures-goal\" data-live=\"signatures.goal\">5,000</span>"))
            #expect(html.contains("<form method=\"post\" action=\"/sign#sign\""))
            for field in [
                "name", "email", "organization", "jobTitle", "isCustomer", "country", "postalCode", "comment", "showName", "contactOptIn",
            ] {
                #expect(html.contains("name=\"\(field)\""), "the signing form has \(field)")
            }
            #expect(html.contains("<label for=\"sign-email\">Email <span aria-hidden=\"true\">*</span></label>"))
            #expect(html.contains("autocomplete=\"email\""))
            #expect(html.contains("aria-describedby=\"sign-email-hint\""))
            #expect(html.contains("<meter id=\"live-fundraiser-meter\""))
            #expect(html.contains("action=\"/events/\(Self.protest)/rsvp#event-\(Self.protest)\""))
            #expect(html.contains("href=\"/t/tweet-1\""))
            #expect(!html.contains("twitter.com"), "tweets go through /t/, no third-party link or script on the page")
            #expect(html.components(separatedBy: "<h1").count == 2, "one h1")
        }
    }

    @Test func rawHTMLInTheLetterShowsAsText() async throws {
        let harness = try SiteHarness()
        let admin = harness.campaignd.admin()
        let letter = try await admin.call(GetLetter())
        _ = try await admin.call(
            UpdateLetter(
                expectedVersion: letter.version, body: "Hello <img src=x onerror=alert(1)> & <b>bold</b>\n\n[x](javascript:alert(1))"))
        harness.site.pageCache.invalidate()
        try await harness.test { client in
            let html = try await client.execute(uri: "/", method: .get).text
            #expect(html.contains("<p>Hello &lt;img src=x onerror=alert(1)> &amp; &lt;b>bold&lt;/b></p>"))
            #expect(!html.contains("<img"))
            #expect(!html.contains("javascript:"))
        }
    }

    @Test func nameWithScriptShowsAsText() async throws {
        let harness = try SiteHarness()
        try await harness.test { client in
            let response = try await formPost(
                client, "/sign", [("name", "<script>alert(1)</script>"), ("email", "eve@example.org"), ("showName", "true")])
            #expect(response.status == .seeOther)
            for message in try await harness.campaignd.claimTokens() {
                _ = try await harness.site.backend.call(ConfirmToken(token: message.token))
            }
            harness.site.pageCache.invalidate()
            let html = try await client.execute(uri: "/", method: .get).text
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!html.contains("<script>alert"))
            let signers = try await client.execute(uri: "/signers", method: .get).text
            #expect(signers.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        }
    }

    @Test func badEmailReRendersWithItsErrorNextToTheEmailFieldAndOtherFieldsKept() async throws {
        let harness = try SiteHarness()
        try await harness.test { client in
            let response = try await formPost(
                client, "/sign",
                [
                    ("name", "Ada Lovelace"), ("email", "not-an-email"), ("organization", "Analytical Engines"), ("comment", "Line one"),
                    ("showName", "true"),
                ])
            #expect(response.status == .unprocessableContent)
            let html = response.text
            #expect(html.contains("<p class=\"error\" id=\"sign-email-error\">"))
            #expect(html.contains("aria-describedby=\"sign-email-hint sign-email-error\" aria-invalid=\"true\""))
            #expect(html.contains("<a href=\"#sign-email\">Email: "), "the summary links to the field")
            #expect(html.contains("value=\"Ada Lovelace\""))
            #expect(html.contains("value=\"not-an-email\""))
            #expect(html.contains("value=\"Analytical Engines\""))
            #expect(html.contains(">Line one</textarea>"))
            #expect(html.contains("name=\"showName\" value=\"true\" checked"))
            #expect(!html.contains("id=\"sign-name-error\""))
        }
    }

    @Test func aRepeatSignatureGetsTheSamePageAsANewOne() async throws {
        let harness = try SiteHarness()
        try await harness.test { client in
            let fields = [("name", "Grace Hopper"), ("email", "grace@example.org")]
            let first = try await formPost(client, "/sign", fields)
            let second = try await formPost(client, "/sign", fields)
            let other = try await formPost(client, "/sign", [("name", "Someone Else"), ("email", "else@example.org")])
            #expect(first.status == .seeOther)
            #expect(first.headers[.location] == "/thanks?kind=signature")
            #expect(second.status == first.status)
            #expect(second.headers[.location] == first.headers[.location])
            #expect(other.headers[.location] == first.headers[.location])
            let thanks = try await client.execute(uri: "/thanks?kind=signature", method: .get)
            #expect(thanks.status == .ok)
            #expect(thanks.text.contains("Check your email"))
        }
    }

    @Test func confirmTokenConfirmsAndSaysWhatWasConfirmed() async throws {
        let harness = try SiteHarness()
        try await harness.test { client in
            _ = try await formPost(
                client, "/sign",
                [("name", "Ada Lovelace"), ("email", "ada@example.org"), ("organization", "Engines Ltd"), ("showName", "true")])
            let token = try #require(try await harness.campaignd.claimTokens().first { $0.kind == .signatureConfirm }?.token)
            let response = try await client.execute(uri: "/confirm?token=\(token)", method: .get)
            #expect(response.status == .ok)
            #expect(response.text.contains("Signature confirmed"))
            #expect(response.text.contains("Ada Lovelace"))
            #expect(response.text.contains("Engines Ltd"))
            #expect(response.text.contains("Yes, your name is shown"))
            #expect(response.headers[.cacheControl] == "no-store")
            let again = try await client.execute(uri: "/confirm?token=\(token)", method: .get)
            #expect(again.status == .ok, "confirming twice is harmless")
            #expect(try await harness.site.backend.call(CountSignatures()).confirmed == 1)
        }
    }

    /// The page is cached for a crowd, but a confirmed signature shows at once: the live feed's
    /// `campaign.changed` drops the cached page (here the cache would otherwise last an hour).
    @Test func theCachedPageShowsANewCountAsSoonAsItIsConfirmed() async throws {
        let harness = try SiteHarness { $0.pageMaxAge = .seconds(3600) }
        try await harness.test(.live) { client in
            let before = try await client.execute(uri: "/", method: .get)
            #expect(before.text.contains("data-live=\"signatures.confirmed\">0</strong>"))
            _ = try await formPost(client, "/sign", [("name", "Ada"), ("email", "ada@example.org")])
            let token = try #require(try await harness.campaignd.claimTokens().first { $0.kind == .signatureConfirm }?.token)
            #expect(try await client.execute(uri: "/confirm?token=\(token)", method: .get).status == .ok)
            var shown = false
            for _ in 0..<100 where !shown {
                shown = try await client.execute(uri: "/", method: .get).text.contains("data-live=\"signatures.confirmed\">1</strong>")
                if !shown { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(shown, "the page still showed the count of its first render")
        }
    }

    @Test func thePrintedLetterListsPublicSignersByOrganisation() async throws {
        let harness = try SiteHarness()
        try await harness.test { client in
            for (name, organization) in [("Zoe Zed", "Acme"), ("Al Alpha", "Acme"), ("Ines Solo", "")] {
                _ = try await formPost(
                    client, "/sign",
                    [
                        ("name", name), ("email", "\(name.prefix(2).lowercased())@example.org"), ("organization", organization),
                        ("showName", "true"),
                    ])
            }
            _ = try await formPost(client, "/sign", [("name", "Hidden Person"), ("email", "hidden@example.org")])
            for message in try await harness.campaignd.claimTokens() {
                _ = try await harness.site.backend.call(ConfirmToken(token: message.token))
            }
            let html = try await client.execute(uri: "/letter/print", method: .get).text
            #expect(html.contains("Signatures: 4"))
            #expect(html.contains("<h3>Acme</h3>\n<ul class=\"print-signers\"><li>Al Alpha</li><li>Zoe Zed</li></ul>"))
            #expect(html.contains("<h3>Individuals</h3>\n<ul class=\"print-signers\"><li>Ines Solo</li></ul>"))
            #expect(!html.contains("Hidden Person"), "only those who chose to show their name")
            let badCursor = try await client.execute(uri: "/signers?after=bogus", method: .get)
            #expect(badCursor.status == .badRequest)
        }
    }

    @Test func anUnknownTokenGetsAHelpfulPageWith404() async throws {
        let harness = try SiteHarness()
        try await harness.test { client in
            for uri in ["/confirm?token=not-a-real-token", "/withdraw?token=not-a-real-token", "/confirm"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .notFound)
                #expect(response.text.contains("Link not recognised"))
                #expect(response.text.contains("<main id=\"main\">"))
            }
        }
    }

    @Test func withdrawNeedsPost() async throws {
        let harness = try SiteHarness()
        try await harness.test { client in
            _ = try await formPost(client, "/sign", [("name", "Ada Lovelace"), ("email", "ada@example.org")])
            let token = try #require(try await harness.campaignd.claimTokens().first?.token)
            _ = try await client.execute(uri: "/confirm?token=\(token)", method: .get)
            let page = try await client.execute(uri: "/withdraw?token=\(token)", method: .get)
            #expect(page.status == .ok)
            #expect(page.text.contains("<form method=\"post\" action=\"/withdraw\">"))
            #expect(page.text.contains("Withdraw my signature</button>"))
            #expect(try await harness.site.backend.call(GetToken(token: token)).status == "confirmed", "GET changed nothing")
            let done = try await formPost(client, "/withdraw", [("token", token)])
            #expect(done.status == .ok)
            #expect(done.text.contains("Signature withdrawn"))
            #expect(try await harness.site.backend.call(GetToken(token: token)).status == "withdrawn")
            let after = try await client.execute(uri: "/withdraw?token=\(token)", method: .get)
            #expect(after.text.contains("Already withdrawn"))
            #expect(!after.text.contains("<form method=\"post\" action=\"/withdraw\">"))
        }
    }

    @Test func aCrossSitePostIsRefusedWith403() async throws {
        let harness = try SiteHarness { $0.siteURL = "https://letter.example.org" }
        try await harness.test { client in
            let fields = [("name", "Mallory"), ("email", "mallory@example.org")]
            let foreign = try await formPost(client, "/sign", fields, headers: [.origin: "https://evil.example"])
            #expect(foreign.status == .forbidden)
            let crossSite = try await formPost(client, "/sign", fields, headers: [.init("Sec-Fetch-Site")!: "cross-site"])
            #expect(crossSite.status == .forbidden)
            let nullOrigin = try await formPost(client, "/withdraw", [("token", "x")], headers: [.origin: "null"])
            #expect(nullOrigin.status == .forbidden)
            #expect(try await harness.campaignd.claimTokens().isEmpty, "nothing was signed")
            let own = try await formPost(client, "/sign", fields, headers: [.origin: "https://letter.example.org"])
            #expect(own.status == .seeOther)
            let sameHost = try await formPost(
                client, "/sign", fields, headers: [.origin: "http://localhost", .init("Sec-Fetch-Site")!: "same-origin"])
            #expect(sameHost.status == .seeOther, "the Host header's origin is the site's own")
        }
    }

    @Test func securityHeadersArePresentWithAFreshNonceForEachResponse() async throws {
        let harness = try SiteHarness()
        try await harness.test { client in
            var nonces: [String] = []
            for uri in ["/", "/", "/signers", "/no-such-page"] {
                let response = try await client.execute(uri: uri, method: .get)
                let csp = try #require(response.headers[.contentSecurityPolicy], "CSP on \(uri)")
                #expect(csp.contains("default-src 'self'; script-src 'self' 'nonce-"))
                #expect(csp.contains("frame-ancestors 'none'; base-uri 'none'; form-action 'self'"))
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[.init("Referrer-Policy")!] == "same-origin")
                #expect(response.headers[.init("X-Frame-Options")!] == "DENY")
                for name in [
                    HTTPFields.Element.Name.contentSecurityPolicy, .xContentTypeOptions, .init("Referrer-Policy")!,
                    .init("X-Frame-Options")!,
                ] {
                    #expect(response.headers[values: name].count == 1, "\(name) once on \(uri)")
                }
                let nonce = try #require(csp.split(separator: "'nonce-").last?.split(separator: "'").first.map(String.init))
                nonces.append(nonce)
                #expect(response.text.contains("<script src=\"\(LiveScript.versionedPath)\" nonce=\"\(nonce)\" defer></script>"))
                if uri == "/no-such-page" {
                    #expect(response.status == .notFound)
                    #expect(response.text.contains("Page not found"), "a page of the site, not an empty 404")
                }
            }
            #expect(Set(nonces).count == nonces.count, "a fresh nonce per response")
            #expect(nonces.allSatisfy { $0.count >= 22 })
        }
    }

    @Test func xForwardedForIsIgnoredUnlessThePeerIsATrustedProxy() async throws {
        let untrusting = try SiteHarness()
        try await untrusting.test(.live) { client in
            let response = try await formPost(
                client, "/sign", [("name", "Ada"), ("email", "ada@example.org")], headers: [.init("X-Forwarded-For")!: "203.0.113.7"])
            #expect(response.status == .seeOther)
        }
        let exported = try await untrusting.campaignd.admin().call(ExportSignatures())
        #expect(exported.items.first?.client?.ip == "127.0.0.1")

        let trusting = try SiteHarness { $0.trustedProxies = [CIDR("127.0.0.0/8")].compactMap { $0 } }
        try await trusting.test(.live) { client in
            let response = try await formPost(
                client, "/sign", [("name", "Ada"), ("email", "ada@example.org")],
                headers: [.init("X-Forwarded-For")!: "198.51.100.1, 203.0.113.7", .userAgent: "TestBrowser/1.0"])
            #expect(response.status == .seeOther)
        }
        let trusted = try await trusting.campaignd.admin().call(ExportSignatures())
        #expect(trusted.items.first?.client?.ip == "203.0.113.7", "the right-most hop the trusted proxy added")
        #expect(trusted.items.first?.client?.userAgent == "TestBrowser/1.0")
    }

    @Test func tweetLinksRedirectToTheIntentURL() async throws {
        let harness = try SiteHarness()
        try await harness.test { client in
            let response = try await client.execute(uri: "/t/tweet-1", method: .get)
            #expect(response.status == .seeOther)
            #expect(response.headers[.location]?.hasPrefix("https://twitter.com/intent/tweet?text=") == true)
            let unknown = try await client.execute(uri: "/t/no-such-tweet", method: .get)
            #expect(unknown.status == .notFound)
        }
    }

    @Test func thePledgeFormPledgesAndShowsItsErrors() async throws {
        let harness = try SiteHarness()
        try await harness.test { client in
            let html = try await client.execute(uri: "/", method: .get).text
            #expect(html.contains("name=\"amount.amountMinor\" value=\"2500\""))
            let key = try #require(
                html.split(separator: "name=\"idempotencyKey\" value=\"").dropFirst().first?.split(separator: "\"").first)
            let fields = [
                ("name", "Ada Lovelace"), ("email", "ada@example.org"), ("amount.amountMinor", "2500"), ("amount.currency", "USD"),
                ("idempotencyKey", String(key)), ("showName", "true"),
            ]
            let response = try await formPost(client, "/pledge", fields)
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/thanks?kind=pledge")
            let again = try await formPost(client, "/pledge", fields)
            #expect(again.headers[.location] == "/thanks?kind=pledge", "the same form sent twice")
            let claimed = try await harness.campaignd.claimTokens().filter { $0.kind == .pledgeConfirm }
            #expect(claimed.count == 1, "one pledge for the form sent twice")

            let tooMuch = try await formPost(
                client, "/pledge",
                [("name", "Ada"), ("email", "ada2@example.org"), ("amount.amountMinor", "999999999"), ("amount.currency", "USD")])
            #expect(tooMuch.status == .unprocessableContent)
            #expect(tooMuch.text.contains("id=\"pledge-amount-amountMinor-error\""))
            #expect(tooMuch.text.contains("value=\"ada2@example.org\""))
            let wrongCurrency = try await formPost(
                client, "/pledge",
                [("name", "Ada"), ("email", "ada4@example.org"), ("amount.amountMinor", "2500"), ("amount.currency", "EUR")])
            #expect(wrongCurrency.status == .unprocessableContent)
            #expect(
                wrongCurrency.text.contains("<div class=\"error-summary\" role=\"alert\""), "a hidden field's error shows above the form")
            let noAmount = try await formPost(client, "/pledge", [("name", "Ada"), ("email", "ada3@example.org")])
            #expect(noAmount.status == .unprocessableContent)
            #expect(noAmount.text.contains("Choose an amount."))
        }
    }

    @Test func theRSVPFormRSVPsAndShowsItsErrors() async throws {
        let harness = try SiteHarness()
        try await harness.test { client in
            let response = try await formPost(
                client, "/events/\(Self.protest)/rsvp", [("name", "Ada Lovelace"), ("email", "ada@example.org"), ("guests", "2")])
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/thanks?kind=rsvp")
            let bad = try await formPost(
                client, "/events/\(Self.protest)/rsvp", [("name", "Ada Lovelace"), ("email", "nope"), ("phone", "+1 555 0100")])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("id=\"rsvp-\(Self.protest)-email-error\""))
            #expect(bad.text.contains("value=\"+1 555 0100\""))
            let tooMany = try await formPost(
                client, "/events/\(Self.protest)/rsvp", [("name", "Ada"), ("email", "ada@example.org"), ("guests", "9")])
            #expect(tooMany.text.contains("id=\"rsvp-\(Self.protest)-guests-error\""))
            let unknown = try await formPost(client, "/events/no-such-event/rsvp", [("name", "Ada"), ("email", "ada@example.org")])
            #expect(unknown.status == .notFound)
            let token = try #require(try await harness.campaignd.claimTokens().first { $0.kind == .rsvpConfirm }?.token)
            let confirmed = try await client.execute(uri: "/confirm?token=\(token)", method: .get)
            #expect(confirmed.text.contains("Rsvp confirmed") || confirmed.text.contains("RSVP confirmed"))
            #expect(confirmed.text.contains("Protest outside Northwind Connect 2027"))
            let form = try await client.execute(uri: "/withdraw?token=\(token)", method: .get)
            #expect(form.text.contains("Cancel my RSVP</button>"))
            let withdrawn = try await formPost(client, "/withdraw", [("token", token)])
            #expect(withdrawn.text.contains("RSVP withdrawn"))
            #expect(try await harness.site.backend.call(GetToken(token: token)).status == "cancelled")
        }
    }

    @Test func tooManyPledgesFromOneAddressGetAPoliteTooManyAttemptsPage() async throws {
        // Behind a proxy on a Unix socket: the router test's peer has no address, as a Unix peer has none.
        let harness = try SiteHarness { $0.trustsUnixPeers = true }
        try await harness.test { client in
            var last: TestResponse?
            for i in 1...4 {
                last = try await formPost(
                    client, "/pledge",
                    [("name", "Ada"), ("email", "ada\(i)@example.org"), ("amount.amountMinor", "2500"), ("amount.currency", "USD")],
                    headers: [.init("X-Forwarded-For")!: "203.0.113.9"])
            }
            let refused = try #require(last)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.text.contains("Too many attempts from your connection. Please try again in "))
            let seconds = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
            #expect((1...60).contains(seconds))
            #expect(refused.text.contains("try again in \(seconds) seconds"))
        }
    }

    @Test func healthzIs503WhileCampaigndIsDownAnd200AfterItComesBack() async throws {
        let harness = try SiteHarness()
        try await harness.test { client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            harness.campaignd.stop()
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .serviceUnavailable)
            let page = try await client.execute(uri: "/signers", method: .get)
            #expect(page.status == .serviceUnavailable)
            #expect(page.text.contains("Busy, please try again"))
            try harness.campaignd.start()
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            // A write right after the restart goes out on the new connection.
            let signed = try await formPost(client, "/sign", [("name", "Ada"), ("email", "ada@example.org")])
            #expect(signed.status == .seeOther)
        }
    }

    @Test func theStylesheetIsServedWithALongCacheLifetimeAndItsHashInItsURL() async throws {
        let harness = try SiteHarness()
        try await harness.test { client in
            let html = try await client.execute(uri: "/", method: .get).text
            let url = harness.site.state.templates.cssURL
            #expect(html.contains("<link rel=\"stylesheet\" href=\"\(url)\">"))
            let css = try await client.execute(uri: url, method: .get)
            #expect(css.status == .ok)
            #expect(css.headers[.contentType] == "text/css; charset=utf-8")
            #expect(css.headers[.cacheControl] == "public, max-age=31536000, immutable")
        }
    }
}
