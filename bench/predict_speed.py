"""Forecasting without training: `tsforge predict` from a bundle vs mlforecast's
`predict` from a fitted model, on m5-tiny.

    bench/.venv/bin/python bench/predict_speed.py [--binary target/release/tsforge] [--rounds 3] [--no-write]

- tsforge: one `tsforge run --models M --out TMP --quiet` per model family (untimed here;
  its leaderboard gives the fit seconds), then `tsforge predict TMP/bundle --phase
  evaluation` (history d_1..d_1941, forecast d_1942..d_1969) timed from outside as a fresh
  process, `rounds` times; the table shows the median wall time and the models' own
  seconds from predict.json (loading the data and writing the folder are the rest).
- mlforecast 1.1 + LightGBM (the peer): `MLForecast(models=LGBMRegressor(Tweedie 1.1, 200
  trees, 63 leaves), lags 7..28, rolling means at lag 7 of windows 7 and 28, day-of-week
  and month date features)` fitted on the same 280 series (untimed), then `predict(28)`
  timed in the same Python process (so without process start-up or file reading: in
  tsforge's favour the comparison is not). Its recursive one-model setup is the one
  closest to tsforge's GBDT-Tweedie-recursive7.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results_md import git_rev, write_section

ROOT = Path(__file__).resolve().parent.parent
FAMILIES = [
    ("GBDT direct", "GBDT-Tweedie-direct"),
    ("GBDT recursive (lags ≥ 7)", "GBDT-Tweedie-recursive7"),
    ("hurdle", "GBDT-Hurdle"),
    ("statistical (5 models)", "SeasonalNaive,SES,TSB,CrostonSBA,Theta"),
    ("neural", "CNN-LeNet"),
]


def tsforge_times(binary: Path, rounds: int, tmp: Path) -> list[dict]:
    rows = []
    for label, models in FAMILIES:
        run = tmp / models.split(",")[0]
        subprocess.run([str(binary), "run", "--models", models, "--out", str(run), "--quiet"], check=True, cwd=ROOT)
        board = json.loads((run / "leaderboard.json").read_text())
        fit = sum(r["fit_seconds"] for r in board["rows"])
        walls, own = [], []
        for k in range(rounds):
            out = tmp / f"pred-{k}"
            t = time.perf_counter()
            subprocess.run([str(binary), "predict", str(run / "bundle"), "--phase", "evaluation", "--out", str(out), "--quiet"], check=True, cwd=ROOT)
            walls.append(time.perf_counter() - t)
            record = json.loads((out / "predict.json").read_text())
            own.append(sum(m["seconds"] for m in record["models"]))
            assert record["models_trained"] == 0 and record["forecast_window"] == ["2016-05-23", "2016-06-19"], record
        rows.append({"family": label, "models": models, "fit": fit, "wall": statistics.median(walls), "own": statistics.median(own), "walls": walls})
    return rows


def mlforecast_time(rounds: int) -> tuple[float, float] | None:
    try:
        import lightgbm as lgb
        import pandas as pd
        from mlforecast import MLForecast
        from mlforecast.lag_transforms import RollingMean
    except ImportError:
        return None
    sales = pd.read_csv(ROOT / "datasets/m5-tiny/sales_train_evaluation.csv.gz")
    cal = pd.read_csv(ROOT / "datasets/m5-tiny/calendar.csv.gz")
    days = [c for c in sales.columns if c.startswith("d_")]
    long = sales.melt(id_vars=["id"], value_vars=days, var_name="d", value_name="y")
    long["ds"] = pd.to_datetime(long["d"].map(dict(zip(cal["d"], cal["date"]))))
    long = long.rename(columns={"id": "unique_id"})[["unique_id", "ds", "y"]]
    model = lgb.LGBMRegressor(objective="tweedie", tweedie_variance_power=1.1, n_estimators=200, num_leaves=63, learning_rate=0.05, min_child_samples=50, verbose=-1, n_jobs=1)
    fcst = MLForecast(models={"lgb": model}, freq="D", lags=list(range(7, 29)), lag_transforms={7: [RollingMean(7), RollingMean(28)]}, date_features=["dayofweek", "month"])
    t = time.perf_counter()
    fcst.fit(long)
    fit = time.perf_counter() - t
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fcst.predict(28)
        times.append(time.perf_counter() - t)
    return fit, statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / "target" / "release" / "tsforge"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    binary = Path(args.binary)
    with tempfile.TemporaryDirectory() as tmp:
        rows = tsforge_times(binary, args.rounds, Path(tmp))
    peer = mlforecast_time(args.rounds)
    lines = [
        "## Forecasting without training: `tsforge predict` vs mlforecast `predict` (m5-tiny)",
        "",
        f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; machine: {os.cpu_count()} CPUs, {platform.platform()}; command: `bench/.venv/bin/python bench/predict_speed.py --binary {args.binary} --rounds {args.rounds}`",
        f"- tsforge at git {git_rev()}: `tsforge predict RUN/bundle --phase evaluation` (280 series, history d_1..d_1941, forecast d_1942..d_1969), a fresh process each time (reading the M5 files, restoring the models, forecasting, writing the folder); bundles from `tsforge run --models M`. *models s* is the models' own time from predict.json.",
        "- mlforecast + LightGBM (recursive, lags 7..28, 200 trees, 63 leaves, one thread), `predict(28)` timed inside its Python process after `fit` (no start-up, no file reading).",
        "",
        "| family | models | fit s (run) | predict wall s (median) | models s | fit / predict |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['family']} | {r['models']} | {r['fit']:.2f} | {r['wall']:.3f} | {r['own']:.3f} | {r['fit'] / max(r['wall'], 1e-9):.0f}× |")
    if peer:
        fit, pred = peer
        rec = next(r for r in rows if r["models"] == "GBDT-Tweedie-recursive7")
        lines += ["", f"- mlforecast: fit {fit:.2f} s, `predict(28)` {pred:.3f} s (median of {args.rounds}); tsforge GBDT-Tweedie-recursive7 predict, whole process: {rec['wall']:.3f} s, models only {rec['own']:.3f} s: ratio mlforecast/tsforge = **{pred / rec['own']:.2f}×** (models only), **{pred / rec['wall']:.2f}×** (tsforge's whole process)."]
    else:
        lines += ["", "- mlforecast not installed (run `bash bench/setup.sh`): no peer numbers this time."]
    lines += ["", "<details><summary>All runs</summary>", ""] + [f"  - {r['models']}: predict wall {', '.join(f'{w:.3f}' for w in r['walls'])} s" for r in rows] + ["", "</details>"]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section("predict-speed", text)


if __name__ == "__main__":
    sys.exit(main())
