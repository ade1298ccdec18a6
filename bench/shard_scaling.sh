#!/usr/bin/env bash
# Sharded runs on one machine, one shard after another (issue 21's scaling note): the
# full-scale synthetic M5 set (10 stores × 3049 items = 30,490 series), one plan, fitted
# as 1, 2 and 4 shards; each shard's wall time and peak memory (GNU time), the merge's,
# and a check that every merge gives the same submission bytes.
#
#   bash bench/shard_scaling.sh [--tsforge BIN] [--work DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/debug/tsforge
work=/tmp/tsforge-shard-scaling
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tsforge) bin=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
bin=$(realpath "$bin")
mkdir -p "$work"
cd "$work"
timed() { # label, command...: wall seconds and peak resident MiB to timings.tsv
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o time.txt "$@" >/dev/null
  read -r wall kib <time.txt
  printf '%s\t%s\t%s\n' "$label" "$wall" "$((kib / 1024))" | tee -a timings.tsv
}
[[ -d synth ]] || "$bin" data synth --stores 10 --items 3049 --seed 0 --out synth --quiet
# the plan: searched on a stratified sample of 3,000 series; per-series models and the
# per-store booster (which merges byte-identically), ensembled
cat >recipe.toml <<'TOML'
extends = "quickstart"
name = "scaling"
models = ["SeasonalNaive", "Theta", "GBDT-Tweedie-direct-by-store"]
time_limit = "30m"

[search]
backtest_windows = 1

[search.families.gbdt]
enabled = false
[search.families.hurdle]
enabled = false
[search.families.lenet]
enabled = false

[gbdt]
train_days = 365

[gbdt.params]
num_iterations = 100
TOML
: >timings.tsv
timed "search (sample 3000)" "$bin" run recipe.toml --data synth --stage search --sample 3000 --out search --quiet --no-store
for n in 1 2 4; do
  rm -rf "parts-$n"
  for ((k = 0; k < n; k++)); do
    timed "shards=$n shard=$k" "$bin" run --plan search/plan.json --data synth --shard "$k/$n" --out "parts-$n/shard-$k" --quiet
  done
  timed "shards=$n merge" "$bin" merge "parts-$n" --data synth --out "merged-$n" --quiet --no-store
done
cmp merged-1/submission.csv merged-2/submission.csv && cmp merged-1/submission.csv merged-4/submission.csv && echo "submission.csv identical for 1, 2 and 4 shards"
grep -m1 '^Ensemble' merged-1/leaderboard.csv | cut -d, -f1-3
