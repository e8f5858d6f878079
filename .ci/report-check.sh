#!/usr/bin/env bash
# Renders reports in headless Chromium, as a person would open them, and fails if a page has
# errors or its figures or tables are missing. Part of `.ci/run` (after `cargo xtask ci`). It
# needs Chromium (installed from Debian's `chromium` package when missing; root and apt
# required; non-interactive, so it works with CI=true and no stdin).
#
#   bash .ci/report-check.sh            # fresh run, compare and baseline bundles, each checked
#   bash .ci/report-check.sh DIR...     # check existing bundles instead (any kind)
#   REPORT_CHECK_OUT=dir bash .ci/...   # keep the screenshots and the DOMs in dir
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

if ! command -v chromium >/dev/null 2>&1; then
  echo "==> installing chromium (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq </dev/null
  apt-get install -y -qq --no-install-recommends chromium </dev/null >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out="${REPORT_CHECK_OUT:-$work/out}"
mkdir -p "$out"

# A short scenario with a small grid and calibration (tests/data/report_small.toml).
small=tests/data/report_small.toml
bundles=()
if [[ $# -ge 1 ]]; then
  for d in "$@"; do bundles+=("$(cd "$d" && pwd)"); done
else
  echo "==> cargo xtask run / compare / baseline (small) into $work"
  cargo xtask run --out "$work/run" >/dev/null
  cargo xtask compare --scenario "$small" --repetitions 4 --mechanisms clob,fba:100ms,rfq:2 \
    --out "$work/compare" >/dev/null
  cargo xtask baseline --scenario "$small" --repetitions 4 --out "$work/baseline" >/dev/null
  bundles=("$work/run" "$work/compare" "$work/baseline")
fi

chrome() {
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d -p "$work")" "$@" </dev/null
}

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

# The tables and figure-id prefixes each kind's page must have.
tables_for() {
  case $1 in
    run) echo "scenario activity metrics pnl files" ;;
    compare) echo "scenario headline files" ;;
    baseline) echo "scenario headline files" ;; # + calibration tables when calibrated in the run
    calibration) echo "scenario selection candidates files" ;;
  esac
}
figures_for() {
  case $1 in
    run) echo "price_path" ;;
    compare) echo "forest_" ;;
    baseline) echo "forest_" ;;
    calibration) echo "landscape_spread_ landscape_mm_pnl_ sensitivity_" ;;
  esac
}

check_bundle() { # check_bundle DIR
  local bundle=$1
  local kind
  kind=$(sed -n 's/^ *"kind": "\([a-z]*\)".*/\1/p' "$bundle/manifest.json" | head -1)
  local page="$bundle/report.html" png="$out/report-$kind.png" dom="$out/report-$kind.dom.html"
  echo "==> $kind report: rendering $page"
  local tall=2000
  chrome --screenshot="$png" --window-size=1280,$tall "file://$page" >"$work/$kind-shot.log" 2>&1
  chrome --dump-dom "file://$page" >"$dom" 2>"$work/$kind-dom.log"

  local png_size png_dims
  png_size=$(stat -c %s "$png" 2>/dev/null || echo 0)
  # PNG width and height: big-endian u32s at bytes 16 and 20 of the IHDR chunk.
  png_dims=$(od -An -tu1 -j16 -N8 "$png" 2>/dev/null |
    awk '{printf "%dx%d", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}')
  check "$kind: screenshot written ($png_size bytes, $png_dims)" \
    test "$png_size" -gt 50000 -a "$png_dims" = "1280x$tall"

  local figures
  figures=$(grep -o 'data-figures="[^"]*"' "$dom" | head -1 | sed 's/data-figures="\(.*\)"/\1/')
  check "$kind: the page lists its figures: ${figures:-none}" test -n "$figures"
  local expected tables
  expected=$(figures_for "$kind")
  tables=$(tables_for "$kind")
  if [[ $kind == baseline ]] && grep -q '"name": "calibration.json"' "$bundle/manifest.json"; then
    expected="$expected landscape_spread_ landscape_mm_pnl_ sensitivity_"
    tables="$tables selection candidates"
  fi
  for prefix in $expected; do
    check "$kind: a figure ${prefix}* is expected and listed" \
      bash -c 'for f in $1; do [[ $f == "$2"* ]] && exit 0; done; exit 1' _ "$figures" "$prefix"
  done
  # Every figure the manifest derives is on the page.
  for f in $(grep -o '"[a-z0-9_]*\.svg"' "$bundle/manifest.json" | tr -d '"' | sed 's/\.svg$//'); do
    check "$kind: derived $f.svg is on the page" bash -c '[[ " $1 " == *" $2 "* ]]' _ "$figures" "$f"
  done
  for f in $figures; do
    # The figure element, its inline SVG with text and drawing, and the figure's own SVG file.
    awk -v id="data-figure=\"$f\"" 'index($0, id) {on=1} on {print} on && /<\/figure>/ {exit}' \
      "$dom" >"$work/figure-$kind-$f.html"
    local fig="$work/figure-$kind-$f.html" drawn texts
    check "$kind: figure $f is in the page with an inline <svg>" grep -q '<svg' "$fig"
    drawn=$( (grep -oE "<(polyline|path|rect|circle)" "$fig" || true) | wc -l)
    texts=$( (grep -o "<text" "$fig" || true) | wc -l)
    check "$kind: figure $f has drawing ($drawn shapes) and text ($texts labels)" \
      test "$drawn" -gt 3 -a "$texts" -gt 3
    check "$kind: figure $f exists as $f.svg" test -s "$bundle/$f.svg"
  done
  for t in $tables; do
    check "$kind: table $t is present with rows" \
      bash -c '[[ $(awk -v id="data-table=\"$2\"" "index(\$0, id) {on=1} on {print} on && /<\/table>/ {exit}" "$1" | grep -c "<tr>") -gt 0 ]]' _ "$dom" "$t"
  done
  check "$kind: no NaN, Infinity or undefined in the page" \
    bash -c '! grep -qwE "NaN|Infinity|undefined" "$1"' _ "$dom"
  check "$kind: no script and no network reference (http(s) other than the SVG namespace)" \
    bash -c '! grep -q "<script" "$1" && ! grep -oE "(src|href)=\"https?://" "$1" | grep -q .' _ "$dom"
  check "$kind: Chromium reported no page errors (console, failed loads)" \
    bash -c '! grep -hiE "Uncaught|console|Failed to load|ERR_FILE_NOT_FOUND|net::ERR" "$1" "$2"' _ \
    "$work/$kind-shot.log" "$work/$kind-dom.log"
}

for b in "${bundles[@]}"; do
  check_bundle "$b"
done

elapsed=$(($(date +%s) - started))
if [[ $failures -gt 0 ]]; then
  echo "report check: $failures check(s) failed in ${elapsed}s (screenshots and DOMs: set REPORT_CHECK_OUT to keep them)"
  exit 1
fi
echo "report check: all checks passed for ${#bundles[@]} report(s) in ${elapsed}s"
