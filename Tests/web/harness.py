"""The processes the browser tests run: an SMTP sink, campaignd, the mailer, campaign-web and nginx with
deploy/nginx/campaign-web.conf, each on a temporary directory and ephemeral port, stopped at the end."""
import email
import email.policy
import glob
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

from rpc import LineClient

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("CAMPAIGND_BUILD_DIR", os.path.join(ROOT, ".build", "debug"))
EXAMPLE_CAMPAIGN = os.path.join(ROOT, "Schemas", "examples", "northwind.campaign.json")
NGINX_CONF = os.path.join(ROOT, "deploy", "nginx", "campaign-web.conf")
SMTP_SERVER = os.path.join(ROOT, "Tests", "SMTPClientTests", "smtp_server.py")
SCREENSHOTS = os.path.join(ROOT, "Tests", "web", "screenshots")
CHROMEDRIVER = "/usr/bin/chromedriver"

# How long a start or a delivery may take before the test gives up (a bound on waiting, not a measure).
PATIENCE = float(os.environ.get("WEB_TEST_PATIENCE", "60"))


def wait_for(predicate, what, timeout=PATIENCE, interval=0.05):
    """Polls until `predicate()` returns something truthy, and returns it; fails naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting for %s" % what)
        time.sleep(interval)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connectable(address):
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.connect(address)
            return True
        except OSError:
            return False


def make_certificate(directory):
    """A self-signed certificate for 127.0.0.1 (the browser is told to accept it)."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", key, "-out", cert,
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def replace_once(text, old, new):
    """The example config must still contain `old`: the tests run what operators copy, not a look-alike."""
    count = text.count(old)
    if count == 0:
        raise AssertionError("deploy/nginx/campaign-web.conf no longer contains %r" % old)
    return text.replace(old, new)


def render_nginx(prefix, https_port, http_port, cert, key, upstream):
    """nginx.conf for a foreground nginx in `prefix`: the example server blocks with this run's ports,
    certificate and upstream, and the main context an `nginx -p PREFIX` of our own needs."""
    with open(NGINX_CONF) as f:
        site = f.read()
    site = replace_once(site, "server unix:/run/campaign-web/web.sock;", "server %s;" % upstream)
    site = replace_once(site, "listen 80;", "listen 127.0.0.1:%d;" % http_port)
    site = replace_once(site, "listen 443 ssl http2;", "listen 127.0.0.1:%d ssl http2;" % https_port)
    site = re.sub(r"^\s*listen \[::\]:\d+.*$\n", "", site, flags=re.M)
    site = replace_once(site, "/etc/letsencrypt/live/campaign.example.org/fullchain.pem", cert)
    site = replace_once(site, "/etc/letsencrypt/live/campaign.example.org/privkey.pem", key)
    site_path = os.path.join(prefix, "campaign-web.conf")
    with open(site_path, "w") as f:
        f.write(site)
    temp = os.path.join(prefix, "tmp")
    os.makedirs(temp, exist_ok=True)
    # Running as root, nginx's workers would become `nobody` and could not reach the sockets in a
    # private temporary directory.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    main = (
        "%(user)sdaemon off;\nworker_processes 1;\npid %(prefix)s/nginx.pid;\nerror_log %(prefix)s/error.log info;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        "    default_type application/octet-stream;\n"
        "    access_log %(prefix)s/access.log;\n"
        "    client_body_temp_path %(temp)s/body;\n    proxy_temp_path %(temp)s/proxy;\n"
        "    fastcgi_temp_path %(temp)s/fastcgi;\n    uwsgi_temp_path %(temp)s/uwsgi;\n    scgi_temp_path %(temp)s/scgi;\n"
        "    include %(site)s;\n"
        "}\n") % {"user": user, "prefix": prefix, "temp": temp, "site": site_path}
    path = os.path.join(prefix, "nginx.conf")
    with open(path, "w") as f:
        f.write(main)
    return path


class Processes:
    """Children started in order and stopped in reverse, SIGTERM then SIGKILL; output to DIR/logs/NAME.log."""

    def __init__(self, directory):
        self.logs = os.path.join(directory, "logs")
        os.makedirs(self.logs, exist_ok=True)
        self.children = []

    def start(self, name, argv, **kwargs):
        log = open(os.path.join(self.logs, name + ".log"), "ab")
        kwargs.setdefault("stdout", log)
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        process = subprocess.Popen(argv, stderr=log, **kwargs)
        self.children.append((name, process, log))
        return process

    def check_running(self):
        for name, process, _ in self.children:
            if process.poll() is not None:
                raise AssertionError("%s exited with %s; see %s" % (name, process.returncode, self.log_path(name)))

    def log_path(self, name):
        return os.path.join(self.logs, name + ".log")

    def stop_all(self):
        for name, process, log in reversed(self.children):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if process.stdin:
                process.stdin.close()
            if process.stdout and process.stdout is not log:
                process.stdout.close()
            log.close()
        self.children = []


def start_nginx(processes, prefix, https_port, http_port, upstream):
    os.makedirs(prefix, exist_ok=True)
    cert, key = make_certificate(prefix)
    conf = render_nginx(prefix, https_port, http_port, cert, key, upstream)
    subprocess.run(["nginx", "-t", "-q", "-p", prefix, "-e", os.path.join(prefix, "error.log"), "-c", conf], check=True)
    processes.start("nginx", ["nginx", "-p", prefix, "-e", os.path.join(prefix, "error.log"), "-c", conf])
    wait_for(lambda: connectable(("127.0.0.1", https_port)), "nginx on port %d" % https_port)


def insecure_context():
    """TLS to our own self-signed nginx."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url, data=None, headers=None, method=None):
    """(status, headers, body bytes) of one request, redirects not followed, errors returned not raised."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=insecure_context()), NoRedirect)
    try:
        with opener.open(request, timeout=PATIENCE) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class Mailbox:
    """The SMTP sink's directory: each accepted message is OUT/n.eml."""

    def __init__(self, directory):
        self.directory = directory

    def messages(self):
        found = []
        for path in sorted(glob.glob(os.path.join(self.directory, "*.eml"))):
            with open(path, "rb") as f:
                found.append(email.message_from_binary_file(f, policy=email.policy.default))
        return found

    def wait_for(self, to, containing=""):
        """The first message to `to` whose text contains `containing`."""

        def find():
            for message in self.messages():
                if to.lower() in str(message["To"]).lower() and containing in text_of(message):
                    return message
            return None

        return wait_for(find, "a message to %s containing %r" % (to, containing))


def text_of(message):
    body = message.get_body(preferencelist=("plain", "html"))
    return body.get_content() if body else ""


def links_in(message, path):
    """The https links to `path` (e.g. /confirm) in a message's text."""
    return re.findall(r"https://[^\s\"'<>]*%s\?token=[A-Za-z0-9_\-]+" % re.escape(path), text_of(message))


class Stack:
    """The whole site: SMTP sink, campaignd, mailer, campaign-web and nginx, on a temporary directory."""

    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix="campaign-web-tests-")
        os.chmod(self.directory, 0o755)
        self.processes = Processes(self.directory)
        self.https_port = free_port()
        self.http_port = free_port()
        self.public_socket = os.path.join(self.directory, "public.sock")
        self.admin_socket = os.path.join(self.directory, "admin.sock")
        self.web_socket = os.path.join(self.directory, "web.sock")
        self.mailbox = Mailbox(os.path.join(self.directory, "smtp"))

    @property
    def base(self):
        return "https://127.0.0.1:%d" % self.https_port

    def url(self, path="/"):
        return self.base + path

    def admin(self, method, params=None):
        with LineClient(self.admin_socket) as client:
            return client.call(method, params)

    def public(self, method, params=None):
        with LineClient(self.public_socket) as client:
            return client.call(method, params)

    def answers(self):
        try:
            return self.admin("service.health") is not None
        except OSError:
            return False

    def start(self):
        self.start_backend()
        self.start_site()
        return self

    def start_backend(self):
        """The SMTP sink, campaignd and the mailer."""
        for binary in ("campaignd", "campaign-mailer"):
            if not os.access(os.path.join(BUILD, binary), os.X_OK):
                raise AssertionError("%s/%s is not built: run `swift build` first" % (BUILD, binary))
        sink = self.processes.start(
            "smtp", [sys.executable, SMTP_SERVER, "--mode", "sink", "--out", self.mailbox.directory],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = sink.stdout.readline().decode()
        if not line.startswith("PORT "):
            raise AssertionError("the SMTP sink did not start: %r" % line)
        smtp_port = int(line.split()[1])
        self.processes.start("campaignd", [
            os.path.join(BUILD, "campaignd"), "--listen", self.public_socket, "--admin-listen", self.admin_socket,
            "--state-dir", os.path.join(self.directory, "state"), "--campaign", EXAMPLE_CAMPAIGN,
            # Every visitor of these tests comes from 127.0.0.1: lift the per-address limits, or the later
            # signatures would be kept as suspect and never counted.
            "--sign-burst", "10000", "--sign-sustained", "10000", "--pledge-burst", "10000",
            "--pledge-sustained", "10000", "--rsvp-burst", "10000", "--rsvp-sustained", "10000"])
        # A whole call, not a bare connect: campaignd logs a peer that leaves before it is identified.
        wait_for(self.answers, "campaignd's admin socket")
        self.processes.start("mailer", [
            os.path.join(BUILD, "campaign-mailer"), "--socket", self.admin_socket,
            "--transport", "smtp://127.0.0.1:%d?tls=none" % smtp_port,
            "--from", "Campaign <campaign@example.org>", "--site-url", self.base])
        self.processes.check_running()

    def start_site(self):
        """campaign-web and nginx in front of it."""
        if not os.access(os.path.join(BUILD, "campaign-web"), os.X_OK):
            raise AssertionError("%s/campaign-web is not built: run `swift build` first" % BUILD)
        self.processes.start("campaign-web", [
            os.path.join(BUILD, "campaign-web"), "--listen", "unix:" + self.web_socket, "--socket", self.public_socket,
            "--site-url", self.base,
            # nginx is the peer on the Unix socket; 127.0.0.1/32 too, for a TCP --listen.
            "--trusted-proxy", "unix", "--trusted-proxy", "127.0.0.1/32"])
        wait_for(lambda: connectable(self.web_socket), "campaign-web's socket")
        start_nginx(self.processes, os.path.join(self.directory, "nginx"), self.https_port, self.http_port,
                    "unix:" + self.web_socket)
        wait_for(lambda: fetch(self.url("/healthz"))[0] == 200, "/healthz through nginx")
        self.processes.check_running()

    def stop(self, keep=False):
        self.processes.stop_all()
        if keep or os.environ.get("WEB_TEST_KEEP"):
            print("kept %s" % self.directory)
        else:
            shutil.rmtree(self.directory, ignore_errors=True)


def chrome(javascript=True, width=1280, height=900, mobile=False):
    """Headless Debian chromium through Debian's chromedriver; nothing is downloaded."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--ignore-certificate-errors", "--window-size=%d,%d" % (width, height),
                     "--disable-background-timer-throttling", "--disable-renderer-backgrounding"):
        options.add_argument(argument)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    # Selenium Manager must not look for a driver or a browser online.
    service = Service(CHROMEDRIVER, log_output=subprocess.DEVNULL)
    driver = webdriver.Chrome(options=options, service=service)
    if mobile:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})
    return driver


def screenshot(driver, name):
    """A full-page PNG in Tests/web/screenshots/NAME.png (the whole document, not only the viewport)."""
    import base64

    os.makedirs(SCREENSHOTS, exist_ok=True)
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
    path = os.path.join(SCREENSHOTS, name + ".png")
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    return path
