#!/usr/bin/env bash
# Renders a run report in headless Chromium, as a person would open it, and fails if the page
# has errors or its figures or tables are missing. Not part of `.ci/run` (yet): it needs
# Chromium (installed from Debian's `chromium` package when missing; root and apt required).
#
#   bash .ci/report-check.sh            # a fresh `cargo xtask run`, rendered and checked
#   bash .ci/report-check.sh DIR        # check an existing run bundle instead
#   REPORT_CHECK_OUT=dir bash .ci/...   # keep the screenshot and the DOM in dir
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

if ! command -v chromium >/dev/null 2>&1; then
  echo "==> installing chromium (Debian package)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out="${REPORT_CHECK_OUT:-$work/out}"
mkdir -p "$out"

if [[ $# -ge 1 ]]; then
  bundle=$(cd "$1" && pwd)
else
  bundle="$work/run"
  echo "==> cargo xtask run --out $bundle"
  cargo xtask run --out "$bundle"
fi
page="$bundle/report.html"

chrome() {
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d -p "$work")" "$@"
}

echo "==> rendering $page"
chrome --screenshot="$out/report.png" --window-size=1280,2000 "file://$page" \
  >"$work/screenshot.log" 2>&1
chrome --dump-dom "file://$page" >"$out/report.dom.html" 2>"$work/dom.log"
dom="$out/report.dom.html"

failures=0
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then
    echo "ok    $what"
  else
    echo "FAIL  $what"
    failures=$((failures + 1))
  fi
}

png_size=$(stat -c %s "$out/report.png" 2>/dev/null || echo 0)
# PNG width and height: big-endian u32s at bytes 16 and 20 of the IHDR chunk.
png_dims=$(od -An -tu1 -j16 -N8 "$out/report.png" 2>/dev/null |
  awk '{printf "%dx%d", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}')
check "screenshot written ($png_size bytes, $png_dims)" \
  test "$png_size" -gt 50000 -a "$png_dims" = "1280x2000"

figures=$(grep -o 'data-figures="[^"]*"' "$dom" | head -1 | sed 's/data-figures="\(.*\)"/\1/')
check "the page lists its figures: ${figures:-none}" test -n "$figures"
for f in $figures; do
  # The figure element, its inline SVG with text and drawing, and the figure's own SVG file.
  awk -v id="data-figure=\"$f\"" 'index($0, id) {on=1} on {print} on && /<\/figure>/ {exit}' \
    "$dom" >"$work/figure-$f.html"
  fig="$work/figure-$f.html"
  check "figure $f is in the page with an inline <svg>" grep -q '<svg' "$fig"
  drawn=$( (grep -oE "<(polyline|path|rect|circle)" "$fig" || true) | wc -l)
  texts=$( (grep -o "<text" "$fig" || true) | wc -l)
  check "figure $f has drawing ($drawn shapes) and text ($texts labels)" \
    test "$drawn" -gt 5 -a "$texts" -gt 3
  check "figure $f exists as $f.svg" test -s "$bundle/$f.svg"
done
for t in scenario activity metrics pnl files; do
  check "table $t is present with rows" \
    bash -c '[[ $(awk -v id="data-table=\"$2\"" "index(\$0, id) {on=1} on {print} on && /<\/table>/ {exit}" "$1" | grep -c "<tr>") -gt 0 ]]' _ "$dom" "$t"
done
check "no NaN, Infinity or undefined in the page" \
  bash -c '! grep -qwE "NaN|Infinity|undefined" "$1"' _ "$dom"
check "no script and no network reference (http(s) other than the SVG namespace)" \
  bash -c '! grep -q "<script" "$1" && ! grep -oE "(src|href)=\"https?://" "$1" | grep -q .' _ "$dom"
check "Chromium reported no page errors (console, failed loads)" \
  bash -c '! grep -hiE "Uncaught|console|Failed to load|ERR_FILE_NOT_FOUND|net::ERR" "$1" "$2"' _ \
  "$work/screenshot.log" "$work/dom.log"

elapsed=$(($(date +%s) - started))
if [[ $failures -gt 0 ]]; then
  echo "report check: $failures check(s) failed in ${elapsed}s (screenshot and DOM: set REPORT_CHECK_OUT to keep them)"
  exit 1
fi
echo "report check: all checks passed in ${elapsed}s"
