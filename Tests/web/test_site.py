"""campaign-web in headless chromium, through nginx with deploy/nginx/campaign-web.conf, against real
campaignd, mailer and SMTP sink processes (issue 11, "How it is checked")."""
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By

import harness
import pages
from pages import fill, form, main_text, open_link, sign, submit, unique_email


def exported(stack, email):
    """The stored signature of `email` (admin export), or None."""
    after = None
    while True:
        params = {"limit": 1000}
        if after:
            params["after"] = after
        page = stack.admin("signatures.export", params)
        for item in page["items"]:
            if item.get("email") == email:
                return item
        after = page.get("next")
        if not after:
            return None


def test_signing_mails_a_link_that_confirms_and_an_open_page_counts_it_live(stack, browsers):
    watcher = browsers()
    watcher.get(stack.url("/"))
    live = watcher.find_element(By.CSS_SELECTOR, '[data-live="signatures.confirmed"]')
    assert watcher.execute_script("return arguments[0].closest('[role=status]') !== null", live)
    before = pages.figure(watcher, "signatures.confirmed")
    watcher.execute_script("window.stillTheSamePage = true")

    signer = browsers()
    email = unique_email("live")
    sign(signer, stack, name="Rosa Live", email=email)
    assert "email" in main_text(signer).lower()
    message = stack.mailbox.wait_for(email)
    open_link(signer, message, "/confirm")
    assert "Rosa Live" in main_text(signer)
    assert stack.public("signatures.count")["confirmed"] == before + 1

    harness.wait_for(lambda: pages.figure(watcher, "signatures.confirmed") == before + 1,
                     "the open page to show %d without a reload" % (before + 1))
    assert watcher.execute_script("return window.stillTheSamePage === true")


def test_a_repeat_signature_gets_the_same_page(stack, browser):
    email = unique_email("repeat")
    sign(browser, stack, name="Ana Repeat", email=email)
    first = main_text(browser)
    sign(browser, stack, name="Ana Repeat", email=email)
    assert main_text(browser) == first
    sign(browser, stack, name="Someone Else", email=unique_email("other"))
    assert main_text(browser) == first


def test_a_bad_email_is_shown_next_to_its_field_with_the_other_fields_kept(stack, browser):
    # "someone@localhost" passes the browser's own type=email check; campaignd refuses it (data.field).
    sign(browser, stack, name="Kept Name", email="someone@localhost", organization="Kept Organisation")
    signing = form(browser, "/sign")
    error = pages.error_for(signing, "email")
    assert error is not None, "no error text tied to the email field"
    assert pages.field(signing, "email").get_attribute("aria-invalid") == "true"
    assert pages.error_for(signing, "name") is None
    assert pages.field(signing, "name").get_attribute("value") == "Kept Name"
    assert pages.field(signing, "organization").get_attribute("value") == "Kept Organisation"
    assert pages.field(signing, "email").get_attribute("value") == "someone@localhost"
    # Next to it: the error sits within a few lines of its field, not at the top of the page.
    field_box = pages.field(signing, "email").rect
    assert abs(error.rect["y"] - field_box["y"]) < 150
    harness.screenshot(browser, "form-with-errors")
    assert pages.serious_violations(browser) == []


def test_a_field_in_error_is_outlined_unlike_the_others(stack, browser):
    # Sighted supporters find the field by its border as well as by the message above it.
    sign(browser, stack, name="Kept Name", email="someone@localhost")
    signing = form(browser, "/sign")

    def border(name):
        return browser.execute_script(
            "const s = getComputedStyle(arguments[0]); return [s.borderTopColor, s.borderTopWidth];",
            pages.field(signing, name))

    assert border("email") != border("name")


def test_pledging_mails_a_link_that_confirms_the_pledge(stack, browser):
    before = stack.public("fundraiser.get")
    email = unique_email("pledge")
    browser.get(stack.url("/"))
    pledge = form(browser, "/pledge")
    fill(pledge, {"name": "Pat Pledge", "email": email})
    # The amounts are offered as choices (minor units, as the API's amount.amountMinor): take the first.
    amount = pledge.find_elements(By.CSS_SELECTOR, 'input[type=radio][name="amount.amountMinor"]')[0]
    amount.click()
    minor = int(amount.get_attribute("value"))
    submit(browser, pledge)
    assert "email" in main_text(browser).lower()
    message = stack.mailbox.wait_for(email)
    token = pages.token_of(open_link(browser, message, "/confirm"))
    assert "Pat Pledge" in main_text(browser)
    assert stack.public("tokens.get", {"token": token})["status"] == "confirmed"
    after = stack.public("fundraiser.get")
    assert after["pledgeCount"] == before["pledgeCount"] + 1
    assert after["pledged"]["amountMinor"] == before["pledged"]["amountMinor"] + minor


def rsvp(driver, stack, event_id, name, email):
    driver.get(stack.url("/"))
    reply = form(driver, "/events/%s/rsvp" % event_id)
    fill(reply, {"name": name, "email": email})
    submit(driver, reply)
    message = stack.mailbox.wait_for(email)
    confirm = open_link(driver, message, "/confirm")
    return message, pages.token_of(confirm)


def test_rsvp_to_a_full_event_waitlists_and_a_withdrawal_promotes(stack, browser):
    event = stack.admin("events.create", {
        "id": "tiny-meeting", "title": "Tiny planning meeting", "description": "One seat only.",
        "startsAt": "2027-04-10T17:00:00Z", "timeZone": "America/Los_Angeles",
        "location": {"venue": "A small room", "city": "San Francisco", "country": "US"},
        "capacity": 1, "maxGuests": 0})
    first_message, first_token = rsvp(browser, stack, event["id"], "First Comer", unique_email("first"))
    assert stack.public("tokens.get", {"token": first_token})["status"] == "going"
    _, second_token = rsvp(browser, stack, event["id"], "Second Comer", unique_email("second"))
    assert stack.public("tokens.get", {"token": second_token})["status"] == "waitlisted"
    assert "wait" in main_text(browser).lower()

    open_link(browser, first_message, "/withdraw")
    submit(browser, form(browser, "/withdraw"))
    assert stack.public("tokens.get", {"token": first_token})["status"] == "cancelled"
    assert stack.public("tokens.get", {"token": second_token})["status"] == "going"
    counts = stack.public("events.get", {"eventId": event["id"]})
    assert (counts["going"], counts["waitlisted"]) == (1, 0)


def test_withdrawing_needs_the_button(stack, browser):
    email = unique_email("withdraw")
    sign(browser, stack, name="Wanda Withdraw", email=email)
    message = stack.mailbox.wait_for(email)
    token = pages.token_of(open_link(browser, message, "/confirm"))
    assert stack.public("tokens.get", {"token": token})["status"] == "confirmed"

    open_link(browser, message, "/withdraw")
    assert stack.public("tokens.get", {"token": token})["status"] == "confirmed"
    button_form = form(browser, "/withdraw")
    submit(browser, button_form)
    assert stack.public("tokens.get", {"token": token})["status"] == "withdrawn"


def test_signing_works_with_javascript_off(stack, browsers):
    driver = browsers(javascript=False)
    before = stack.public("signatures.count")["confirmed"]
    email = unique_email("nojs")
    sign(driver, stack, name="Noel Script", email=email)
    open_link(driver, stack.mailbox.wait_for(email), "/confirm")
    assert "Noel Script" in main_text(driver)
    assert stack.public("signatures.count")["confirmed"] == before + 1


def test_a_name_carrying_script_is_shown_as_text(stack, browser):
    name = "<script>document.title='owned'</script> Eve <b>Bold</b>"
    email = unique_email("xss")
    sign(browser, stack, name=name, email=email, showName=True)
    open_link(browser, stack.mailbox.wait_for(email), "/confirm")
    assert name in main_text(browser)
    for path in ("/signers", "/letter/print", "/"):
        browser.get(stack.url(path))
        assert browser.title != "owned", path
        assert name in browser.find_element(By.TAG_NAME, "body").text, path
        assert not browser.find_elements(By.XPATH, "//b[text()='Bold']"), path
    try:
        browser.switch_to.alert
        pytest.fail("a script from the name ran")
    except NoAlertPresentException:
        pass


class ForeignSite(ThreadingHTTPServer):
    """A page on another origin that posts a signing form to the campaign site as soon as it loads."""

    def __init__(self, target, email):
        page = ("<!doctype html><html lang=en><title>Elsewhere</title><body onload='document.forms[0].submit()'>"
                "<form method=post action='%s'><input name=name value='Cross Site'><input name=email value='%s'>"
                "</form></body></html>" % (target, email)).encode()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


def test_a_cross_site_form_post_is_refused(stack, browser):
    email = unique_email("csrf")
    elsewhere = ForeignSite(stack.url("/sign"), email)
    try:
        # localhost, not 127.0.0.1: another site altogether, as an attacker's page would be.
        browser.get("http://localhost:%d/" % elsewhere.server_address[1])
        harness.wait_for(lambda: browser.current_url.startswith(stack.base), "the cross-site post to land")
    finally:
        elsewhere.shutdown()
        elsewhere.server_close()
    assert exported(stack, email) is None
    status, _, _ = harness.fetch(stack.url("/sign"), method="POST",
                                 data=urlencode({"name": "Cross Site", "email": email}).encode(),
                                 headers={"Origin": "https://attacker.example",
                                          "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403
    assert exported(stack, email) is None


def test_security_headers_are_present(stack):
    status, headers, body = harness.fetch(stack.url("/"))
    assert status == 200
    csp = headers["Content-Security-Policy"]
    assert csp, "no Content-Security-Policy"
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert "frame-ancestors 'none'" in directives.get("frame-ancestors", "")
    scripts = directives.get("script-src") or directives.get("default-src", "")
    assert "'unsafe-inline'" not in scripts and "*" not in scripts.split() and "https:" not in scripts.split()
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"]
    # Every inline script carries this response's nonce; every other script comes from the site itself.
    nonce = re.search(r"'nonce-([^']+)'", scripts)
    for tag in re.findall(rb"<script\b[^>]*>", body):
        src = re.search(rb"\bsrc=[\"']?([^\"' >]+)", tag)
        if src:
            assert src.group(1).startswith(b"/") and not src.group(1).startswith(b"//"), tag
        else:
            assert nonce and (b'nonce="%s"' % nonce.group(1).encode()) in tag, tag
    for cookie in headers.get_all("Set-Cookie") or []:
        lowered = cookie.lower()
        assert "secure" in lowered and "httponly" in lowered and "samesite=lax" in lowered, cookie


def test_the_visitors_address_reaching_campaignd_is_the_one_nginx_saw(stack, browser):
    # The browser claims another address; nginx replaces the header with the peer it saw.
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"X-Forwarded-For": "203.0.113.77"}})
    email = unique_email("address")
    sign(browser, stack, name="Ada Address", email=email)
    record = harness.wait_for(lambda: exported(stack, email), "the signature in signatures.export")
    assert record["client"]["ip"] == "127.0.0.1"


def test_home_has_no_serious_accessibility_violation(stack, browser):
    browser.get(stack.url("/"))
    assert pages.serious_violations(browser) == []


def test_confirm_page_has_no_serious_accessibility_violation(stack, browser):
    email = unique_email("axe")
    sign(browser, stack, name="Axel Confirm", email=email, organization="Confirm & Co")
    open_link(browser, stack.mailbox.wait_for(email), "/confirm")
    harness.screenshot(browser, "confirm")
    assert pages.serious_violations(browser) == []


def confirmed_public_signer(stack, name, organization):
    """A public signer, signed and confirmed through the API (the mail's link), for pages that list them."""
    email = unique_email("listed")
    stack.public("letter.sign", {"name": name, "email": email, "organization": organization, "showName": True,
                                 "client": {"ip": "192.0.2.44"}})
    link = harness.links_in(stack.mailbox.wait_for(email), "/confirm")[0]
    stack.public("tokens.confirm", {"token": pages.token_of(link)})


def test_home_fits_a_390_px_phone_without_sideways_scrolling(stack, browsers):
    # Signers' names and organisations are the supporters' own words: a long German compound must wrap.
    confirmed_public_signer(stack, "Maximiliane Schwarzenberger",
                            "Landesdatenschutzbeauftragtenbüroverwaltungsgesellschaft")
    phone = browsers(width=390, height=844, mobile=True)
    harness.wait_for(lambda: phone.get(stack.url("/")) or "Maximiliane" in phone.page_source,
                     "the new signer on the (cached) page")
    # Measured before the screenshot, which lays the page out again at its full height.
    width = phone.execute_script("return document.documentElement.scrollWidth")
    harness.screenshot(phone, "home-phone-390")
    assert width <= 390


def test_screenshots_of_home_and_the_printed_letter(stack, browser):
    browser.get(stack.url("/"))
    harness.screenshot(browser, "home-desktop-1280")
    browser.get(stack.url("/letter/print"))
    assert browser.find_elements(By.TAG_NAME, "h1")
    harness.screenshot(browser, "letter-print")
    # As the printer gets it: the print stylesheet in force.
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    harness.screenshot(browser, "letter-print-media")
