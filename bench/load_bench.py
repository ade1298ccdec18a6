#!/usr/bin/env python3
"""Loading benchmark: tsforge vs pandas on an M5-layout folder.

    bench/.venv/bin/python bench/load_bench.py bench/data/m5-full

Every measurement runs in a fresh process. A small intermediate Python process
(this file with ``--measure``) starts exactly one child, waits for it and reports
the child's wall time and ``getrusage(RUSAGE_CHILDREN).ru_maxrss``; as that
intermediate has no other children, the number is the peak RSS of that one run.

Measured:
- tsforge: ``target/release/tsforge data inspect DIR --json --quiet`` with
  POLARS_MAX_THREADS = RAYON_NUM_THREADS = 1 and = 2 (its JSON also gives
  ``load_seconds``, the loading part alone);
- pandas: ``pd.read_csv`` of calendar.csv, sell_prices.csv and
  sales_train_evaluation.csv, then ``melt`` of the sales to long format.

Each configuration runs REPEATS times (round robin, after one untimed read of the
files so every run sees the page cache warm); the table gives the median wall
time and the maximum peak RSS. The section between the markers in
bench/RESULTS.md is rewritten; the rest of that file is left as it is.
"""

from __future__ import annotations

from results_md import RESULTS, git_rev, write_section
import datetime as _dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPEATS = 3
ROOT = Path(__file__).resolve().parent.parent
TSFORGE = ROOT / "target" / "release" / "tsforge"
TITLE = "## Loading the full-scale M5 files (30,490 series)"
FILES = ["calendar.csv", "sell_prices.csv", "sales_train_validation.csv", "sales_train_evaluation.csv"]

# The pandas child: the usual M5 loading recipe, with default read_csv options.
PANDAS_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import pandas as pd
t1 = time.perf_counter()
d = sys.argv[1]
calendar = pd.read_csv(f"{d}/calendar.csv")
prices = pd.read_csv(f"{d}/sell_prices.csv")
sales = pd.read_csv(f"{d}/sales_train_evaluation.csv")
id_vars = ["id", "item_id", "dept_id", "cat_id", "store_id", "state_id"]
long = sales.melt(id_vars=id_vars, var_name="d", value_name="sales")
t2 = time.perf_counter()
print(json.dumps({
    "pandas": pd.__version__,
    "import_seconds": t1 - t0,
    "load_seconds": t2 - t1,
    "calendar_rows": len(calendar),
    "price_rows": len(prices),
    "sales_rows": len(sales),
    "day_columns": sales.shape[1] - len(id_vars),
    "long_rows": len(long),
}))
"""


def measure_child(argv: list[str]) -> None:
    """Intermediate process: run one child, print its wall time and peak RSS as JSON."""
    t0 = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "returncode": proc.returncode,
        "wall_seconds": wall,
        "maxrss_kib": ru.ru_maxrss,  # Linux: KiB
        "stdout": proc.stdout.decode("utf-8", "replace"),
        "stderr": proc.stderr.decode("utf-8", "replace")[-4000:],
    }))


def measure(argv: list[str], env: dict[str, str]) -> dict:
    """One measurement in a fresh intermediate process (so RUSAGE_CHILDREN is one child)."""
    out = subprocess.run(
        [sys.executable, "-S", str(Path(__file__).resolve()), "--measure", "--", *argv],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True,
    )
    rec = json.loads(out.stdout)
    if rec["returncode"] != 0:
        sys.exit(f"load_bench: {' '.join(argv)} failed with exit code {rec['returncode']}:\n{rec['stderr']}")
    return rec


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "mem_gib": mem_gib, "os": platform.platform()}


def warm_cache(data: Path) -> None:
    for name in FILES:
        p = data / name
        if p.is_file():
            with open(p, "rb") as f:
                while f.read(1 << 24):
                    pass


def fmt_mib(kib: float) -> str:
    return f"{kib / 1024:,.0f}"


def main() -> None:
    if len(sys.argv) >= 2 and sys.argv[1] == "--measure":
        argv = sys.argv[2:]
        if argv and argv[0] == "--":
            argv = argv[1:]
        measure_child(argv)
        return
    if len(sys.argv) != 2:
        sys.exit("usage: load_bench.py M5_DIR")
    data = Path(sys.argv[1]).resolve()
    for name in FILES:
        if not (data / name).is_file():
            sys.exit(f"load_bench: {data / name} is missing (run bash bench/load.sh)")
    if not TSFORGE.is_file():
        sys.exit(f"load_bench: {TSFORGE} is missing (cargo build --release -p tsforge-cli)")

    sizes = {name: (data / name).stat().st_size for name in FILES}
    print(f"load_bench: {data}")
    for name in FILES:
        print(f"  {name:<28} {sizes[name] / 2**20:>9,.1f} MiB")

    base_env = {k: v for k, v in os.environ.items() if k not in ("POLARS_MAX_THREADS", "RAYON_NUM_THREADS")}
    configs = []
    for threads in (1, 2):
        env = dict(base_env, POLARS_MAX_THREADS=str(threads), RAYON_NUM_THREADS=str(threads))
        configs.append(("tsforge", threads, [str(TSFORGE), "data", "inspect", str(data), "--json", "--quiet"], env))
    configs.append(("pandas", 1, [sys.executable, "-c", PANDAS_CHILD, str(data)], dict(base_env)))

    # Floor of the method: peak RSS reported for a trivial child.
    floor = measure(["/bin/true"], dict(base_env))

    warm_cache(data)
    runs: dict[tuple[str, int], list[dict]] = {(tool, th): [] for tool, th, _, _ in configs}
    for rep in range(REPEATS):
        for tool, threads, argv, env in configs:
            rec = measure(argv, env)
            rec["report"] = json.loads(rec["stdout"])
            runs[(tool, threads)].append(rec)
            extra = f", load {rec['report']['load_seconds']:.2f} s"
            print(f"  run {rep + 1}/{REPEATS} {tool:<7} threads={threads}: wall {rec['wall_seconds']:.2f} s{extra}, peak RSS {fmt_mib(rec['maxrss_kib'])} MiB", flush=True)

    # Sanity: both tools read the whole thing.
    for rec in runs[("tsforge", 1)] + runs[("tsforge", 2)]:
        r = rec["report"]
        assert r["kind"] == "m5" and r["has_prices"], r
    ts_rep = runs[("tsforge", 1)][0]["report"]
    pd_rep = runs[("pandas", 1)][0]["report"]
    assert pd_rep["long_rows"] == pd_rep["sales_rows"] * pd_rep["day_columns"], pd_rep
    assert ts_rep["series"] == pd_rep["sales_rows"] and ts_rep["time_points"] == pd_rep["day_columns"], (ts_rep, pd_rep)

    rows = []
    for tool, threads, _, _ in configs:
        recs = runs[(tool, threads)]
        rows.append({
            "tool": tool,
            "threads": threads,
            "wall": statistics.median(r["wall_seconds"] for r in recs),
            "walls": [r["wall_seconds"] for r in recs],
            "load": statistics.median(r["report"]["load_seconds"] for r in recs),
            "rss_kib": max(r["maxrss_kib"] for r in recs),
            "rss_all": [r["maxrss_kib"] for r in recs],
        })
    pandas_row = rows[-1]
    ratios = []
    for r in rows[:-1]:
        ratios.append({
            "threads": r["threads"],
            "wall": pandas_row["wall"] / r["wall"],
            "mem": r["rss_kib"] / pandas_row["rss_kib"],
        })

    table = [
        "| tool | threads | wall s (median of 3) | load s | peak RSS MiB (max of 3) |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        load = f"{r['load']:.2f}" if r["tool"] == "tsforge" else "—"
        table.append(f"| {r['tool']} | {r['threads']} | {r['wall']:.2f} | {load} | {fmt_mib(r['rss_kib'])} |")
    ratio_lines = []
    for q in ratios:
        ratio_lines.append(
            f"- tsforge with {q['threads']} thread{'s' if q['threads'] > 1 else ''}: "
            f"wall time pandas/tsforge = **{q['wall']:.2f}×**; peak memory tsforge/pandas = **{q['mem']:.2f}**"
        )

    m = machine()
    now = _dt.datetime.now().astimezone()
    pd_in = statistics.median(r["report"]["load_seconds"] for r in runs[("pandas", 1)])
    pd_imp = statistics.median(r["report"]["import_seconds"] for r in runs[("pandas", 1)])
    details = []
    for r in rows:
        walls = ", ".join(f"{w:.2f}" for w in r["walls"])
        rss = ", ".join(fmt_mib(k) for k in r["rss_all"])
        details.append(f"  - {r['tool']} threads={r['threads']}: wall {walls} s; peak RSS {rss} MiB")
    mem_txt = f", {m['mem_gib']:.1f} GiB RAM" if m["mem_gib"] else ""
    rel = os.path.relpath(data, ROOT)
    synth_note = " (`tsforge data synth --stores 10 --items 3049 --seed 0`)" if rel == "bench/data/m5-full" else ""
    section = "\n".join([
        TITLE,
        "",
        f"- Date: {now:%Y-%m-%d %H:%M %Z}",
        f"- Machine: {m['nproc']} CPUs (nproc), {m['cpu']}{mem_txt}; {m['os']}",
        "- Command: `bash bench/load.sh`",
        f"- Data: `{rel}`{synth_note}, "
        f"{ts_rep['series']:,} series × {ts_rep['time_points']:,} days; "
        + ", ".join(f"{n} {sizes[n] / 2**20:,.1f} MiB" for n in FILES),
        f"- tsforge: `target/release/tsforge data inspect DIR --json --quiet` at git {git_rev()}, "
        "threads set with POLARS_MAX_THREADS and RAYON_NUM_THREADS. It reads all four files "
        "(the validation file only for its header and ids), builds the dense panel with daily prices, "
        "and classifies the series; *load s* is its own `load_seconds` (loading only).",
        f"- pandas {pd_rep['pandas']} (Python {platform.python_version()}): `pd.read_csv` of calendar, "
        f"sell_prices and sales_train_evaluation with default options, then `melt` to long format "
        f"({pd_rep['long_rows']:,} rows). Single-threaded. Of its wall time, {pd_imp:.2f} s is "
        f"`import pandas` and {pd_in:.2f} s reading and melting.",
        "- Each run is a fresh process; wall time and peak RSS are measured from outside "
        "(`getrusage(RUSAGE_CHILDREN)` in a fresh intermediate process with one child), so both include "
        f"process start-up. Method floor (`/bin/true`): {floor['maxrss_kib'] / 1024:.1f} MiB. "
        f"Page cache warm (files read once before the {REPEATS} rounds).",
        "",
        *table,
        "",
        *ratio_lines,
        "",
        "<details><summary>All runs</summary>",
        "",
        *details,
        "",
        "</details>",
    ])

    print()
    print("\n".join(table))
    print()
    print("\n".join(ratio_lines))

    write_section("load-bench", section)
    print(f"\nload_bench: wrote the section to {os.path.relpath(RESULTS, Path.cwd())}")


if __name__ == "__main__":
    main()
