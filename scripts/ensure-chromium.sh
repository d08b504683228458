#!/bin/sh
# Make sure Debian's Chromium is present for the browser tests (tests/e2e).
# We never download a browser through Playwright: only the distribution package is used.
# Installs it with apt-get when running as root; otherwise just reports. Never fails the build:
# the e2e tests themselves decide whether a missing browser means skip (local) or fail (CI=true).
set -u
CHROMIUM="${DELIB_CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: $CHROMIUM is missing; installing Debian's chromium with apt-get."
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -q && apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core; then
        [ -x "$CHROMIUM" ] && exit 0
    fi
    echo "ensure-chromium: installing chromium failed; the browser tests will be skipped (or fail under CI=true)." >&2
    exit 0
fi
echo "ensure-chromium: $CHROMIUM is missing and cannot be installed here (not root or no apt-get);" >&2
echo "ensure-chromium: the browser tests will be skipped (or fail under CI=true). Install it with: sudo apt-get install chromium" >&2
exit 0
