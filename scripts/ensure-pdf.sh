#!/bin/sh
# Make sure the Debian libraries WeasyPrint needs for the referat's PDF/A are present: pango
# (text layout) and the DejaVu fonts embedded in the PDF (free licence, nothing bundled by us).
# Installs them with apt-get when running as root; otherwise just reports. Never fails the build:
# without them the app still runs and the PDF link answers with a Danish 503 page.
set -u
PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "ensure-pdf: not a Debian system; make sure pango and the DejaVu fonts are installed for the referat's PDF." >&2
    exit 0
fi
missing=""
for package in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $package"
    fi
done
if [ -z "$missing" ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-pdf: missing:$missing; installing them with apt-get."
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086  # one word per package
    if apt-get update -q && apt-get install -y -q --no-install-recommends $missing; then
        exit 0
    fi
    echo "ensure-pdf: installing$missing failed; the referat's PDF will answer 503 until they are installed." >&2
    exit 0
fi
echo "ensure-pdf: missing:$missing and cannot install them here (not root or no apt-get);" >&2
echo "ensure-pdf: the referat's PDF will answer 503. Install them with: sudo apt-get install$missing" >&2
exit 0
