#!/usr/bin/env bash
# Installs what building and testing campaignd needs on Debian, when it is missing.
set -euo pipefail

# apt-get install that starts no service: the maintainer scripts of nginx and prometheus would start a
# system server (or fail where no init system runs), so a policy-rc.d refusing every start is in place for
# this install only, unless one is there already.
apt_install() {
    echo "installing: $*"
    local sudo="" policy=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        policy=/usr/sbin/policy-rc.d
        printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
        $sudo chmod 755 "$policy"
        trap "$sudo rm -f $policy" EXIT
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
    if [ -n "$policy" ]; then
        $sudo rm -f "$policy"
        trap - EXIT
    fi
}

need=()
pkg-config --exists libsystemd 2>/dev/null || need+=(libsystemd-dev pkg-config)
command -v sqlite3 >/dev/null || need+=(sqlite3)
dpkg -s libsqlite3-dev >/dev/null 2>&1 || need+=(libsqlite3-dev)
command -v systemd-socket-activate >/dev/null || need+=(systemd)
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v socat >/dev/null || need+=(socat)
command -v jq >/dev/null || need+=(jq)
command -v setpriv >/dev/null || need+=(util-linux)
[ -e /usr/share/zoneinfo/America/Los_Angeles ] || need+=(tzdata)
command -v python3 >/dev/null || need+=(python3)
command -v openssl >/dev/null || need+=(openssl)

if [ ${#need[@]} -gt 0 ]; then
    apt_install "${need[@]}"
fi

# Into the interpreter the tests use; Debian's own python3 wants --break-system-packages.
pip_install() {
    python3 -m pip install --quiet "$@" 2>/dev/null || python3 -m pip install --quiet --break-system-packages "$@"
}

if ! python3 -c 'import jsonschema, referencing' 2>/dev/null; then
    echo "installing: python jsonschema"
    pip_install jsonschema referencing
fi

# The SMTP client's tests run a real SMTP server (Tests/SMTPClientTests/smtp_server.py).
if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
    echo "installing: python aiosmtpd"
    pip_install aiosmtpd
fi

# The browser tests (Tests/web/): Debian's chromium and its driver (nothing downloads a browser), nginx
# (started by the tests in the foreground with deploy/nginx/campaign-web.conf) and fonts for screenshots.
web=()
command -v chromium >/dev/null || web+=(chromium)
[ -x /usr/bin/chromedriver ] || web+=(chromium-driver)
command -v nginx >/dev/null || web+=(nginx)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || web+=(fonts-dejavu-core)
[ -d /usr/share/fonts/truetype/liberation ] || web+=(fonts-liberation)
if [ ${#web[@]} -gt 0 ]; then
    apt_install --no-install-recommends "${web[@]}"
fi

if ! python3 -c 'import selenium, pytest' 2>/dev/null; then
    echo "installing: python selenium pytest"
    pip_install selenium pytest
fi

# axe-core for the accessibility checks: the newest axe.min.js a PyPI package ships is in
# axe-playwright-python (axe 4.12.1); the tests read only that file, so playwright itself is not needed.
if ! python3 -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("axe_playwright_python") is None)' 2>/dev/null; then
    echo "installing: python axe-playwright-python (axe-core)"
    pip_install --no-deps axe-playwright-python==0.1.8
fi

# promtool, from Debian's prometheus, checks the metrics scrape (Tests/CampaigndTests/MetricsWireTests.swift).
if ! command -v promtool >/dev/null; then
    apt_install --no-install-recommends prometheus
fi

command -v swift >/dev/null || { echo "swift is not on PATH (expected a Swift 6 toolchain, e.g. /opt/swift/usr/bin)" >&2; exit 1; }
