#!/usr/bin/env bash
# Loading benchmark: tsforge vs pandas on the full-scale synthetic M5 set
# (30,490 series x 1,941 days). Writes its section of bench/RESULTS.md.
#
#   bash bench/load.sh
#
# The first run builds polars in release mode (~10 min on 2 cores) and generates
# bench/data/m5-full (git-ignored); later runs reuse both.
set -euo pipefail
cd "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

DATA=bench/data/m5-full

bash bench/setup.sh

echo "load.sh: cargo build --release -p tsforge-cli"
cargo build --release -p tsforge-cli

if [ ! -f "$DATA/sales_train_evaluation.csv" ]; then
    echo "load.sh: generating $DATA"
    start=$(date +%s.%N)
    target/release/tsforge data synth --stores 10 --items 3049 --seed 0 --out "$DATA"
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "load.sh: tsforge data synth took %.1f s\n", e - s }'
    ls -l "$DATA"
else
    echo "load.sh: $DATA already exists; not regenerating"
fi

bench/.venv/bin/python bench/load_bench.py "$DATA"
