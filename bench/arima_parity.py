"""Parity of tsforge's AutoARIMA with statsforecast 2.1.1's AutoARIMA(season_length=m).

Runs statsforecast (per series, to read the chosen orders from `model_["arma"]`) and
tsforge (through its CLI, and through the `dump_orders` test of
crates/stats/tests/arima_golden.rs for the orders) on
  (a) M1 (../shared/datasets/m1, benchmark only): yearly/quarterly/monthly,
      h = 6/8/18, season 1/4/12;
  (b) datasets/m5-tiny: the first --m5-series series (statsforecast's AutoARIMA is
      slow on 1,900-day histories), h = 28, season 7, histories from the first
      non-zero sale;
prints per subset MASE and sMAPE of both tools, the share of series whose forecasts
agree pointwise (rtol 1e-3), the share with the same orders and both tools' wall
time; writes crates/stats/tests/golden/arima.json (statsforecast forecasts and
orders of a few M1 series of each subset and synthetic seasonal series, histories
included) and the arima-parity section of bench/RESULTS.md.

    cargo build -p tsforge-cli
    bench/.venv/bin/python bench/arima_parity.py [--golden-only] [--m5-series 30] [--tsforge PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import pickle
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ets_theta_parity as etp  # noqa: E402  (data loaders, metrics, CLI runners)
from results_md import RESULTS, git_rev, write_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "crates" / "stats" / "tests" / "golden" / "arima.json"
RTOL, ATOL = 1e-3, 1e-6
CACHE = Path(tempfile.gettempdir()) / "tsforge_arima_sf_cache"


def sf_one(args):
    """statsforecast AutoARIMA on one series: (mean, arma orders or None, error)."""
    y, h, m = args
    import warnings

    from statsforecast.models import AutoARIMA

    warnings.simplefilter("ignore")
    try:
        model = AutoARIMA(season_length=m).fit(y)
        mean = model.predict(h=h)["mean"]
        arma = model.model_["arma"]
        coef = model.model_["coef"]
        const = any(k in coef for k in ("intercept", "drift"))
        # (p, d, q, P, D, Q, constant)
        orders = [int(arma[0]), int(arma[5]), int(arma[1]), int(arma[2]), int(arma[6]), int(arma[3]), int(const)]
        return np.asarray(mean, float), orders, None
    except Exception as e:  # statsforecast's fallback_model would take over
        return None, None, f"{type(e).__name__}: {e}"


def run_statsforecast(ys, h, m, jobs):
    """Forecasts (Naive where AutoARIMA fails, as fallback_model=Naive()), orders and
    wall seconds; cached by input outside the project."""
    key = hashlib.sha256(repr((h, m, [y.tobytes() for y in ys])).encode()).hexdigest()[:20]
    path = CACHE / f"{key}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    t0 = time.perf_counter()
    with ProcessPoolExecutor(jobs) as ex:
        res = list(ex.map(sf_one, [(y, h, m) for y in ys], chunksize=4))
    secs = time.perf_counter() - t0
    fc = np.stack([r[0] if r[0] is not None else np.repeat(y[-1], h) for r, y in zip(res, ys)])
    out = (fc, [r[1] for r in res], secs)
    CACHE.mkdir(exist_ok=True)
    path.write_bytes(pickle.dumps(out))
    return out


ORDERS_BIN = os.environ.get("ARIMA_ORDERS_BIN")


def orders_bin() -> Path:
    """The arima_golden test executable (built once by cargo)."""
    global ORDERS_BIN
    if ORDERS_BIN is None:
        p = subprocess.run(["cargo", "test", "-p", "tsforge-stats", "--test", "arima_golden", "--no-run", "--message-format=json"],
                           cwd=ROOT, check=True, capture_output=True, text=True)
        exes = [json.loads(line).get("executable") for line in p.stdout.splitlines() if line.startswith("{")]
        ORDERS_BIN = [e for e in exes if e][-1]
    return Path(ORDERS_BIN)


def tsforge_orders(ys, h, m, work: Path):
    """tsforge's forecasts (f64 input) and orders through the dump_orders test."""
    work.mkdir(parents=True, exist_ok=True)
    inp, out = work / "orders_in.json", work / "orders_out.json"
    inp.write_text(json.dumps({"season_length": m, "horizon": h, "series": [[float(v) for v in y] for y in ys]}))
    env = dict(os.environ, ARIMA_ORDERS_IN=str(inp), ARIMA_ORDERS_OUT=str(out))
    t0 = time.perf_counter()
    subprocess.run([str(orders_bin()), "--ignored", "--exact", "dump_orders", "-q"], cwd=ROOT, env=env, check=True, capture_output=True)
    secs = time.perf_counter() - t0
    doc = json.loads(out.read_text())
    fc = np.stack([np.asarray(r["mean"], float) if r["mean"] is not None else np.repeat(y[-1], h) for r, y in zip(doc, ys)])
    return fc, [r["orders"] for r in doc], secs


def same_orders(a, b):
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    return float(np.mean([list(x) == list(y) for x, y in pairs])) if pairs else float("nan")


# ---------------------------------------------------------------- golden


def synthetic_series():
    rng = np.random.default_rng(20240611)
    out = []
    t = np.arange(72)
    out.append(("synth_monthly_seasonal", 12, 18, 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, 72)))
    t = np.arange(48)
    out.append(("synth_quarterly", 4, 8, 200 + 2 * t + np.tile([15.0, -5.0, -20.0, 10.0], 12) + rng.normal(0, 4, 48)))
    e = rng.normal(0, 1, 80)
    ar = np.zeros(80)
    for i in range(2, 80):
        ar[i] = 0.6 * ar[i - 1] - 0.3 * ar[i - 2] + e[i] + 0.4 * e[i - 1]
    out.append(("synth_arma", 1, 10, 50 + ar))
    out.append(("synth_random_walk", 1, 6, 100 + np.cumsum(rng.normal(0.5, 2, 40))))
    out.append(("synth_constant", 4, 4, np.full(20, 3.0)))
    out.append(("synth_short", 4, 4, np.array([5.0, 7, 6, 8, 9, 8])))
    return [(k, m, h, np.asarray(y, dtype=float)) for k, m, h, y in out]


def write_golden(m1):
    cases = []
    for subset, (ids, ys, _, h, m) in m1.items():
        for i in np.linspace(0, len(ids) - 1, 3).astype(int):
            cases.append((f"M1_{subset}_{ids[i]}", m, h, ys[i]))
    cases += synthetic_series()
    series = []
    for name, m, h, y in cases:
        mean, orders, err = sf_one((y, h, m))
        rec = {"id": name, "season_length": m, "horizon": h, "y": [float(v) for v in y]}
        if err is None:
            rec["mean"] = [float(v) for v in mean]
            rec["orders"] = orders
        else:
            rec["error"] = err
        series.append(rec)
    doc = {"source": "statsforecast 2.1.1 AutoARIMA(season_length=m) (bench/arima_parity.py); orders are (p, d, q, P, D, Q, constant)",
           "rtol": RTOL, "atol": ATOL, "series": series}
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {GOLDEN.relative_to(ROOT)} ({len(series)} series)")


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden-only", action="store_true")
    ap.add_argument("--m5-series", type=int, default=30)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--subsets", default="yearly,quarterly,monthly,m5-tiny")
    ap.add_argument("--tsforge", default=str(etp.TSFORGE_DEBUG))
    args = ap.parse_args()
    etp.TSFORGE_DEBUG = Path(args.tsforge)
    m1 = etp.load_m1()
    write_golden(m1)
    if args.golden_only:
        return
    subsets = args.subsets.split(",")
    work = Path(tempfile.mkdtemp(prefix="arima_parity_"))
    rows, mismatches = [], {}
    route = {"lib": False}
    for subset in subsets:
        if subset == "m5-tiny":
            ids, ys, truths = etp.load_m5()
            ids, ys, truths = ids[: args.m5_series], ys[: args.m5_series], truths[: args.m5_series]
            h, m = 28, 7
        else:
            ids, ys, truths, h, m = m1[subset]
        print(f"{subset}: {len(ids)} series ...", flush=True)
        sf_fc, sf_orders, sf_secs = run_statsforecast(ys, h, m, args.jobs)
        lib_fc, ts_orders, lib_secs = tsforge_orders(ys, h, m, work / subset)
        if Path(args.tsforge).exists():
            ts_all, ts_secs = etp.run_tsforge_long(ids, ys, truths, h, m, ["AutoARIMA"], work / subset)
            ts_fc = ts_all["AutoARIMA"]
        else:  # no CLI built: the library's forecasts (f64 input) and its wall time
            print(f"  {args.tsforge} missing: tsforge through the dump_orders test", flush=True)
            ts_fc, ts_secs = lib_fc, lib_secs
            route["lib"] = True
        share, bad = etp.close_share(ts_fc, sf_fc)
        mismatches[subset] = [str(ids[i]) for i in bad]
        row = dict(subset=subset, n=len(ids), mase_sf=etp.mase(ys, truths, sf_fc, m), mase_ts=etp.mase(ys, truths, ts_fc, m),
                   close=share, orders=same_orders(sf_orders, ts_orders), smape_sf=etp.smape(truths, sf_fc), smape_ts=etp.smape(truths, ts_fc),
                   sf_s=sf_secs, ts_s=ts_secs, sf_fail=sum(o is None for o in sf_orders))
        rows.append(row)
        print(row, flush=True)
    shutil.rmtree(work, ignore_errors=True)
    lines = [
        "## AutoARIMA parity with statsforecast",
        "",
        f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; git {git_rev()}",
        f"- Machine: {os.cpu_count()} CPUs (shared); {platform.platform()}; Python {platform.python_version()}, statsforecast 2.1.1",
        f"- Command: `bench/.venv/bin/python bench/arima_parity.py --m5-series {args.m5_series}` (tsforge: `{Path(args.tsforge).name} run ... --models AutoARIMA --season-length M`; orders from the `dump_orders` test of crates/stats/tests/arima_golden.rs)",
        "- M1 (`../shared/datasets/m1`, benchmark only): yearly h = 6 (m = 1), quarterly h = 8 (m = 4), monthly h = 18 (m = 12). "
        f"m5-tiny: the first {args.m5_series} series only (statsforecast's AutoARIMA is slow on 1,900-day histories), h = 28, m = 7, history from the first non-zero sale.",
        "- statsforecast: `AutoARIMA(season_length=m)` per series (Naive where it raises, as `fallback_model=Naive()`), "
        f"{args.jobs} processes; its wall time is the whole pool. tsforge: wall time of the CLI run (load, validation-window fit, final fit, write). "
        f"*close*: share of series whose whole forecast agrees within rtol {RTOL:g}; *same orders*: (p,d,q)(P,D,Q) and constant equal. MASE scale: seasonal naive in-sample MAE.",
        "",
        "| data | series | MASE statsforecast | MASE tsforge | MASE diff | close | same orders | sMAPE statsforecast | sMAPE tsforge | statsforecast s | tsforge s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        diff = (r["mase_ts"] - r["mase_sf"]) / r["mase_sf"] * 100
        lines.append(f"| {r['subset']} | {r['n']} | {r['mase_sf']:.4f} | {r['mase_ts']:.4f} | {diff:+.2f}% | {r['close']:.1%} | {r['orders']:.1%} | "
                     f"{r['smape_sf']:.3f} | {r['smape_ts']:.3f} | {r['sf_s']:.1f} | {r['ts_s']:.1f} |")
        print(lines[-1])
    if route["lib"]:
        lines.insert(4, "- tsforge ran through the library (`dump_orders` test, 2 rayon threads, f64 input, one fit per series): the CLI binary was not built for this run.")
    lines += ["", "<details><summary>Series not within tolerance</summary>", ""]
    for k, bad in mismatches.items():
        if bad:
            lines.append(f"- {k} ({len(bad)}): {', '.join(bad[:40])}{' ...' if len(bad) > 40 else ''}")
    lines += ["", "</details>"]
    write_section("arima-parity", "\n".join(lines))
    print(f"wrote section of {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
