"""Feature building: tsforge-features vs mlforecast on the full-scale synthetic M5 set.

    bench/.venv/bin/python bench/features_vs_mlforecast.py [--days 365] [--threads 1,2] [--no-build] [--no-write]

Both tools get the same history, the last DAYS days of every one of the 30,490 series
of bench/data/m5-full, and build the same 42 features for every series x every one of
those days (DAYS x 30,490 rows): 7 lags, 13 rolling mean/std/min/max, an expanding
mean and 3 EWMs on lags 28/35, 7 date features, the 4 event columns, SNAP of the
series' own state, the sell price and the 5 hierarchy ids.

- tsforge: `target/release/examples/m5_features window DIR SPEC DAYS` (crate
  tsforge-features): the M5 loader, then a panel of the last DAYS days (sales,
  calendar, prices), then `build_with` for all its rows.
- mlforecast: pandas reads the three CSVs (ids as categories), keeps the last DAYS
  day columns, melts to long format, merges the calendar (event columns coded as
  tsforge codes them, SNAP of the own state, dates) and the prices (the usual M5
  recipe for giving mlforecast exogenous columns), sorts by series and date; then
  `MLForecast.preprocess(df, static_features=ids, dropna=False)` computes lags, lag
  transforms (coreforecast) and date features; y is float32 like tsforge's.

Each run is a fresh process, measured from outside (wall time and peak RSS through
`load_bench.py --measure`, i.e. getrusage of one child); each tool also reports its
loading and feature-step seconds and its peak RSS (VmHWM) at the end of loading.
Three series are spot-checked column by column between the two outputs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from results_md import git_rev, write_section

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "m5-full"
EXE = ROOT / "target" / "release" / "examples" / "m5_features"
CHECK_SERIES = [0, 12345, 30489]

SPEC = {
    "lags": [28, 29, 30, 35, 42, 49, 56],
    "rolling": (
        [{"stat": "mean", "shift": 28, "window": w} for w in (7, 14, 28, 56)]
        + [{"stat": "std", "shift": 28, "window": w} for w in (7, 28, 56)]
        + [{"stat": "min", "shift": 28, "window": w} for w in (7, 28)]
        + [{"stat": "max", "shift": 28, "window": w} for w in (7, 28)]
        + [{"stat": "mean", "shift": 35, "window": w} for w in (7, 28)]
    ),
    "expanding_mean": [28],
    "ewm_mean": [{"shift": 28, "alpha": a} for a in (0.1, 0.3, 0.5)],
    "calendar": ["day_of_week", "day_of_month", "week_of_year", "month", "year", "quarter", "weekend"],
    "events": ["event_name_1", "event_type_1", "event_name_2", "event_type_2", "snap"],
    "prices": ["sell_price"],
    "ids": ["item", "dept", "cat", "store", "state"],
}

# tsforge column name -> mlforecast column name (where they differ)
def ml_name(ts: str) -> str:
    fixed = {"day_of_week": "dayofweek", "day_of_month": "day", "week_of_year": "week"}
    if ts in fixed:
        return fixed[ts]
    if ts.startswith("rolling_"):
        return ts.replace("_window", "_window_size")
    if ts.startswith("ewm_mean_"):
        return ts.replace("ewm_mean_", "exponentially_weighted_mean_")
    return ts


ML_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np, pandas as pd
import lightgbm as lgb
from mlforecast import MLForecast
from mlforecast.lag_transforms import RollingMean, RollingStd, RollingMin, RollingMax, ExpandingMean, ExponentiallyWeightedMean

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

d, days, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
check = [int(s) for s in sys.argv[4].split(",") if s]
t1 = time.perf_counter()
ids = ["id", "item_id", "dept_id", "cat_id", "store_id", "state_id"]
cal = pd.read_csv(f"{d}/calendar.csv")
prices = pd.read_csv(f"{d}/sell_prices.csv", dtype={"store_id": "category", "item_id": "category", "sell_price": "float32"})
sales = pd.read_csv(f"{d}/sales_train_evaluation.csv", dtype={c: "category" for c in ids})
n_days = sales.shape[1] - len(ids)
first = n_days - days + 1
sales = sales[ids + [f"d_{k}" for k in range(first, n_days + 1)]]
order = list(sales["id"])
long = sales.melt(id_vars=ids, var_name="d", value_name="y")
del sales
long["y"] = long["y"].astype("float32")
# calendar: event codes as tsforge's vocabulary (0 none, 1 + position among sorted names of both columns)
names = sorted(set(cal["event_name_1"].dropna()) | set(cal["event_name_2"].dropna()))
types = sorted(set(cal["event_type_1"].dropna()) | set(cal["event_type_2"].dropna()))
for c, table in (("event_name_1", names), ("event_name_2", names), ("event_type_1", types), ("event_type_2", types)):
    code = {v: float(k + 1) for k, v in enumerate(table)}
    cal[c] = cal[c].map(code).fillna(0.0).astype("float32")
cal["ds"] = pd.to_datetime(cal["date"])
cal = cal[["d", "ds", "wm_yr_wk", "event_name_1", "event_type_1", "event_name_2", "event_type_2", "snap_CA", "snap_TX", "snap_WI"]]
long = long.merge(cal, on="d", how="left")
state = long["state_id"].astype(str)
long["snap"] = np.select([state == "CA", state == "TX", state == "WI"], [long["snap_CA"], long["snap_TX"], long["snap_WI"]], np.nan).astype("float32")
long = long.drop(columns=["d", "snap_CA", "snap_TX", "snap_WI"])
long = long.merge(prices, on=["store_id", "item_id", "wm_yr_wk"], how="left").drop(columns=["wm_yr_wk"])
del prices
long = long.rename(columns={"id": "unique_id"}).sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
t2 = time.perf_counter()
hwm_load = hwm()

def weekend(dates):
    return (dates.dayofweek >= 5).astype("int8")

fcst = MLForecast(
    models=[lgb.LGBMRegressor()],
    freq="D",
    lags=[28, 29, 30, 35, 42, 49, 56],
    lag_transforms={
        28: [RollingMean(7), RollingMean(14), RollingMean(28), RollingMean(56), RollingStd(7), RollingStd(28), RollingStd(56),
             RollingMin(7), RollingMin(28), RollingMax(7), RollingMax(28), ExpandingMean(),
             ExponentiallyWeightedMean(0.1), ExponentiallyWeightedMean(0.3), ExponentiallyWeightedMean(0.5)],
        35: [RollingMean(7), RollingMean(28)],
    },
    date_features=["dayofweek", "day", "week", "month", "year", "quarter", weekend],
    num_threads=threads,
)
X = fcst.preprocess(long, static_features=["item_id", "dept_id", "cat_id", "store_id", "state_id"], dropna=False, validate_data=False)
t3 = time.perf_counter()
feat = [c for c in X.columns if c not in ("unique_id", "ds", "y")]
print(json.dumps({"import_seconds": t1 - t0, "load_seconds": t2 - t1, "features_seconds": t3 - t2, "rows": len(X), "cols": len(feat),
                  "names": feat, "vm_hwm_after_load_kib": hwm_load, "vm_hwm_kib": hwm(), "dtypes": {c: str(X[c].dtype) for c in feat}}))
for i in check:
    sub = X[X["unique_id"] == order[i]]
    for c in feat:
        s = sub[c]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.cat.codes.astype("float64")
        v = s.astype("float64").to_numpy()
        print(json.dumps({"series": i, "column": c, "values": [None if np.isnan(x) else float(x) for x in v]}))
"""


def measure(argv: list[str], env: dict[str, str]) -> dict:
    out = subprocess.run([sys.executable, "-S", str(ROOT / "bench" / "load_bench.py"), "--measure", "--", *argv],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    rec = json.loads(out.stdout)
    if rec["returncode"] != 0:
        sys.exit(f"features_vs_mlforecast: {' '.join(argv[:3])} failed ({rec['returncode']}):\n{rec['stderr']}")
    lines = [json.loads(line) for line in rec["stdout"].splitlines() if line.startswith("{")]
    rec["report"], rec["check"] = lines[0], lines[1:]
    return rec


def compare(ts_check: list[dict], ml_check: list[dict]) -> list[dict]:
    ml = {(r["series"], r["column"]): r["values"] for r in ml_check}
    out = []
    for r in ts_check:
        a = np.array([np.nan if v is None else v for v in r["values"]], dtype=np.float64)
        key = (r["series"], ml_name(r["column"]))
        if key not in ml:
            out.append({"series": r["series"], "column": r["column"], "ok": False, "max_abs": math.inf, "note": "missing in mlforecast"})
            continue
        b = np.array([np.nan if v is None else v for v in ml[key]], dtype=np.float64)
        same_nan = bool(np.array_equal(np.isnan(a), np.isnan(b)))
        both = ~np.isnan(a) & ~np.isnan(b)
        diff = np.abs(a[both] - b[both])
        max_abs = float(diff.max()) if diff.size else 0.0
        tol = 1e-4 * np.maximum(1.0, np.abs(b[both]))
        ok = same_nan and len(a) == len(b) and bool(np.all(diff <= tol))
        out.append({"series": r["series"], "column": r["column"], "ok": ok, "max_abs": max_abs, "nan_equal": same_nan, "n": len(a)})
    return out


def reference_check(bad: list[dict], ts_check: list[dict], ml_check: list[dict], days: int) -> list[str]:
    """For differing rolling/EWM/expanding columns: distance of each tool from a float64 pandas reference."""
    import pandas as pd

    wanted = sorted({c["series"] for c in bad})
    sales = pd.read_csv(DATA / "sales_train_evaluation.csv", skiprows=lambda r: r != 0 and (r - 1) not in wanted)
    y_of = {i: sales.iloc[k, 6:].to_numpy(np.float64)[-days:] for k, i in enumerate(wanted)}
    ts = {(r["series"], r["column"]): r["values"] for r in ts_check}
    ml = {(r["series"], r["column"]): r["values"] for r in ml_check}
    out = []
    for c in bad:
        name, y = c["column"], pd.Series(y_of[c["series"]])
        parts = name.split("_")
        if not name.startswith("rolling_"):
            out.append(f"series {c['series']} {name}: no reference computed")
            continue
        stat, lag, win = parts[1], int(parts[2][3:]), int(parts[3][6:])
        ref = getattr(y.shift(lag).rolling(win), stat)().to_numpy()
        arr = lambda v: np.array([np.nan if x is None else x for x in v], dtype=np.float64)
        d_ts = np.nanmax(np.abs(arr(ts[(c["series"], name)]) - ref))
        d_ml = np.nanmax(np.abs(arr(ml[(c["series"], ml_name(name))]) - ref))
        out.append(f"series {c['series']} {name}: max |tsforge - pandas float64| = {d_ts:.2e}, max |mlforecast - pandas float64| = {d_ml:.2e}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-p", "tsforge-features", "--example", "m5_features"], cwd=ROOT, check=True)
    if not (DATA / "sales_train_evaluation.csv").is_file():
        subprocess.run(["cargo", "build", "--release", "--bin", "tsforge"], cwd=ROOT, check=True)
        subprocess.run([str(ROOT / "target/release/tsforge"), "data", "synth", "--out", str(DATA)], cwd=ROOT, check=True)
    threads = [int(t) for t in args.threads.split(",")]
    base = {k: v for k, v in os.environ.items() if k not in ("POLARS_MAX_THREADS", "RAYON_NUM_THREADS", "OMP_NUM_THREADS")}
    check = ",".join(map(str, CHECK_SERIES))
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        spec_path = Path(tmp) / "spec.json"
        spec_path.write_text(json.dumps(SPEC))
        for th in threads:
            env = dict(base, POLARS_MAX_THREADS=str(th), RAYON_NUM_THREADS=str(th), OMP_NUM_THREADS=str(th))
            ts = measure([str(EXE), "window", str(DATA), str(spec_path), str(args.days), check], env)
            r = ts["report"]
            print(f"tsforge    threads={th}: wall {ts['wall_seconds']:.2f} s (load {r['load_seconds']:.2f}, features {r['build_seconds']:.2f}), "
                  f"peak RSS {ts['maxrss_kib'] / 1024:,.0f} MiB (after load {r['vm_hwm_after_load_kib'] / 1024:,.0f}); {r['rows']:,} rows x {r['cols']}", flush=True)
            ml = measure([sys.executable, "-c", ML_CHILD, str(DATA), str(args.days), str(th), check], env)
            m = ml["report"]
            print(f"mlforecast threads={th}: wall {ml['wall_seconds']:.2f} s (load+prep {m['load_seconds']:.2f}, features {m['features_seconds']:.2f}), "
                  f"peak RSS {ml['maxrss_kib'] / 1024:,.0f} MiB (after load {m['vm_hwm_after_load_kib'] / 1024:,.0f}); {m['rows']:,} rows x {m['cols']}", flush=True)
            assert r["rows"] == m["rows"] and r["cols"] == m["cols"], (r["rows"], m["rows"], r["cols"], m["cols"])
            runs.append((th, ts, ml))
    checks = compare(runs[0][1]["check"], runs[0][2]["check"])
    bad = [c for c in checks if not c["ok"]]
    print(f"spot check: {len(checks) - len(bad)}/{len(checks)} (series, column) pairs agree (rtol 1e-4, NaNs in the same places)")
    refs = reference_check(bad, runs[0][1]["check"], runs[0][2]["check"], args.days) if bad else []
    for c in bad:
        print("  differs:", c)
    for line in refs:
        print("  ", line)

    import lightgbm, mlforecast, pandas
    ts0, ml0 = runs[0][1]["report"], runs[0][2]["report"]
    lines = [
        "## Feature building: tsforge-features vs mlforecast (full-scale synthetic M5)",
        "",
        f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; command: `bench/.venv/bin/python bench/features_vs_mlforecast.py --days {args.days}`; "
        f"{os.cpu_count()} CPUs, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB RAM, **shared machine** (other builds and benchmarks ran at the same time; single runs, noisy); tsforge at git {git_rev()}; "
        f"mlforecast {mlforecast.__version__}, pandas {pandas.__version__}, Python {sys.version.split()[0]}.",
        f"- Data: `bench/data/m5-full` (30,490 series x 1,941 days, synthetic). Both tools get the **last {args.days} days** of every series as history "
        f"(d_{ts0['first_day']}..d_1941) and build features for every series x every one of those days: **{ts0['rows']:,} rows x {ts0['cols']} features** "
        "(7 lags 28..56; rolling mean 7/14/28/56, std 7/28/56, min 7/28, max 7/28 on lag 28 and mean 7/28 on lag 35; expanding mean and EWM alpha 0.1/0.3/0.5 on lag 28; "
        "day of week/month, ISO week, month, year, quarter, weekend; event name/type 1 and 2; SNAP of the own state; sell price; item/dept/cat/store/state ids).",
        "- tsforge: `target/release/examples/m5_features window` (M5 loader of the whole folder, then a panel of the last days only, sales, calendar and prices, "
        "and `tsforge_features::build_with` over all its rows, codes from the whole calendar); threads via RAYON_NUM_THREADS / POLARS_MAX_THREADS. Output: one column-major f32 matrix.",
        "- mlforecast: pandas `read_csv` (ids and price keys as categories, price float32), last-days columns, `melt`, merge of the calendar (event columns pre-coded as "
        "tsforge codes them, date) and of the prices, SNAP of the own state, sort by series and date (all *load+prep*); then "
        "`MLForecast(lags=..., lag_transforms=..., date_features=[..., weekend], num_threads=N).preprocess(df, static_features=ids, dropna=False, validate_data=False)` "
        "(*features*); y float32, so lag features are float32 too. mlforecast does not compute event, SNAP or price columns: it takes them as exogenous columns of the "
        "input, so building them is in its load+prep, as tsforge builds them in its feature step.",
        "- Wall time and peak RSS are per fresh process, measured from outside (`getrusage` of one child via `load_bench.py --measure`), process start-up and imports included; "
        "*after load* is the process's own VmHWM when loading ended.",
        "",
        "| threads | tool | wall s | load (+prep) s | features s | peak RSS MiB | peak after load MiB |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    ratio_lines = []
    for th, ts, ml in runs:
        r, m = ts["report"], ml["report"]
        lines.append(f"| {th} | tsforge | {ts['wall_seconds']:.2f} | {r['load_seconds']:.2f} | {r['build_seconds']:.2f} | {ts['maxrss_kib'] / 1024:,.0f} | {r['vm_hwm_after_load_kib'] / 1024:,.0f} |")
        lines.append(f"| {th} | mlforecast | {ml['wall_seconds']:.2f} | {m['load_seconds']:.2f} | {m['features_seconds']:.2f} | {ml['maxrss_kib'] / 1024:,.0f} | {m['vm_hwm_after_load_kib'] / 1024:,.0f} |")
        fr = m["features_seconds"] / r["build_seconds"]
        pr = (m["load_seconds"] + m["features_seconds"]) / (r["load_seconds"] + r["build_seconds"])
        wr = ml["wall_seconds"] / ts["wall_seconds"]
        mr = ts["maxrss_kib"] / ml["maxrss_kib"]
        ratio_lines.append(f"- {th} thread(s): feature step mlforecast/tsforge = **{fr:.2f}x**; load+features = **{pr:.2f}x**; whole process wall = **{wr:.2f}x**; peak memory tsforge/mlforecast = **{mr:.2f}**")
        print(ratio_lines[-1])
    lines += ["", *ratio_lines, "- Goal (issue 4): at least 3x faster, at most half the memory.",
              f"- Spot check (series {', '.join(map(str, CHECK_SERIES))}, every column, every row): {len(checks) - len(bad)}/{len(checks)} (series, column) pairs agree within rtol 1e-4 with NaNs in the same places"
              + ("." if not bad else "; differing: " + ", ".join(sorted({c['column'] for c in bad})) + " (against a float64 pandas reference: " + "; ".join(refs) + ").")]
    if not args.no_write:
        write_section("features-vs-mlforecast", "\n".join(lines))
        print("wrote bench/RESULTS.md section features-vs-mlforecast")


if __name__ == "__main__":
    main()
