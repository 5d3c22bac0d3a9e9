"""Fixtures of the browser tests: the site behind nginx (one per session) and browsers."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import harness  # noqa: E402

SITE_SOURCES = os.path.join(harness.ROOT, "Clients", "campaign-web")


@pytest.fixture(scope="session")
def stack(request):
    """SMTP sink, campaignd, mailer, campaign-web and nginx, stopped at the end even on failure; after a
    failure the processes' logs are printed and their directory kept."""
    if not os.path.isdir(SITE_SOURCES):
        pytest.skip("Clients/campaign-web is not in this tree yet")
    site = harness.Stack()
    failures = request.session.testsfailed
    try:
        site.start()
        yield site
    except BaseException:
        failures = -1
        raise
    finally:
        failed = failures == -1 or request.session.testsfailed > failures
        if failed:
            report(request, site)
        site.stop(keep=failed)


def report(request, site):
    terminal = request.config.pluginmanager.get_plugin("terminalreporter")
    if terminal is None:
        return
    terminal.write_line("")
    terminal.write_line("kept %s; the last lines of each process's log:" % site.directory)
    for name in sorted(os.listdir(site.processes.logs)):
        with open(os.path.join(site.processes.logs, name), errors="replace") as f:
            tail = f.readlines()[-15:]
        terminal.write_line("--- %s" % name)
        for line in tail:
            terminal.write_line("    " + line.rstrip())


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
