#!/usr/bin/env bash
# Installs what the tests need beyond cargo: a Python venv with aiosmtpd (the real SMTP
# server the notification tests start on loopback) and python-xlib (the end-to-end tests
# close the app's window as a window manager does), and openssl (TLS test certificates).
# Idempotent: safe to run before every test run. The venv lives in .tools/ (gitignored);
# the tests find it through $CERTDESK_TEST_PYTHON, default .tools/venv/bin/python.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.tools/venv"
if ! command -v openssl >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq openssl
fi
if ! command -v python3 >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3 python3-venv
fi
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'aiosmtpd==1.4.6'
fi
if ! "$venv/bin/python" -c 'import Xlib' 2>/dev/null; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'python-xlib==0.33'
fi
echo "test deps ready: $venv/bin/python"
