#!/usr/bin/env bash
# Installs what building and testing campaignd needs on Debian, when it is missing.
set -euo pipefail

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
    echo "installing: ${need[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! python3 -c 'import jsonschema, referencing' 2>/dev/null; then
    echo "installing: python jsonschema"
    python3 -m pip install --quiet jsonschema referencing 2>/dev/null \
        || python3 -m pip install --quiet --break-system-packages jsonschema referencing
fi

# The SMTP client's tests run a real SMTP server (Tests/SMTPClientTests/smtp_server.py).
if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
    echo "installing: python aiosmtpd"
    python3 -m pip install --quiet aiosmtpd 2>/dev/null \
        || python3 -m pip install --quiet --break-system-packages aiosmtpd
fi

command -v swift >/dev/null || { echo "swift is not on PATH (expected a Swift 6 toolchain, e.g. /opt/swift/usr/bin)" >&2; exit 1; }
