"""Parity of tsforge's ETS and Theta models with statsforecast 2.1.1.

Runs statsforecast and tsforge (through its CLI) on
  (a) datasets/m5-tiny: train d_1..d_1913, h = 28, season 7, each series' history
      starting at its first non-zero sale (tsforge's M5 rule);
  (b) M1 (../shared/datasets/m1, benchmark only): yearly/quarterly/monthly,
      h = 6/8/18, season 1/4/12,
prints MASE of both tools, the share of series whose forecasts agree pointwise
(rtol 1e-3) and M1 sMAPE per subset, writes crates/stats/tests/golden/ets_theta.json
(statsforecast forecasts of 15 m5-tiny series and synthetic seasonal series,
histories included) and the ets-theta-parity section of bench/RESULTS.md, and
times AutoETS on a subset of bench/data/m5-full when it exists.

    bash bench/setup.sh && cargo build -p tsforge-cli
    bench/.venv/bin/python bench/ets_theta_parity.py [--skip-timing] [--golden-only]
"""

from __future__ import annotations

from results_md import RESULTS, git_rev, write_section
import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("NIXTLA_ID_AS_COL", "1")
from statsforecast import StatsForecast  # noqa: E402
from statsforecast.models import AutoETS, AutoTheta, Holt, Naive, OptimizedTheta, Theta  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
M5 = ROOT / "datasets" / "m5-tiny"
M1 = ROOT.parent / "shared" / "datasets" / "m1"
GOLDEN = ROOT / "crates" / "stats" / "tests" / "golden" / "ets_theta.json"
MODELS = ["AutoETS", "AutoTheta", "Theta", "OptimizedTheta", "Holt"]
RTOL, ATOL = 1e-3, 1e-6
TSFORGE_DEBUG = ROOT / "target" / "debug" / "tsforge"
TSFORGE_RELEASE = ROOT / "target" / "release" / "tsforge"


def sf_models(m: int):
    return [
        AutoETS(season_length=m),
        AutoTheta(season_length=m),
        Theta(season_length=m),
        OptimizedTheta(season_length=m),
        Holt(season_length=m),
    ]


# ---------------------------------------------------------------- data


def load_m5():
    """(ids, trimmed train histories, truths) of m5-tiny."""
    tr = pd.read_csv(M5 / "sales_train_validation.csv.gz")
    ev = pd.read_csv(M5 / "sales_train_evaluation.csv.gz").set_index("id")
    dcols = [f"d_{i}" for i in range(1, 1914)]
    tcols = [f"d_{i}" for i in range(1914, 1942)]
    ids, ys, truths = [], [], []
    for _, row in tr.iterrows():
        y = row[dcols].to_numpy(dtype=float)
        nz = np.flatnonzero(y != 0)
        y = y[nz[0]:] if len(nz) else y
        ids.append(row["id"])
        ys.append(y)
        eid = row["id"].replace("_validation", "_evaluation")
        truths.append(ev.loc[eid, tcols].to_numpy(dtype=float))
    return ids, ys, truths


def load_m1():
    """{subset: (ids, train histories, tests, h, m)}"""
    meta = pd.read_csv(M1 / "m1_meta.csv.gz")
    train = pd.read_csv(M1 / "m1_train.csv.gz")
    test = pd.read_csv(M1 / "m1_test.csv.gz")
    out = {}
    for subset, m in [("yearly", 1), ("quarterly", 4), ("monthly", 12)]:
        sub = meta[meta.subset == subset]
        h = int(sub.horizon.iloc[0])
        ids = list(sub.unique_id)
        tr = train[train.unique_id.isin(ids)].sort_values(["unique_id", "ds"])
        te = test[test.unique_id.isin(ids)].sort_values(["unique_id", "ds"])
        trg = {k: g.y.to_numpy(float) for k, g in tr.groupby("unique_id")}
        teg = {k: g.y.to_numpy(float) for k, g in te.groupby("unique_id")}
        ids = [i for i in ids if i in trg and i in teg and len(teg[i]) == h]
        out[subset] = (ids, [trg[i] for i in ids], [teg[i] for i in ids], h, m)
    return out


# ---------------------------------------------------------------- runners


CACHE = Path(tempfile.gettempdir()) / "tsforge_ets_theta_sf_cache"


def run_statsforecast(ids, ys, h, m, n_jobs=1):
    """{alias: array (n_series, h)} and seconds per model; cached by input (outside
    the project) because statsforecast takes minutes on m5-tiny."""
    import hashlib
    import pickle

    key = hashlib.sha256(repr((h, m, [str(i) for i in ids], [y.tobytes() for y in ys])).encode()).hexdigest()[:20]
    path = CACHE / f"{key}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    res = _run_statsforecast(ids, ys, h, m, n_jobs)
    CACHE.mkdir(exist_ok=True)
    path.write_bytes(pickle.dumps(res))
    return res


def _run_statsforecast(ids, ys, h, m, n_jobs=1):
    rows = []
    for uid, y in zip(ids, ys):
        rows.append(pd.DataFrame({"unique_id": uid, "ds": np.arange(1, len(y) + 1), "y": y}))
    df = pd.concat(rows, ignore_index=True)
    out, secs = {}, {}
    for model in sf_models(m):
        t0 = time.perf_counter()
        sf = StatsForecast(models=[model], freq=1, n_jobs=n_jobs, fallback_model=Naive())
        fc = sf.forecast(df=df, h=h)
        secs[model.alias] = time.perf_counter() - t0
        fc = fc.set_index("unique_id")
        out[model.alias] = np.stack([fc.loc[[uid], model.alias].to_numpy(float) for uid in ids])
    return out, secs


def tsforge_bin() -> Path:
    if not TSFORGE_DEBUG.exists():
        subprocess.run(["cargo", "build", "-p", "tsforge-cli"], cwd=ROOT, check=True)
    return TSFORGE_DEBUG


def run_tsforge_long(ids, ys, tests, h, m, models, workdir: Path):
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / "data.csv"
    with open(data, "w") as f:
        f.write("unique_id,ds,y\n")
        for uid, y, t in zip(ids, ys, tests):
            full = np.concatenate([y, t])
            for k, v in enumerate(full, start=1):
                f.write(f"{uid},{k},{float(v)!r}\n")
    out = workdir / "out"
    t0 = time.perf_counter()
    cmd = [str(tsforge_bin()), "run", "--data", str(data), "--horizon", str(h), "--season-length", str(m),
           "--models", ",".join(models), "--out", str(out), "--quiet"]
    subprocess.run(cmd, cwd=ROOT, check=True)
    secs = time.perf_counter() - t0
    res = {}
    for alias in models:
        fc = pd.read_csv(out / "forecasts" / f"{alias}.csv").sort_values(["unique_id", "ds"])
        g = {k: v[alias].to_numpy(float) for k, v in fc.groupby("unique_id")}
        res[alias] = np.stack([g[str(uid)] for uid in ids])
    return res, secs


def run_tsforge_m5(ids, models, workdir: Path):
    out = workdir / "out"
    t0 = time.perf_counter()
    cmd = [str(tsforge_bin()), "run", "--data", str(M5), "--horizon", "28", "--season-length", "7",
           "--models", ",".join(models), "--out", str(out), "--quiet"]
    subprocess.run(cmd, cwd=ROOT, check=True)
    secs = time.perf_counter() - t0
    res = {}
    for alias in models:
        fc = pd.read_csv(out / "forecasts" / f"{alias}.csv").set_index("id")
        res[alias] = np.stack([fc.loc[uid, [f"F{i}" for i in range(1, 29)]].to_numpy(float) for uid in ids])
    return res, secs


# ---------------------------------------------------------------- metrics


def mase(ys, truths, fc, m):
    vals = []
    for y, t, f in zip(ys, truths, fc):
        lag = m if len(y) > m else 1
        scale = np.mean(np.abs(y[lag:] - y[:-lag])) if len(y) > lag else np.nan
        if not np.isfinite(scale) or scale == 0:
            continue
        vals.append(np.mean(np.abs(t - f)) / scale)
    return float(np.mean(vals))


def smape(truths, fc):
    vals = []
    for t, f in zip(truths, fc):
        d = np.abs(t) + np.abs(f)
        r = np.where(d > 0, np.abs(t - f) / np.where(d > 0, d, 1), 0.0)
        vals.append(200 * np.mean(r))
    return float(np.mean(vals))


def close_share(a, b):
    ok = [np.allclose(x, y, rtol=RTOL, atol=ATOL) for x, y in zip(a, b)]
    return float(np.mean(ok)), [i for i, v in enumerate(ok) if not v]


# ---------------------------------------------------------------- golden


def synthetic_series():
    """Deterministic seasonal/trending series (no randomness from outside the seed)."""
    rng = np.random.default_rng(20240611)
    out = []
    t = np.arange(96)
    out.append(("synth_monthly_mult", 12, 18, (100 + 0.8 * t) * (1 + 0.25 * np.sin(2 * np.pi * t / 12)) * np.exp(rng.normal(0, 0.03, 96))))
    t = np.arange(60)
    out.append(("synth_monthly_add", 12, 18, 50 + 0.3 * t + 8 * np.cos(2 * np.pi * t / 12) + rng.normal(0, 1.5, 60)))
    t = np.arange(48)
    out.append(("synth_quarterly", 4, 8, 200 + 2 * t + np.tile([15.0, -5.0, -20.0, 10.0], 12) + rng.normal(0, 4, 48)))
    t = np.arange(30)
    out.append(("synth_yearly_trend", 1, 6, 1000 * np.exp(0.05 * t + np.cumsum(rng.normal(0, 0.03, 30)))))
    t = np.arange(140)
    out.append(("synth_daily_weekly", 7, 28, np.maximum(0, 20 + 6 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 2, 140)).round()))
    t = np.arange(20)
    out.append(("synth_short_weekly", 7, 7, 10 + np.tile([3.0, 1, 0, -1, -2, -1, 0], 3)[:20] + 0.2 * t))
    return [(k, m, h, np.asarray(y, dtype=float)) for k, m, h, y in out]


def golden_cases(ids, ys):
    # 15 varied m5-tiny series: spread over the list, plus the longest / densest ones
    idx = sorted(set(list(range(0, len(ids), len(ids) // 12))[:12] + list(np.argsort([-(y > 0).mean() for y in ys])[:3])))[:15]
    cases = [(ids[i], 7, 28, ys[i]) for i in idx]
    return cases + synthetic_series()


def write_golden(ids, ys):
    series = []
    for name, m, h, y in golden_cases(ids, ys):
        entry = {"id": name, "season_length": m, "horizon": h, "y": [float(v) for v in y], "models": {}}
        for model in sf_models(m):
            rec = {}
            try:
                model.fit(y)
                p = model.predict(h=h, level=[80, 95]) if model.alias in ("AutoETS", "Holt") else model.predict(h=h)
                rec["mean"] = [float(v) for v in p["mean"]]
                if model.alias in ("AutoETS", "Holt"):
                    rec["method"] = model.model_["method"]
                    rec["intervals"] = {str(lv): {"lo": [float(v) for v in p[f"lo-{lv}"]], "hi": [float(v) for v in p[f"hi-{lv}"]]} for lv in (80, 95)}
                else:
                    rec["method"] = model.model_["modeltype"]
            except Exception as e:  # statsforecast cannot fit: tsforge must return an error
                rec = {"error": f"{type(e).__name__}: {e}"}
            entry["models"][model.alias] = rec
        series.append(entry)
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "source": "statsforecast 2.1.1 (bench/ets_theta_parity.py); m5-tiny histories trimmed at the first non-zero sale; synthetic series generated with numpy default_rng(20240611)",
        "rtol": RTOL,
        "atol": ATOL,
        "series": series,
    }
    GOLDEN.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {GOLDEN.relative_to(ROOT)} ({len(series)} series)")


# ---------------------------------------------------------------- timing


def measure(cmd, env=None):
    """(wall s, peak RSS MiB) of a fresh process, measured from outside."""
    wrapper = (
        "import resource, subprocess, sys, time, json\n"
        "t=time.perf_counter(); r=subprocess.run(sys.argv[1:]); w=time.perf_counter()-t\n"
        "ru=resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps({'rc': r.returncode, 'wall': w, 'rss': ru.ru_maxrss/1024}))\n"
    )
    p = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True, env=env, cwd=ROOT)
    res = json.loads(p.stdout.strip().splitlines()[-1])
    if res["rc"] != 0:
        raise RuntimeError(f"{cmd} failed: {p.stderr[-2000:]}")
    return res["wall"], res["rss"]


SF_TIMING = """
import os, sys, time
os.environ['NIXTLA_ID_AS_COL'] = '1'
import numpy as np, pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import AutoETS, Naive
df = pd.read_parquet(sys.argv[1])
sf = StatsForecast(models=[AutoETS(season_length=7)], freq=1, n_jobs=int(sys.argv[2]), fallback_model=Naive())
fc = sf.forecast(df=df, h=28)
print(len(fc))
"""


def timing(n_series: int):
    full = ROOT / "bench" / "data" / "m5-full"
    if not (full / "sales_train_validation.csv").exists():
        return None
    exe = TSFORGE_RELEASE if TSFORGE_RELEASE.exists() else tsforge_bin()
    work = Path(tempfile.mkdtemp(prefix="ets_timing_"))
    # subset: the first n_series rows of the validation file, with the other M5 files
    sub = work / "m5-sub"
    sub.mkdir()
    with open(full / "sales_train_validation.csv") as src, open(sub / "sales_train_validation.csv", "w") as dst:
        for k, line in enumerate(src):
            if k > n_series:
                break
            dst.write(line)
    ids = pd.read_csv(sub / "sales_train_validation.csv", usecols=["id"]).id.str.replace("_validation", "_evaluation")
    ev = pd.read_csv(full / "sales_train_evaluation.csv", nrows=n_series + 50)
    ev[ev.id.isin(set(ids))].to_csv(sub / "sales_train_evaluation.csv", index=False)
    os.symlink(full / "calendar.csv", sub / "calendar.csv")
    tr = pd.read_csv(sub / "sales_train_validation.csv")
    # prices of the subset's items only, so loading stays proportional to the subset
    keys = set(zip(tr.store_id, tr.item_id))
    prices = pd.read_csv(full / "sell_prices.csv")
    prices[[k in keys for k in zip(prices.store_id, prices.item_id)]].to_csv(sub / "sell_prices.csv", index=False)
    dcols = [c for c in tr.columns if c.startswith("d_")]
    rows = []
    for _, r in tr.iterrows():
        y = r[dcols].to_numpy(float)
        nz = np.flatnonzero(y != 0)
        y = y[nz[0]:] if len(nz) else y
        rows.append(pd.DataFrame({"unique_id": r["id"], "ds": np.arange(1, len(y) + 1), "y": y}))
    pq = work / "sf.parquet"
    pd.concat(rows, ignore_index=True).to_parquet(pq)
    script = work / "sf_timing.py"
    script.write_text(SF_TIMING)
    res = []
    for threads in (1, 2):
        env = dict(os.environ, RAYON_NUM_THREADS=str(threads), POLARS_MAX_THREADS=str(threads))
        out = work / f"out{threads}"
        w, r = measure([str(exe), "run", "--data", str(sub), "--horizon", "28", "--season-length", "7", "--models", "AutoETS", "--out", str(out), "--quiet"], env)
        lb = pd.read_csv(out / "leaderboard.csv")
        fit_s = float(lb.loc[lb.alias == "AutoETS", "fit_seconds"].iloc[0])
        res.append(("tsforge", threads, w, r, fit_s))
        w, r = measure([sys.executable, str(script), str(pq), str(threads)])
        res.append(("statsforecast", threads, w, r, None))
    shutil.rmtree(work, ignore_errors=True)
    return {"n_series": n_series, "exe": str(exe.relative_to(ROOT)), "runs": res}


# ---------------------------------------------------------------- report


def write_results(lines):
    write_section("ets-theta-parity", "\n".join(lines))

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden-only", action="store_true")
    ap.add_argument("--skip-timing", action="store_true")
    ap.add_argument("--timing-series", type=int, default=500)
    ap.add_argument("--models", default=",".join(MODELS))
    args = ap.parse_args()
    models = args.models.split(",")

    ids, ys, truths = load_m5()
    write_golden(ids, ys)
    if args.golden_only:
        return

    table = []  # (dataset, model, mase_sf, mase_ts, close share, smape_sf, smape_ts)
    mismatches = {}
    work = Path(tempfile.mkdtemp(prefix="ets_parity_"))
    print("m5-tiny ...", flush=True)
    sf_fc, sf_secs = run_statsforecast(ids, ys, 28, 7)
    ts_fc, ts_secs = run_tsforge_m5(ids, models, work / "m5")
    for a in models:
        share, bad = close_share(ts_fc[a], sf_fc[a])
        mismatches[("m5-tiny", a)] = [ids[i] for i in bad]
        table.append(("m5-tiny", a, mase(ys, truths, sf_fc[a], 7), mase(ys, truths, ts_fc[a], 7), share, len(ids), None, None, share))
        print(f"  {a}: MASE sf {table[-1][2]:.4f} tsforge {table[-1][3]:.4f} close {share:.1%}", flush=True)
    print(f"  statsforecast seconds: {sf_secs}; tsforge run {ts_secs:.1f} s", flush=True)
    for subset, (mids, mys, mtests, h, m) in load_m1().items():
        print(f"M1 {subset} ...", flush=True)
        sf_fc, _ = run_statsforecast(mids, mys, h, m)
        # tsforge's panel holds f32 values: statsforecast on the same rounded inputs
        # separates the algorithm from the storage type (M1 has non-integer values)
        sf32_fc, _ = run_statsforecast(mids, [y.astype(np.float32).astype(float) for y in mys], h, m)
        ts_fc, _ = run_tsforge_long(mids, mys, mtests, h, m, models, work / subset)
        for a in models:
            share, bad = close_share(ts_fc[a], sf_fc[a])
            share32, bad32 = close_share(ts_fc[a], sf32_fc[a])
            mismatches[(f"M1 {subset}", a)] = [mids[i] for i in bad32]
            table.append((f"M1 {subset}", a, mase(mys, mtests, sf_fc[a], m), mase(mys, mtests, ts_fc[a], m), share, len(mids), smape(mtests, sf_fc[a]), smape(mtests, ts_fc[a]), share32))
    shutil.rmtree(work, ignore_errors=True)

    lines = [
        "## ETS and Theta parity with statsforecast",
        "",
        f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; git {git_rev()}",
        f"- Machine: {os.cpu_count()} CPUs; {platform.platform()}; Python {platform.python_version()}, statsforecast 2.1.1",
        "- Command: `bench/.venv/bin/python bench/ets_theta_parity.py` (tsforge through `target/debug/tsforge run ... --models ... --season-length M`)",
        "- m5-tiny: 280 series, train d_1..d_1913 trimmed to start at the first non-zero sale, h = 28, season 7. "
        "M1 (`../shared/datasets/m1`, benchmark only): train + test concatenated, the last h values held out; yearly h = 6 (m = 1), quarterly h = 8 (m = 4), monthly h = 18 (m = 12).",
        "- statsforecast runs with `fallback_model=Naive()`, as tsforge falls back to Naive where a model cannot fit. "
        "MASE: mean over series of MAE / in-sample MAE of the seasonal naive (lag m; series with a zero scale skipped). "
        f"*close*: share of series whose whole forecast agrees with statsforecast's within rtol {RTOL:g} (atol {ATOL:g}); "
        "*close, f32 input*: the same against statsforecast run on the values rounded to f32, which is what tsforge's panel stores "
        "(41% of M1 values are not exact in f32; m5-tiny sales are integers, so both columns agree there). Series listed below are those outside the tolerance in the f32 comparison. sMAPE in 0..200.",
        "",
        "| data | model | series | MASE statsforecast | MASE tsforge | MASE diff | close | close, f32 input | sMAPE statsforecast | sMAPE tsforge |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for ds, a, ms, mt, share, n, ss, st, share32 in table:
        diff = (mt - ms) / ms * 100 if ms else float("nan")
        sm = f"{ss:.3f}" if ss is not None else "—"
        tm = f"{st:.3f}" if st is not None else "—"
        lines.append(f"| {ds} | {a} | {n} | {ms:.4f} | {mt:.4f} | {diff:+.2f}% | {share:.1%} | {share32:.1%} | {sm} | {tm} |")
        print(lines[-1])
    lines.append("")
    lines.append("<details><summary>Series not within tolerance</summary>")
    lines.append("")
    for (ds, a), bad in mismatches.items():
        if bad:
            lines.append(f"- {ds} {a} ({len(bad)}): {', '.join(map(str, bad[:40]))}{' ...' if len(bad) > 40 else ''}")
    lines.append("")
    lines.append("</details>")

    if not args.skip_timing:
        print("timing ...", flush=True)
        t = timing(args.timing_series)
        lines.append("")
        if t is None:
            lines.append("AutoETS timing skipped: bench/data/m5-full is absent (`target/release/tsforge data synth --out bench/data/m5-full`).")
        else:
            lines += [
                f"### AutoETS speed: the first {t['n_series']:,} series of bench/data/m5-full",
                "",
                "- SUBSET: the first rows of sales_train_validation.csv, their rows of sales_train_evaluation.csv and sell_prices.csv, and the full calendar.csv; histories trimmed at the first non-zero sale (tsforge's M5 rule, applied to statsforecast's input by the script).",
                f"- tsforge: `{t['exe']} run --data SUBSET --horizon 28 --season-length 7 --models AutoETS` (M5 layout; the run loads calendar and prices too and fits AutoETS twice, on the validation window and for the final forecast, so its wall time covers two fits; *AutoETS fit s* is the final fit alone from its leaderboard), threads via RAYON_NUM_THREADS.",
                "- statsforecast: `StatsForecast([AutoETS(7)], n_jobs=T, fallback_model=Naive()).forecast(h=28)` on the same trimmed histories from a Parquet file (one forecast).",
                "- Fresh processes; wall time and peak RSS from outside (getrusage of the child), including start-up and loading.",
                "",
                "| tool | threads | wall s | AutoETS fit s (final fit only) | peak RSS MiB |",
                "|---|---:|---:|---:|---:|",
            ]
            by = {}
            for tool, th, w, r, fit_s in t["runs"]:
                by[(tool, th)] = (w, r)
                fs = f"{fit_s:.1f}" if fit_s is not None else "—"
                lines.append(f"| {tool} | {th} | {w:.1f} | {fs} | {r:,.0f} |")
            lines.append("")
            for th in (1, 2):
                (wt, rt), (ws, rs) = by[("tsforge", th)], by[("statsforecast", th)]
                lines.append(f"- {th} thread(s): wall statsforecast/tsforge = **{ws / wt:.2f}×**; peak memory tsforge/statsforecast = **{rt / rs:.2f}**")
            for row in lines[-2:]:
                print(row)
    write_results(lines)
    print(f"wrote section of {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
