"""What a supporter does on the site, in selenium terms: fill a form by the API's field names, submit it,
follow a link from a message, read the live figures."""
import os
import re
import uuid
from urllib.parse import urlsplit

from selenium.common.exceptions import NoSuchElementException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import harness


def unique_email(label):
    return "%s-%s@example.org" % (label, uuid.uuid4().hex[:10])


def form(driver, action):
    """The form that posts to `action` (e.g. /sign, /pledge, /events/ID/rsvp)."""
    for candidate in driver.find_elements(By.CSS_SELECTOR, "form"):
        target = urlsplit(candidate.get_attribute("action") or "").path
        if target.endswith(action) and (candidate.get_attribute("method") or "").lower() == "post":
            return candidate
    raise AssertionError("no <form method=post action=%s> on %s" % (action, driver.current_url))


def field(container, name):
    return container.find_element(By.NAME, name)


def fill(container, values):
    """Types each value into the field of that name; True/False tick or untick a checkbox; a value for a
    <select> picks the option with that value, or else that label."""
    for name, value in values.items():
        element = field(container, name)
        kind = (element.get_attribute("type") or "").lower()
        if element.tag_name == "select":
            select = Select(element)
            try:
                select.select_by_value(str(value))
            except NoSuchElementException:
                select.select_by_visible_text(str(value))
        elif kind in ("checkbox", "radio"):
            if element.is_selected() != bool(value):
                element.click()
        else:
            element.clear()
            element.send_keys(str(value))


def submit(driver, container):
    """Presses the form's submit button and waits for the next page (a new document, loaded)."""
    buttons = container.find_elements(By.CSS_SELECTOR, "button:not([type]), button[type=submit], input[type=submit]")
    assert buttons, "the form has no submit button"
    # A mark on the old document (WebDriver's scripts run even with the page's JavaScript off).
    driver.execute_script("window.pageBeforeSubmit = true")
    buttons[0].click()

    def replaced():
        try:
            return driver.execute_script(
                "return window.pageBeforeSubmit === undefined && document.readyState === 'complete'")
        except WebDriverException:
            return False  # between two documents

    harness.wait_for(replaced, "the page after submitting the form")


def sign(driver, stack, **values):
    driver.get(stack.url("/"))
    signing = form(driver, "/sign")
    fill(signing, values)
    submit(driver, signing)


def main_text(driver):
    """The page's content without its header and footer (the part that answers the visitor)."""
    mains = driver.find_elements(By.TAG_NAME, "main")
    return (mains[0] if mains else driver.find_element(By.TAG_NAME, "body")).text


def open_link(driver, message, path):
    """Opens the first link to `path` (e.g. /confirm) in a message, as a supporter would."""
    links = harness.links_in(message, path)
    assert links, "no %s link in the message:\n%s" % (path, harness.text_of(message))
    driver.get(links[0])
    return links[0]


def token_of(link):
    return re.search(r"token=([A-Za-z0-9_\-]+)", link).group(1)


def figure(driver, name):
    """An integer shown in `data-live=NAME` (digits only: "1,234 signatures" is 1234)."""
    element = driver.find_element(By.CSS_SELECTOR, '[data-live="%s"]' % name)
    digits = re.sub(r"[^0-9]", "", element.text)
    assert digits, "data-live=%s shows no number: %r" % (name, element.text)
    return int(digits)


def error_for(container, name):
    """The error text shown for field `name` of a form: the element its aria-describedby names that reads
    as an error (or ID-error), which is how a screen reader also finds it."""
    element = field(container, name)
    ids = (element.get_attribute("aria-describedby") or "").split() + [(element.get_attribute("id") or name) + "-error"]
    for ident in ids:
        found = container.find_elements(By.ID, ident)
        if found and found[0].is_displayed() and found[0].text.strip():
            if "error" in ident or "error" in (found[0].get_attribute("class") or ""):
                return found[0]
    return None


def axe_source():
    """axe.min.js from a PyPI package (installed by scripts/install-deps.sh); see harness docs."""
    import importlib.util

    spec = importlib.util.find_spec("axe_playwright_python")
    assert spec and spec.submodule_search_locations, "axe-playwright-python is not installed"
    with open(os.path.join(spec.submodule_search_locations[0], "axe.min.js")) as f:
        return f.read()


def serious_violations(driver):
    """axe-core's serious and critical violations on the current page, as readable lines."""
    driver.execute_script(axe_source())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(done, e => done({error: String(e)}));")
    assert "error" not in result, result
    lines = []
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:5])
            lines.append("%s (%s): %s — %s" % (violation["id"], violation["impact"], violation["help"], targets))
    return lines
