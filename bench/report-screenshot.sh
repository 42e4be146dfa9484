#!/bin/sh
# Renders the HTML report of an estate in headless Chromium: writes a
# screenshot, prints the page to PDF, and fails when the page logs anything
# to the console or references anything outside itself.
#
#   bench/report-screenshot.sh [ESTATE_DIR] [SCREENSHOT.png]
#
# Defaults: testdata/estates/recovery-plane/mixed and docs/report.png.
# Needs Debian's `chromium` (apt-get install -y chromium) and a built spof
# (SPOF=path/to/spof, default target/debug/spof).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
estate=${1:-$root/testdata/estates/recovery-plane/mixed}
shot=${2:-$root/docs/report.png}
spof=${SPOF:-$root/target/debug/spof}
chromium=${CHROMIUM:-chromium}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
html=$work/report.html

(cd "$estate" && SPOF_TODAY=2026-01-01 "$spof" report --format html -o "$html" .)

# No script, and nothing loaded from anywhere: the page must stand alone.
# (Source excerpts may quote URLs; they are escaped text, not links.)
outside='<script|<link|<img|<iframe|<object|<embed|@import|url\([^#]|src=|href="[^#]'
if grep -Eiq "$outside" "$html"; then
    echo "error: the report references something outside itself:" >&2
    grep -Eion "$outside" "$html" >&2
    exit 1
fi

flags="--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run \
--disable-background-networking --disable-component-update --disable-sync \
--disable-default-apps --disable-extensions --mute-audio --hide-scrollbars"

# Screenshot.
# shellcheck disable=SC2086
"$chromium" $flags --user-data-dir="$work/profile1" --window-size=1400,2200 \
    --screenshot="$shot" "file://$html" >"$work/shot.log" 2>&1 || {
    cat "$work/shot.log" >&2
    exit 1
}
test -s "$shot"

# Console: Chromium logs every console message (and every uncaught error)
# as a CONSOLE line when logging to stderr; a clean page has none. The DOM
# dump proves the page was actually loaded and rendered.
# shellcheck disable=SC2086
"$chromium" $flags --user-data-dir="$work/profile2" --enable-logging=stderr --v=0 \
    --dump-dom "file://$html" >"$work/dom.html" 2>"$work/console.log" || {
    cat "$work/console.log" >&2
    exit 1
}
if ! grep -q '<svg' "$work/dom.html"; then
    echo "error: Chromium did not render the report (no <svg> in the DOM)" >&2
    exit 1
fi
if grep -E 'CONSOLE|Uncaught|Failed to load|net::ERR' "$work/console.log" >&2; then
    echo "error: the report logged to the browser console" >&2
    exit 1
fi
# Print: the page must lay out for paper too (@media print).
# shellcheck disable=SC2086
"$chromium" $flags --user-data-dir="$work/profile3" --no-pdf-header-footer \
    --print-to-pdf="$work/report.pdf" "file://$html" >"$work/print.log" 2>&1 || {
    cat "$work/print.log" >&2
    exit 1
}
if ! head -c 5 "$work/report.pdf" | grep -q '%PDF-'; then
    echo "error: Chromium did not print the report to PDF" >&2
    exit 1
fi
# Every printed page carries the running header (estate, date) of the
# @page margin boxes. Needs poppler-utils (pdfinfo, pdftotext), required
# under CI.
if command -v pdftotext >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1; then
    pages=$(pdfinfo "$work/report.pdf" | sed -n 's/^Pages: *//p')
    headed=$(pdftotext "$work/report.pdf" - | grep -c 'spof audit report, 2026-01-01' || true)
    if [ "$pages" -lt 1 ] || [ "$headed" -ne "$pages" ]; then
        echo "error: $headed of $pages printed pages carry the header" >&2
        exit 1
    fi
    footed=$(pdftotext "$work/report.pdf" - | grep -c "^page [0-9]* of $pages\$" || true)
    if [ "$footed" -ne "$pages" ]; then
        echo "error: $footed of $pages printed pages carry their number" >&2
        exit 1
    fi
elif [ "${CI:-}" = true ]; then
    echo "error: pdfinfo and pdftotext (poppler-utils) are needed to check the printed report" >&2
    exit 1
else
    echo "note: poppler-utils absent: the printed pages were not checked" >&2
    pages=unchecked
fi
echo "rendered $(basename "$estate") to $shot and to PDF ($pages pages); no console messages"
