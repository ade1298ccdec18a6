#!/usr/bin/env bash
# Checks that a tsforge leaderboard.html renders in headless Chromium and shows its plots.
#
#   bench/html_check.sh [FILE.html] [--keep-screenshot PATH] [--install]
#
# FILE defaults to reports/example/leaderboard.html. Needs Debian's `chromium`
# (sudo apt-get install -y chromium; or set CHROMIUM=/path/to/chrome) and python3
# (standard library only). Installs nothing unless --install is given and chromium is
# missing. Prints PASS or FAIL lines; exit code 0 on PASS, 1 on FAIL.
#
# 1. The file itself: self-contained (no src/href/url()/@import to http(s) or //).
# 2. `chromium --headless --dump-dom`: at least 4 <svg class="plot"> with the four
#    data-plot kinds (score-by-family, per-level, forecast, time-vs-score), each inside
#    a <figure> with a <figcaption> and with <text> (titles/labels were drawn), and the
#    leaderboard <table> with rows. A run without per-level scores (long format) has no
#    per-level plot: pass --allow-missing per-level to accept that.
# 3. `chromium --headless --screenshot` to a temporary PNG (deleted unless
#    --keep-screenshot): a valid PNG of the window size whose pixels are not blank.
set -uo pipefail

file="reports/example/leaderboard.html"
keep=""
install=0
allow_missing=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keep-screenshot) keep="${2:?--keep-screenshot needs a path}"; shift 2 ;;
    --install) install=1; shift ;;
    --allow-missing) allow_missing="${2:?--allow-missing needs a plot kind}"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) file="$1"; shift ;;
  esac
done

fail() { echo "FAIL: $*"; exit 1; }

[ -f "$file" ] || fail "$file does not exist (write it with 'tsforge leaderboard RUN_DIR', or try: cargo run -p tsforge-report --example sample_html -- /tmp/sample.html)"
command -v python3 >/dev/null || fail "python3 is needed"

chromium="${CHROMIUM:-}"
if [ -z "$chromium" ]; then
  for c in chromium chromium-browser google-chrome; do
    if command -v "$c" >/dev/null; then chromium="$(command -v "$c")"; break; fi
  done
fi
if [ -z "$chromium" ] && [ "$install" = 1 ]; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y chromium; else sudo apt-get install -y chromium; fi
  chromium="$(command -v chromium || true)"
fi
[ -n "$chromium" ] || fail "chromium not found: sudo apt-get install -y chromium (Debian), or set CHROMIUM=/path/to/chrome, or pass --install"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
url="file://$(cd "$(dirname "$file")" && pwd)/$(basename "$file")"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --hide-scrollbars)
width=1400 height=3000

timeout 120 "$chromium" "${flags[@]}" --user-data-dir="$work/profile-dom" --dump-dom "$url" \
  >"$work/dom.html" 2>"$work/dom.log" || fail "chromium --dump-dom failed (exit $?): $(tail -3 "$work/dom.log")"
timeout 120 "$chromium" "${flags[@]}" --user-data-dir="$work/profile-shot" --window-size="$width,$height" \
  --screenshot="$work/shot.png" "$url" >"$work/shot.log" 2>&1 || fail "chromium --screenshot failed (exit $?): $(tail -3 "$work/shot.log")"
[ -n "$keep" ] && cp "$work/shot.png" "$keep"

python3 - "$file" "$work/dom.html" "$work/shot.png" "$width" "$height" "$allow_missing" <<'PY'
import re, struct, sys, zlib
from html.parser import HTMLParser

src, dom_path, png_path, width, height, allow = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
KINDS = ["score-by-family", "per-level", "forecast", "time-vs-score"]
problems = []

# 1. self-contained
source = open(src, encoding="utf-8").read()
external = re.findall(r'''(?:\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import)''', source, re.I)
if external:
    problems.append(f"{len(external)} external reference(s) in {src}: {external[:3]}")

# 2. the DOM chromium built
class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.plots, self.tables, self.rows = [], [], 0, 0
        self.cur = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and "plot" in (a.get("class") or "").split():
            self.cur = {"kind": a.get("data-plot"), "in_figure": "figure" in self.stack, "texts": 0, "shapes": 0}
            self.plots.append(self.cur)
        elif self.cur is not None and tag == "text":
            self.cur["texts"] += 1
        elif self.cur is not None and tag in ("polyline", "rect", "circle", "line", "path"):
            self.cur["shapes"] += 1
        if tag == "table" and "leaderboard" in (a.get("class") or "").split():
            self.tables += 1
        if tag == "tr" and "tbody" in self.stack and "table" in self.stack:
            self.rows += 1
        if tag not in ("meta", "br", "img", "input", "link", "hr"):
            self.stack.append(tag)
    def handle_endtag(self, tag):
        if tag == "svg" and self.cur is not None and "svg" in self.stack and self.stack.count("svg") == 1:
            self.cur = None
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

dom_text = open(dom_path, encoding="utf-8", errors="replace").read()
d = Dom()
d.feed(dom_text)
kinds = {p["kind"] for p in d.plots}
missing = [k for k in KINDS if k not in kinds and k != allow]
if len(d.plots) < 4 - (1 if allow else 0):
    problems.append(f"{len(d.plots)} svg.plot elements in the DOM, expected at least 4")
if missing:
    problems.append(f"plot kinds missing from the DOM: {missing}")
for p in d.plots:
    if not p["in_figure"]:
        problems.append(f"svg.plot[data-plot={p['kind']}] is not inside a <figure>")
    if p["texts"] < 3:
        problems.append(f"svg.plot[data-plot={p['kind']}] has {p['texts']} <text> elements (no title/labels)")
    if p["shapes"] < 3:
        problems.append(f"svg.plot[data-plot={p['kind']}] draws {p['shapes']} shapes")
figcaptions = dom_text.count("<figcaption")
if figcaptions < len(d.plots):
    problems.append(f"{figcaptions} <figcaption> for {len(d.plots)} plots")
if d.tables < 1 or d.rows < 1:
    problems.append(f"leaderboard table: {d.tables} table.leaderboard, {d.rows} body rows")

# 3. the screenshot: a PNG of the window size, not blank
png = open(png_path, "rb").read()
if png[:8] != b"\x89PNG\r\n\x1a\n":
    problems.append("screenshot is not a PNG")
else:
    w, h, depth, ctype = struct.unpack(">IIBB", png[16:26])
    idat, pos = b"", 8
    while pos < len(png):
        n, kind = struct.unpack(">I4s", png[pos:pos + 8])
        if kind == b"IDAT":
            idat += png[pos + 8:pos + 8 + n]
        pos += 12 + n
    raw = zlib.decompress(idat) if idat else b""
    distinct = len(set(raw[::7]))
    nonzero = sum(1 for b in raw[::97] if b) / max(1, len(raw[::97]))
    if (w, h) != (width, height):
        problems.append(f"screenshot is {w}x{h}, expected {width}x{height}")
    if len(png) < 20000 or distinct < 64 or nonzero < 0.01:
        problems.append(f"screenshot looks blank ({len(png)} bytes, {distinct} distinct byte values, {nonzero:.1%} non-zero filtered bytes)")

counts = ", ".join("%s=%d" % (k, sum(p["kind"] == k for p in d.plots)) for k in KINDS)
summary = f"{len(d.plots)} svg.plot ({counts}), {d.rows} table rows, screenshot {len(png)} bytes"
if problems:
    for p in problems:
        print(f"FAIL: {p}")
    print(f"FAIL: {src}: {summary}")
    sys.exit(1)
print(f"PASS: {src}: {summary}")
PY
