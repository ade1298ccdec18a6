#!/usr/bin/env bash
# The forecast bytes of three reference runs, as sha256 sums: the quickstart (`tsforge
# run`), the long-format recipe, and a `--models` run of every statistical model.
# A refactor that must not change forecasts runs this before and after:
#
#   bash bench/forecast_sums.sh > /tmp/after.txt && diff bench/forecast_sums.txt /tmp/after.txt
#
# `bash bench/forecast_sums.sh --check` does the diff against the committed sums and
# exits 1 when any forecast file changed. Runs the debug binary (`cargo build --bin
# tsforge`); about 5 minutes on two idle cores. Needs idle cores: the quickstart's
# search has a time limit, and a starved machine can end a search early.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --bin tsforge
bin=target/debug/tsforge
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stats="Naive,SeasonalNaive,WindowAverage,SeasWA,SES,SESOpt,CrostonClassic,CrostonSBA,CrostonOptimized,TSB,ADIDA,IMAPA,AutoETS,Holt,Theta,OptimizedTheta,AutoTheta"
"$bin" run --quiet --out "$tmp/quickstart"
"$bin" run recipes/long_format.toml --quiet --out "$tmp/long"
"$bin" run --quiet --models "$stats" --out "$tmp/stats"
sums() {
  for run in quickstart long stats; do
    (cd "$tmp/$run" && find submission.csv forecasts -type f | LC_ALL=C sort | xargs sha256sum | sed "s|  |  $run/|")
  done
}
if [[ "${1:-}" == "--check" ]]; then
  sums > "$tmp/sums.txt"
  if diff bench/forecast_sums.txt "$tmp/sums.txt"; then
    echo "forecast bytes unchanged ($(wc -l < "$tmp/sums.txt") files)"
  else
    echo "forecast bytes changed (diff above: < recorded, > now)" >&2
    exit 1
  fi
else
  sums
fi
