"""The harness's own processes, without the site: what the browser tests stand on."""
import os

import harness


def test_backend_mails_a_confirmation_link_to_the_site_and_stops():
    stack = harness.Stack()
    try:
        stack.start_backend()
        stack.public("letter.sign", {"name": "Harness Check", "email": "harness@example.org",
                                     "client": {"ip": "192.0.2.10"}})
        message = stack.mailbox.wait_for("harness@example.org")
        links = harness.links_in(message, "/confirm")
        assert links and all(link.startswith(stack.base + "/confirm?token=") for link in links)
        children = [process for _, process, _ in stack.processes.children]
        assert all(process.poll() is None for process in children)
    finally:
        stack.stop()
    assert all(process.poll() is not None for process in children)
    assert not os.path.exists(stack.directory)


def test_a_browser_with_javascript_off_runs_no_script(browsers):
    page = "data:text/html,<title>before</title><script>document.title='ran'</script>"
    off = browsers(javascript=False)
    off.get(page)
    assert off.title == "before"
    on = browsers()
    on.get(page)
    assert on.title == "ran"
