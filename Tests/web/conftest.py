"""Fixtures of the browser tests: the site behind nginx (one per session) and browsers."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import harness  # noqa: E402

SITE_SOURCES = os.path.join(harness.ROOT, "Clients", "campaign-web")


@pytest.fixture(scope="session")
def stack():
    """SMTP sink, campaignd, mailer, campaign-web and nginx, stopped at the end even on failure."""
    if not os.path.isdir(SITE_SOURCES):
        pytest.skip("Clients/campaign-web is not in this tree yet")
    site = harness.Stack()
    try:
        site.start()
        yield site
    finally:
        site.stop()


@pytest.fixture
def browsers():
    """Opens browsers with `browsers(javascript=..., width=..., ...)`; all quit after the test."""
    opened = []

    def open_browser(**kwargs):
        driver = harness.chrome(**kwargs)
        opened.append(driver)
        return driver

    yield open_browser
    for driver in opened:
        driver.quit()


@pytest.fixture
def browser(browsers):
    return browsers()
