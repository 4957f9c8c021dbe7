#!/usr/bin/env bash
# Renders every kind of report (run, stress, compare, tune) as a user sees it: headless Chromium
# (Debian's `chromium` package) takes a full-page screenshot of each report.html. Look at them
# before calling a chart change done.
#   scripts/render-reports.sh [OUT_DIR]     # default: out/render; prints the PNGs it wrote
set -euo pipefail
out=${1:-out/render}
bin=./target/release/dtwin
[ -x "$bin" ] || cargo build --release --locked -q
command -v chromium >/dev/null || { echo "needs chromium (apt-get install chromium)" >&2; exit 2; }
rm -rf "$out" && mkdir -p "$out"
"$bin" run scenarios/regional-storm.toml -r 20 -q --out "$out/run" --report > /dev/null
"$bin" stress scenarios/regional.toml scenarios/regional-storm.toml scenarios/regional-peak-surge.toml \
  scenarios/regional-dock-outage.toml -r 20 --out "$out/stress" --report > /dev/null
"$bin" compare scenarios/regional-storm.toml -p scenarios/policies/greedy_edd.toml \
  -p scenarios/policies/carrier_overflow.toml -p scenarios/policies/nearest_vehicle.toml -r 20 \
  --out "$out/compare" --report > /dev/null
"$bin" tune scenarios/regional.toml -p scenarios/policies/greedy_edd.toml --param min_fill=0.4..0.8:0.1 \
  --param slack_min=30..90:30 --constraint "on_time_rate>=0.88" --pareto on_time_rate,min:cost_total_per_order \
  -r 6 --out "$out/tune" --report > /dev/null 2>&1
for kind in run stress compare tune; do
  profile=$(mktemp -d)
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --window-size=1280,6000 --hide-scrollbars \
    --screenshot="$out/$kind.png" "file://$(realpath "$out/$kind/report.html")" 2> /dev/null
  rm -rf "$profile"
  echo "$out/$kind.png"
done
