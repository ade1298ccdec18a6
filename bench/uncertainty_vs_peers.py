#!/usr/bin/env python3
"""tsforge's M5 quantile forecasts (uncertainty.csv) checked independently and compared with peers.

For each dataset (an M5 folder: train = validation file d_1..d_T, truth = evaluation file
d_T+1..d_T+28, h = 28):

1. Independent check. Reads the run's `uncertainty.csv` (Kaggle M5 Uncertainty layout,
   ids such as `Total_X_0.005_validation`, `CA_1_HOBBIES_1_0.975_validation`), checks the
   ids (every series of the 12 levels x 9 quantiles, once each), then computes the WSPL
   with the implementation below (M5 competitors' guide: weights = dollar sales over the
   last 28 training days per series of each level, normalised per level; scale = mean
   absolute one-step difference of each aggregated series' training history from its
   first non-zero value; pinball loss per quantile averaged over the 28 days, divided by
   the scale, averaged over the 9 quantiles, weighted, levels averaged equally) and
   asserts it equals the selected leaderboard row's `uncertainty.wspl` within 1e-6
   (per level too). Coverage at 0.025 / 0.975: per level, the share of (series, day)
   pairs, over series with a defined non-zero scale, whose truth is <= the quantile;
   then the mean over the 12 levels (compared with `coverage_025` / `coverage_975`).
2. Peers on the same split, every aggregated series of the 12 levels fitted directly:
   - AutoETS: statsforecast `AutoETS(season_length=7)`, `level=[50, 67, 95, 99]` ->
     the 9 quantiles (lo-99 = 0.005 ... mean = 0.5 ... hi-99 = 0.995), clipped at 0;
     history from the first non-zero value; `fallback_model=Naive()` where it fails;
   - SNaive-EmpErr: the last 7 days repeated plus the empirical quantiles
     (np.quantile, linear) of the in-sample seasonal errors y_t - y_{t-7} over the
     last 364 training days (all of them if shorter, from the first non-zero value),
     clipped at 0;
   - EmpiricalQuantile28: the 9 quantiles of each series' last 28 training days, flat
     (as in bench/reference_metrics.py; on m5-tiny its WSPL is also checked against
     bench/reference/m5_tiny_metrics.json).
   WSPL (total, per level) and coverage of each, tsforge's, and tsforge / best peer.

tsforge runs from here (`--tsforge BIN`: `BIN run [RECIPE] --data DATA --out DIR
--no-store --quiet [--tsforge-args ...]`, the quickstart without a recipe) or an
existing run folder is read (`--run DIR`). `--synth STORES` also generates
`BIN data synth --stores STORES --items ITEMS --seed 0` into bench/data/ and runs the same
comparison there (the quickstart recipe's own `time_limit = "5m"` bounds both runs; `--tsforge-args` /
`--synth-args` pass more, e.g. `--models ...`). `--write-results` rewrites the `uncertainty` section of
bench/RESULTS.md. AutoETS takes minutes (about 9 on m5-tiny's 546 series, 23 on the synthetic set's 1555,
on a shared 2-core machine): its forecasts are cached in bench/data/cache.

    bash bench/setup.sh
    bench/.venv/bin/python bench/uncertainty_vs_peers.py --tsforge target/release/tsforge --synth 3 --write-results
    bench/.venv/bin/python bench/uncertainty_vs_peers.py --run reports/quickstart   # check a run
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import hashlib
import json
import os
import pickle
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_metrics import LEVELS, QUANTILES, aggregate, pinball, scales  # noqa: E402
from results_md import git_rev, write_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
H = 28
Q_LABELS = ["0.005", "0.025", "0.165", "0.250", "0.500", "0.750", "0.835", "0.975", "0.995"]
X_LEVELS = {0, 1, 2, 3, 4, 9}  # levels whose Kaggle id carries `_X` (total, state, store, cat, dept, item)
ETS_LEVELS = [50, 67, 95, 99]
ETS_COLS = ["lo-99", "lo-95", "lo-67", "lo-50", None, "hi-50", "hi-67", "hi-95", "hi-99"]
TOL = 1e-6
CACHE = ROOT / "bench" / "data" / "cache"


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------
def read_csv(data: Path, stem: str) -> pd.DataFrame:
    paths = sorted(glob.glob(str(data / f"{stem}.csv*")))
    if not paths:
        raise SystemExit(f"{data}: no {stem}.csv(.gz)")
    return pd.read_csv(paths[0])


def load(data: Path) -> dict:
    cal = read_csv(data, "calendar")
    val = read_csv(data, "sales_train_validation")
    ev = read_csv(data, "sales_train_evaluation")
    prices = read_csv(data, "sell_prices")
    days = [c for c in val.columns if c.startswith("d_")]
    train_end = max(int(c[2:]) for c in days)
    train_days = [f"d_{i}" for i in range(1, train_end + 1)]
    test_days = [f"d_{i}" for i in range(train_end + 1, train_end + H + 1)]
    val = val.sort_values("id", kind="mergesort").reset_index(drop=True)
    ev = ev.set_index(["item_id", "store_id"]).loc[list(zip(val["item_id"], val["store_id"]))].reset_index()
    assert np.array_equal(val[train_days].to_numpy(), ev[train_days].to_numpy()), "evaluation file disagrees on the training days"
    meta = val[["id", "item_id", "dept_id", "cat_id", "store_id", "state_id"]].copy()
    train = val[train_days].to_numpy(np.float64)
    truth = ev[test_days].to_numpy(np.float64)
    # dollar sales over the last 28 training days: units x the week's sell price (missing price: 0)
    last28 = train_days[-H:]
    wks = cal.set_index("d").loc[last28, "wm_yr_wk"].to_numpy()
    n = len(meta)
    cells = pd.DataFrame({
        "store_id": np.repeat(meta["store_id"].to_numpy(), H),
        "item_id": np.repeat(meta["item_id"].to_numpy(), H),
        "wm_yr_wk": np.tile(wks, n),
    })
    price = cells.merge(prices, on=["store_id", "item_id", "wm_yr_wk"], how="left")["sell_price"].to_numpy(np.float64)
    assert price.size == n * H, "duplicate (store, item, week) rows in sell_prices"
    dollars = (train[:, -H:] * np.nan_to_num(price.reshape(n, H))).sum(axis=1)
    return {"meta": meta, "train": train, "truth": truth, "dollars": dollars, "train_end": train_end}


def kaggle_key(li: int, key: str) -> str:
    if li == 0:
        return "Total_X"
    return f"{key}_X" if li in X_LEVELS else key


def build_levels(d: dict) -> list[dict]:
    out = []
    for li, (name, cols) in enumerate(LEVELS):
        keys, tr = aggregate(d["meta"], d["train"], cols)
        k2, te = aggregate(d["meta"], d["truth"], cols)
        k3, dl = aggregate(d["meta"], d["dollars"][:, None], cols)
        assert keys == k2 == k3
        dl = dl[:, 0]
        _, s1, first = scales(tr)
        out.append({"name": name, "keys": keys, "kaggle": [kaggle_key(li, k) for k in keys], "train": tr, "truth": te,
                    "weight": dl / dl.sum(), "scale": s1, "first": first})
    return out


# --------------------------------------------------------------------------
# metric
# --------------------------------------------------------------------------
def wspl(levels: list[dict], qf: list[np.ndarray]) -> dict:
    """qf[level] has shape (series, 9 quantiles, 28 days)."""
    lv, c025, c975, s025 = [], [], [], []
    for lvl, q in zip(levels, qf):
        y = lvl["truth"]
        per_q = np.stack([pinball(y, q[:, k, :], u) for k, u in enumerate(QUANTILES)], axis=1)  # (n, 9)
        sc = lvl["scale"]
        ok = np.isfinite(sc) & (sc > 0)
        bad = ~ok & (lvl["weight"] != 0)
        if bad.any():
            raise SystemExit(f"{lvl['name']}: undefined scale with non-zero weight: {[lvl['keys'][i] for i in np.flatnonzero(bad)]}")
        spl = np.zeros(len(sc))
        spl[ok] = per_q[ok].mean(axis=1) / sc[ok]
        lv.append(float(np.sum(lvl["weight"] * spl)))
        c025.append(float(np.mean(y[ok] <= q[ok, 1, :])))
        c975.append(float(np.mean(y[ok] <= q[ok, 7, :])))
        s025.append(float(np.mean(y[ok] < q[ok, 1, :])))  # strict: ties at 0 (zero sales, quantile clipped at 0) not counted
    return {"wspl": float(np.mean(lv)), "levels": lv, "coverage_025": float(np.mean(c025)), "coverage_975": float(np.mean(c975)),
            "coverage_025_levels": c025, "coverage_975_levels": c975, "coverage_025_strict": float(np.mean(s025)),
            "coverage_025_strict_levels": s025}


# --------------------------------------------------------------------------
# tsforge's output
# --------------------------------------------------------------------------
def read_uncertainty(path: Path, levels: list[dict]) -> tuple[list[np.ndarray], list[str]]:
    """The quantiles in uncertainty.csv, and a list of problems found in the file."""
    df = pd.read_csv(path)
    issues = []
    want_cols = ["id"] + [f"F{i}" for i in range(1, H + 1)]
    if list(df.columns) != want_cols:
        issues.append(f"header {list(df.columns)[:3]}... != id,F1..F{H}")
    index = {}
    for li, lvl in enumerate(levels):
        for r, k in enumerate(lvl["kaggle"]):
            index[k] = (li, r)
    expected = [f"{k}_{ql}_validation" for ql in Q_LABELS for lvl in levels for k in lvl["kaggle"]]
    ids = df["id"].tolist()
    dup = df["id"][df["id"].duplicated()].tolist()
    if dup:
        issues.append(f"{len(dup)} duplicate ids, e.g. {dup[:3]}")
    missing = sorted(set(expected) - set(ids))
    extra = sorted(set(ids) - set(expected))
    if missing:
        issues.append(f"{len(missing)} ids missing, e.g. {missing[:5]}")
    if extra:
        issues.append(f"{len(extra)} unexpected ids, e.g. {extra[:5]}")
    if not missing and not extra and not dup and ids != expected:
        issues.append("row order differs from quantile-major, level order (Kaggle sample order): first difference at row "
                      f"{next(i for i, (a, b) in enumerate(zip(ids, expected)) if a != b)}")
    vals = df[want_cols[1:]].to_numpy(np.float64)
    if not np.isfinite(vals).all():
        issues.append(f"{int((~np.isfinite(vals)).sum())} non-finite values")
    if (vals < 0).any():
        issues.append(f"{int((vals < 0).sum())} negative values")
    qf = [np.full((len(l["keys"]), len(QUANTILES), H), np.nan) for l in levels]
    qpos = {ql: k for k, ql in enumerate(Q_LABELS)}
    for rid, row in zip(ids, vals):
        base, ql, phase = rid.rsplit("_", 2)
        if phase != "validation" or ql not in qpos or base not in index:
            continue
        li, r = index[base]
        qf[li][r, qpos[ql], :] = row
    cross = sum(int((np.diff(q, axis=1) < -1e-9).sum()) for q in qf)
    if cross:
        issues.append(f"{cross} quantile crossings (a lower quantile above a higher one on some day)")
    # coherence of the 0.5 quantile is not required (each level is its own quantile), so not checked
    return qf, issues


def selected_row(run: Path) -> tuple[dict, list[dict]]:
    lb = json.loads((run / "leaderboard.json").read_text())
    rows = lb["leaderboard"]["rows"] if "leaderboard" in lb else lb["rows"]
    sel = [r for r in rows if r.get("selected")]
    if len(sel) != 1:
        raise SystemExit(f"{run}/leaderboard.json: {len(sel)} rows with selected: true")
    return sel[0], rows


# --------------------------------------------------------------------------
# peers
# --------------------------------------------------------------------------
def peer_eq28(levels: list[dict]) -> list[np.ndarray]:
    """The 9 quantiles of each series' last 28 training days, flat."""
    out = []
    for lvl in levels:
        q = np.quantile(lvl["train"][:, -H:], QUANTILES, axis=1).T  # (n, 9)
        out.append(np.repeat(q[:, :, None], H, axis=2))
    return out


def peer_snaive_emp(levels: list[dict]) -> list[np.ndarray]:
    out = []
    for lvl in levels:
        tr = lvl["train"]
        res = np.zeros((tr.shape[0], len(QUANTILES), H))
        base = np.stack([tr[:, -7:][:, h % 7] for h in range(H)], axis=1)  # (n, 28)
        for i in range(tr.shape[0]):
            start = max(int(lvl["first"][i]), 0)
            y = tr[i, start:]
            e = (y[7:] - y[:-7])[-364:]
            q = np.quantile(e, QUANTILES) if e.size else np.zeros(len(QUANTILES))
            res[i] = np.maximum(base[i][None, :] + q[:, None], 0.0)
        out.append(res)
    return out


def peer_autoets(levels: list[dict]) -> list[np.ndarray]:
    import statsforecast
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, Naive

    frames = []
    for li, lvl in enumerate(levels):
        for r, k in enumerate(lvl["kaggle"]):
            start = max(int(lvl["first"][r]), 0)
            y = lvl["train"][r, start:]
            frames.append(pd.DataFrame({"unique_id": f"{li:02d}|{k}", "ds": np.arange(start + 1, start + 1 + y.size), "y": y}))
    df = pd.concat(frames, ignore_index=True)
    digest = hashlib.sha256(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes()).hexdigest()[:16]
    path = CACHE / f"uncertainty_autoets_{statsforecast.__version__}_{digest}.pkl"
    if path.exists():
        cached = pickle.loads(path.read_bytes())
        fc, seconds = cached if isinstance(cached, tuple) else (cached, float("nan"))
    else:
        start = time.time()
        sf = StatsForecast(models=[AutoETS(season_length=7)], freq=1, n_jobs=1, fallback_model=Naive())
        fc = sf.forecast(df=df, h=H, level=ETS_LEVELS)
        seconds = time.time() - start
        if "unique_id" not in fc.columns:
            fc = fc.reset_index()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps((fc, seconds)))
    fc = fc.sort_values(["unique_id", "ds"])
    cols = ["AutoETS" if c is None else f"AutoETS-{c}" for c in ETS_COLS]
    by_id = {u: g[cols].to_numpy(np.float64).T for u, g in fc.groupby("unique_id", sort=False)}  # (9, 28)
    out = []
    for li, lvl in enumerate(levels):
        out.append(np.maximum(np.stack([by_id[f"{li:02d}|{k}"] for k in lvl["kaggle"]]), 0.0))
    return out, seconds


PEERS = [("AutoETS (statsforecast)", peer_autoets), ("SNaive + empirical seasonal errors", peer_snaive_emp),
         ("EmpiricalQuantile28", peer_eq28)]


# --------------------------------------------------------------------------
# one dataset
# --------------------------------------------------------------------------
def run_tsforge(binary: Path, recipe: str | None, data: Path, out: Path, extra: list[str]) -> tuple[str, float]:
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(binary), "run"] + ([recipe] if recipe else []) + ["--data", str(data), "--out", str(out), "--no-store", "--quiet"] + extra
    printable = " ".join(shlex.quote(c) for c in cmd)
    print(f"$ {printable}", flush=True)
    start = time.time()
    subprocess.run(cmd, check=True, cwd=ROOT)
    seconds = time.time() - start
    # recorded next to the run so a later `--run DIR` reports the command and wall time
    (out / "bench_command.json").write_text(json.dumps({"command": printable, "seconds": seconds}) + "\n")
    return printable, seconds


def evaluate(name: str, data: Path, run: Path, ts_cmd: str | None, ts_seconds: float | None) -> dict:
    t0 = time.time()
    d = load(data)
    levels = build_levels(d)
    for lvl in levels:
        assert abs(lvl["weight"].sum() - 1.0) < 1e-12
    print(f"\n== {name}: {len(d['meta'])} bottom series, train d_1..d_{d['train_end']}, truth d_{d['train_end'] + 1}..d_{d['train_end'] + H}; "
          f"{sum(len(l['keys']) for l in levels)} series over 12 levels ({', '.join(str(len(l['keys'])) for l in levels)}); "
          f"loaded in {time.time() - t0:.1f}s", flush=True)

    # ---- 1. independent check of tsforge's uncertainty.csv --------------------------
    manifest = json.loads((run / "manifest.json").read_text())
    sel, rows = selected_row(run)
    unc = sel.get("uncertainty")
    if not unc:
        raise SystemExit(f"{run}: the selected row ({sel.get('alias')}) has no uncertainty block")
    qf, issues = read_uncertainty(run / "uncertainty.csv", levels)
    mine = wspl(levels, [np.nan_to_num(q) for q in qf])
    side = run / "bench_command.json"
    if ts_cmd is None and side.exists():
        rec = json.loads(side.read_text())
        ts_cmd, ts_seconds = rec["command"], rec.get("seconds")
    if ts_seconds is None:
        ts_seconds = float(manifest.get("timings", {}).get("total_seconds", float("nan")))
    print(f"tsforge submission: {sel['alias']} (run {run}); method: {unc.get('method')}")
    print(f"  file checks: {'ok' if not issues else '; '.join(issues)}")
    print(f"  {'level':16s} {'tsforge':>20s} {'this script':>20s} {'diff':>10s}")
    diffs = []
    for (lname, _), a, b in zip(LEVELS, unc["levels"], mine["levels"]):
        diffs.append(abs(a - b))
        print(f"  {lname:16s} {a:20.12f} {b:20.12f} {a - b:10.2e}")
    print(f"  {'WSPL':16s} {unc['wspl']:20.12f} {mine['wspl']:20.12f} {unc['wspl'] - mine['wspl']:10.2e}")
    print(f"  {'coverage 0.025':16s} {unc['coverage_025']:20.12f} {mine['coverage_025']:20.12f} {unc['coverage_025'] - mine['coverage_025']:10.2e}")
    print(f"  {'coverage 0.975':16s} {unc['coverage_975']:20.12f} {mine['coverage_975']:20.12f} {unc['coverage_975'] - mine['coverage_975']:10.2e}")
    check = {
        "wspl_diff": abs(unc["wspl"] - mine["wspl"]), "max_level_diff": max(diffs),
        "cov025_diff": abs(unc["coverage_025"] - mine["coverage_025"]), "cov975_diff": abs(unc["coverage_975"] - mine["coverage_975"]),
        "issues": issues,
    }
    ok = check["wspl_diff"] <= TOL and check["max_level_diff"] <= TOL
    cov_ok = check["cov025_diff"] <= TOL and check["cov975_diff"] <= TOL
    print(f"  independent check: WSPL {'AGREES' if ok else 'DISAGREES'} within {TOL:g} (max level diff {max(diffs):.2e}); "
          f"coverage {'agrees' if cov_ok else 'DISAGREES'}", flush=True)

    # ---- 2. peers ---------------------------------------------------------------------
    peers = {}
    for pname, fn in PEERS:
        t = time.time()
        qp = fn(levels)
        # AutoETS's forecasts are cached in bench/data/cache (minutes of fitting); its seconds are those of the fit
        qp, secs = qp if isinstance(qp, tuple) else (qp, time.time() - t)
        peers[pname] = dict(wspl(levels, qp), seconds=secs)
        p = peers[pname]
        print(f"  peer {pname}: WSPL {p['wspl']:.4f}, coverage {p['coverage_025']:.3f} / {p['coverage_975']:.3f}, {p['seconds']:.1f}s; "
              f"levels {' '.join(f'{v:.4f}' for v in p['levels'])}", flush=True)
    ref = ROOT / "bench" / "reference" / "m5_tiny_metrics.json"
    if data.resolve() == (ROOT / "datasets" / "m5-tiny").resolve() and ref.exists():
        want = json.loads(ref.read_text())["wspl"]["wspl"]
        got = peers["EmpiricalQuantile28"]["wspl"]
        assert abs(want - got) < 1e-9, f"EmpiricalQuantile28 WSPL {got!r} != reference_metrics {want!r}"
        print(f"  EmpiricalQuantile28 WSPL equals bench/reference/m5_tiny_metrics.json ({want:.12f})")
    best = min(peers, key=lambda k: peers[k]["wspl"])
    others = {r["alias"]: r["uncertainty"]["wspl"] for r in rows if r.get("uncertainty") and not r.get("selected")}
    result = {
        "name": name, "data": str(data), "run": str(run), "ts_cmd": ts_cmd, "submission": sel["alias"], "tsforge": unc,
        "tsforge_seconds": ts_seconds, "mine": mine, "check": check, "check_ok": ok, "cov_ok": cov_ok, "peers": peers,
        "best_peer": best, "ratio": unc["wspl"] / peers[best]["wspl"], "other_models": others,
        "series": len(d["meta"]), "train_end": d["train_end"], "n_series_levels": [len(l["keys"]) for l in levels],
    }
    print(f"  tsforge {sel['alias']} WSPL {unc['wspl']:.4f} vs best peer {best} {peers[best]['wspl']:.4f}: ratio {result['ratio']:.3f}", flush=True)
    return result


def section(results: list[dict], argv: list[str]) -> str:
    lines = [
        "## Uncertainty: tsforge's M5 quantiles (WSPL) checked independently and against peers",
        "",
        f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; tsforge at git {git_rev()}; {os.cpu_count()} CPUs.",
        f"- Command: `bench/.venv/bin/python bench/uncertainty_vs_peers.py {' '.join(shlex.quote(a) for a in argv)}`",
    ]
    for r in results:
        if r["ts_cmd"]:
            lines.append(f"- {r['name']}: `{r['ts_cmd']}`")
        else:
            lines.append(f"- {r['name']}: existing run folder `{r['run']}`")
    lines += [
        "- Train = validation file d_1..d_T, truth = evaluation file d_T+1..d_T+28; WSPL over the 12 M5 levels (dollar-sales weights over the last 28 training days, "
        "scale = mean absolute first difference from the first non-zero value), recomputed here from `uncertainty.csv` with pandas/numpy and compared with the "
        f"selected leaderboard row (tolerance {TOL:g}). Coverage: per level the share of (series, day) with truth <= the quantile (series with a non-zero scale), mean over levels.",
        "- Peers fit every aggregated series of the 12 levels directly: statsforecast 2.1.1 `AutoETS(season_length=7)` with `level=[50, 67, 95, 99]` (history from the first "
        "non-zero value, `fallback_model=Naive()`); seasonal naive + the empirical quantiles of its in-sample seasonal errors over the last 364 days; "
        "EmpiricalQuantile28 (quantiles of the last 28 days, flat). All clipped at 0. Seconds: tsforge's whole run (every model, backtest, quantiles); peers: fit and forecast only "
        "(AutoETS's forecasts are cached in bench/data/cache; its seconds are those of the fit, on a shared 2-core machine).",
        "",
    ]
    for r in results:
        t = r["tsforge"]
        lines += [
            f"### {r['name']} ({r['series']} bottom series, {sum(r['n_series_levels'])} series over 12 levels, train d_1..d_{r['train_end']})",
            "",
            f"Independent check: WSPL {t['wspl']:.10f} (tsforge) vs {r['mine']['wspl']:.10f} (this script), |diff| {r['check']['wspl_diff']:.1e}, "
            f"largest per-level |diff| {r['check']['max_level_diff']:.1e}: {'agrees' if r['check_ok'] else '**disagrees**'}; coverage 0.025 / 0.975 "
            f"|diff| {r['check']['cov025_diff']:.1e} / {r['check']['cov975_diff']:.1e}: {'agrees' if r['cov_ok'] else '**disagrees**'}. "
            f"File checks: {'ids, order and values ok' if not r['check']['issues'] else '; '.join(r['check']['issues'])}.",
            "",
            "| model / peer | WSPL | L1 | L12 | coverage 0.025 | coverage 0.975 | seconds |",
            "|---|---:|---:|---:|---:|---:|---:|",
            f"| tsforge submission: {r['submission']} | {t['wspl']:.4f} | {t['levels'][0]:.4f} | {t['levels'][11]:.4f} | {t['coverage_025']:.3f} | {t['coverage_975']:.3f} | {r['tsforge_seconds']:.0f} |",
        ]
        for pname, p in sorted(r["peers"].items(), key=lambda kv: kv[1]["wspl"]):
            lines.append(f"| {pname} | {p['wspl']:.4f} | {p['levels'][0]:.4f} | {p['levels'][11]:.4f} | {p['coverage_025']:.3f} | {p['coverage_975']:.3f} | {p['seconds']:.0f} |")
        m = r["mine"]
        lines += ["", f"tsforge / best peer ({r['best_peer']}): **{r['ratio']:.3f}**. Coverage 0.025 counts truth <= quantile, so zero sales under a "
                  f"quantile clipped at 0 count as covered: with a strict < tsforge's is {m['coverage_025_strict']:.3f} (L12 "
                  f"{m['coverage_025_strict_levels'][11]:.3f} against {m['coverage_025_levels'][11]:.3f}); per level (<=): "
                  + " ".join(f"{v:.3f}" for v in m["coverage_025_levels"]) + " at 0.025, " + " ".join(f"{v:.3f}" for v in m["coverage_975_levels"]) + " at 0.975.", "",
                  "| WSPL per level | " + " | ".join(f"L{i}" for i in range(1, 13)) + " |", "|---|" + "---:|" * 12,
                  "| tsforge | " + " | ".join(f"{v:.3f}" for v in t["levels"]) + " |"]
        for pname, p in sorted(r["peers"].items(), key=lambda kv: kv[1]["wspl"]):
            lines.append(f"| {pname} | " + " | ".join(f"{v:.3f}" for v in p["levels"]) + " |")
        lines.append("")
        if r["other_models"]:
            lines.append("Other tsforge leaderboard rows (WSPL): " + ", ".join(f"{a} {w:.4f}" for a, w in sorted(r["other_models"].items(), key=lambda kv: kv[1])) + ".")
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT / "datasets" / "m5-tiny", help="M5 folder (default datasets/m5-tiny)")
    ap.add_argument("--run", type=Path, help="existing tsforge run folder on --data (instead of running --tsforge)")
    ap.add_argument("--tsforge", type=Path, help="tsforge binary: run it on --data (and on the synthetic set)")
    ap.add_argument("--recipe", help="recipe file for `tsforge run` (default: the quickstart)")
    ap.add_argument("--tsforge-args", default="", help="extra `tsforge run` arguments on --data, e.g. '--time-limit 5m'")
    ap.add_argument("--synth", type=int, metavar="STORES", help="also compare on `tsforge data synth --stores STORES`")
    ap.add_argument("--synth-items", type=int, default=300, help="items per store of the synthetic set (default 300)")
    ap.add_argument("--synth-run", type=Path, help="existing tsforge run folder on the synthetic set")
    ap.add_argument("--synth-args", default="", help="extra `tsforge run` arguments on the synthetic set, e.g. '--time-limit 8m'")
    ap.add_argument("--synth-only", action="store_true", help="skip --data")
    ap.add_argument("--runs-dir", type=Path, default=ROOT / "bench" / "data" / "uncertainty-runs")
    ap.add_argument("--write-results", action="store_true", help="rewrite the `uncertainty` section of bench/RESULTS.md")
    args = ap.parse_args()

    results = []
    if not args.synth_only:
        if args.run:
            results.append(evaluate(args.data.name, args.data, args.run, None, None))
        elif args.tsforge:
            out = args.runs_dir / args.data.name
            cmd, secs = run_tsforge(args.tsforge, args.recipe, args.data, out, shlex.split(args.tsforge_args))
            results.append(evaluate(args.data.name, args.data, out, cmd, secs))
        else:
            raise SystemExit("give --run DIR or --tsforge BIN")
    if args.synth:
        sname = f"m5-synth-s{args.synth}-i{args.synth_items}"
        sdata = ROOT / "bench" / "data" / sname
        if not (sdata / "calendar.csv").exists():
            if not args.tsforge:
                raise SystemExit(f"{sdata} missing: give --tsforge BIN to generate it")
            subprocess.run([str(args.tsforge), "data", "synth", "--stores", str(args.synth), "--items", str(args.synth_items),
                            "--seed", "0", "--out", str(sdata), "--quiet"], check=True, cwd=ROOT)
        gen = f"tsforge data synth --stores {args.synth} --items {args.synth_items} --seed 0 --out bench/data/{sname}"
        if args.synth_run:
            r = evaluate(sname, sdata, args.synth_run, None, None)
        elif args.tsforge:
            out = args.runs_dir / sname
            cmd, secs = run_tsforge(args.tsforge, args.recipe, sdata, out, shlex.split(args.synth_args))
            r = evaluate(sname, sdata, out, cmd, secs)
        else:
            raise SystemExit("give --synth-run DIR or --tsforge BIN")
        r["name"] = f"{sname} (`{gen}`)"
        results.append(r)

    body = section(results, sys.argv[1:])
    print("\n" + body)
    if args.write_results:
        print(f"wrote {write_section('uncertainty', body)}")
    failed = [r["name"] for r in results if not r["check_ok"]]
    if failed:
        print(f"INDEPENDENT CHECK FAILED on: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
