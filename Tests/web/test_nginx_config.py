"""deploy/nginx/campaign-web.conf itself, in front of a stand-in upstream: what it promises operators."""
import gzip
import http.client
import json
import os
import shutil
import tempfile

import pytest

import harness
from echo_upstream import EchoUpstream


@pytest.fixture(scope="module")
def proxy():
    directory = tempfile.mkdtemp(prefix="campaign-nginx-tests-")
    processes = harness.Processes(directory)
    upstream = EchoUpstream()
    https_port, http_port = harness.free_port(), harness.free_port()
    try:
        harness.start_nginx(processes, os.path.join(directory, "nginx"), https_port, http_port, upstream.address)
        yield {"https": https_port, "http": http_port, "upstream": upstream, "base": "https://127.0.0.1:%d" % https_port}
    finally:
        processes.stop_all()
        upstream.stop()
        shutil.rmtree(directory, ignore_errors=True)


def test_forwarded_for_is_nginx_view_not_the_clients_header(proxy):
    status, _, body = harness.fetch(proxy["base"] + "/echo", headers={"X-Forwarded-For": "203.0.113.9"})
    assert status == 200
    headers = json.loads(body)["headers"]
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "https"


def test_host_reaches_the_upstream(proxy):
    _, _, body = harness.fetch(proxy["base"] + "/echo", headers={"Host": "campaign.example.org"})
    assert json.loads(body)["headers"]["host"] == "campaign.example.org"


def test_upstream_is_spoken_to_in_http_1_1(proxy):
    _, _, body = harness.fetch(proxy["base"] + "/echo")
    assert json.loads(body)["version"] == "HTTP/1.1"


def test_text_is_gzipped(proxy):
    for path in ("/", "/style.css"):
        status, headers, body = harness.fetch(proxy["base"] + path, headers={"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["Content-Encoding"] == "gzip", path
        assert gzip.decompress(body)


def test_hsts_is_sent(proxy):
    _, headers, _ = harness.fetch(proxy["base"] + "/")
    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_plain_http_redirects_to_https(proxy):
    status, headers, _ = harness.fetch("http://127.0.0.1:%d/letter/print" % proxy["http"])
    assert status == 301
    assert headers["Location"].startswith("https://") and headers["Location"].endswith("/letter/print")


def test_live_events_are_not_buffered(proxy):
    connection = http.client.HTTPSConnection("127.0.0.1", proxy["https"], context=harness.insecure_context(),
                                             timeout=harness.PATIENCE)
    try:
        connection.request("GET", "/live", headers={"Accept": "text/event-stream", "Accept-Encoding": "gzip"})
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Encoding") is None
        lines = []
        # The upstream holds the second event until the first has arrived here.
        while b"data: first\n" not in lines:
            lines.append(response.readline())
        proxy["upstream"].second_event.set()
        while b"data: second\n" not in lines:
            lines.append(response.readline())
    finally:
        connection.close()


def test_live_read_timeout_outlasts_the_keepalive():
    with open(harness.NGINX_CONF) as f:
        text = f.read()
    live = text[text.index("location = /live"):]
    live = live[:live.index("}")]
    timeout = live.split("proxy_read_timeout", 1)[1].split(";", 1)[0].strip()
    seconds = {"s": 1, "m": 60, "h": 3600}[timeout[-1]] * int(timeout[:-1]) if timeout[-1] in "smh" else int(timeout)
    assert seconds > 15


def test_chromium_loads_a_page_through_nginx_and_screenshots_it(proxy, browser):
    browser.get(proxy["base"] + "/")
    assert browser.find_element("css selector", "h1").text == "Stand-in upstream"
    path = harness.screenshot(browser, "harness-stand-in")
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
