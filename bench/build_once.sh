#!/usr/bin/env bash
# The README's two commands build once: `cargo test --workspace` must reuse every
# third-party crate `cargo run --bin tsforge` compiled (issue 22).
#
#   bash bench/build_once.sh --quick   # resolver only (seconds): the two commands resolve
#                                      # identical features for every shared crate (CI runs this)
#   bash bench/build_once.sh           # the real thing on an empty target folder (~20 min on
#                                      # 2 cores): times both steps, lists what the second one
#                                      # compiles, fails if that includes a third-party crate
set -euo pipefail
cd "$(dirname "$0")/.."

features() {
  # "name version features" per package, path (workspace) packages left out
  cargo tree "$@" -f '{p} {f}' --prefix none | sed -e 's/ (\*)//' -e 's/ (proc-macro)//' | grep -v ' (/' | sort -u
}

if [[ "${1:-}" == "--quick" ]]; then
  run=$(mktemp) && test=$(mktemp)
  trap 'rm -f "$run" "$test"' EXIT
  features -p tsforge-cli -e normal,build >"$run"
  features --workspace -e normal,build,dev >"$test"
  # per package and version, every feature set it is built with (host and target may differ)
  grouped() { awk '{k=$1"@"$2; $1=""; $2=""; sets[k]=sets[k] "[" $0 " ]"} END {for (k in sets) print k "\t" sets[k]}' "$1" | sort; }
  # a package both commands build, with other feature sets in the second
  diffs=$(join -t $'\t' -j1 <(grouped "$run") <(grouped "$test") | awk -F'\t' '$2 != $3 {print $1 ": run " $2 " | test " $3}')
  shared=$(join -t $'\t' -j1 <(grouped "$run") <(grouped "$test") | wc -l)
  if [[ -n "$diffs" ]]; then
    echo "features differ between \`cargo run --bin tsforge\` and \`cargo test --workspace\`:" >&2
    echo "$diffs" >&2
    exit 1
  fi
  echo "build once: identical features for all $shared third-party packages both commands build"
  exit 0
fi

target=$(mktemp -d)
trap 'rm -rf "$target"' EXIT
export CARGO_TARGET_DIR="$target" CARGO_TERM_COLOR=never
out=$(mktemp -d)
start=$(date +%s)
cargo run --bin tsforge -- run --quiet --out "$out/quickstart" 2>"$target/run.log"
mid=$(date +%s)
cargo test --workspace --no-run 2>"$target/test.log"
end=$(date +%s)
rm -rf "$out"
echo "cargo run --bin tsforge -- run: $((mid - start)) s (build and the quickstart)"
echo "cargo test --workspace --no-run: $((end - mid)) s"
# third-party crates ("name vX.Y.Z") each step compiled; the test-only ones (proptest,
# ureq, ...) are compiled once, by the second step: only a crate in both lists is a rebuild
third_party() { grep -E '^ *Compiling ' "$1" | grep -v '(/' | sed -E 's/^ *Compiling //' | sort -u; }
again=$(comm -12 <(third_party "$target/run.log") <(third_party "$target/test.log"))
ours=$(grep -E '^ *Compiling ' "$target/test.log" | grep -c '(/' || true)
echo "the second step compiled $ours workspace crates and $(third_party "$target/test.log" | grep -c . || true) third-party crates, $(echo -n "$again" | grep -c . || true) of them built by the first step too"
if [[ -n "$again" ]]; then
  echo "third-party crates compiled by both steps:" >&2
  echo "$again" >&2
  exit 1
fi
