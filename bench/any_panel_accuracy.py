"""tsforge's default AutoML on long-format panels against statsforecast's models, in one run.

For each panel the history is cut before the last h periods; tsforge forecasts the
future from the cut file alone (`tsforge run --data CUT --horizon h --phase evaluation`,
the built-in quickstart recipe: statistical models, the global GBDT models on
level-scaled series, the searched families and the ensemble), statsforecast fits
Naive, SeasonalNaive, Theta, AutoETS, AutoTheta and AutoARIMA (not with a 52-week
season: over 20 minutes on 70 series) on the same cut; both
are scored on the held-out h periods:

- M1 (../shared/datasets/m1, benchmark only, never copied into the project):
  yearly / quarterly / monthly, h = 6 / 8 / 18, season 1 / 4 / 12; train is the cut,
  test the truth. Pooled sMAPE (the mean over every series and step, the M1/M3/M4 way)
  and MASE (m = season; 1 for yearly).
- m5-tiny-weekly (datasets/, 70 weekly store × department series): the last 8 weeks
  held out, season 52. MASE (m = 52 where the history allows, else 1) and sMAPE.

Prints and writes its section of bench/RESULTS.md (`any-panel`): per panel, the score of
tsforge's submission, of its best single model in hindsight, and of every statsforecast
model, and the ratio submission / best statsforecast model.

    bash bench/setup.sh && bench/.venv/bin/python bench/any_panel_accuracy.py [--binary target/debug/tsforge] [--time-limit 5m]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from results_md import git_rev, write_section

ROOT = Path(__file__).resolve().parent.parent
M1_DIR = ROOT.parent / "shared" / "datasets" / "m1"
WEEKLY = ROOT / "datasets" / "m5-tiny-weekly" / "store_dept_weekly.csv.gz"
M1_SUBSETS = [("yearly", 6, 1), ("quarterly", 8, 4), ("monthly", 18, 12)]
SF_MODELS = ["Naive", "SeasonalNaive", "Theta", "AutoETS", "AutoTheta", "AutoARIMA"]
MAX_ARIMA_SEASON = 24


def smape_points(y: np.ndarray, f: np.ndarray) -> np.ndarray:
    den = np.abs(y) + np.abs(f)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den == 0, 0.0, 200.0 * np.abs(y - f) / den)


def mase(train: np.ndarray, y: np.ndarray, f: np.ndarray, m: int) -> float:
    m = m if train.size > m else 1
    if train.size <= m:
        return np.nan
    scale = np.mean(np.abs(train[m:] - train[:-m]))
    if scale == 0 or not np.isfinite(scale):
        return np.nan
    return float(np.mean(np.abs(y - f)) / scale)


def scores(fc: dict[str, np.ndarray], train: dict[str, np.ndarray], test: dict[str, np.ndarray], m: int) -> tuple[float, float]:
    """Pooled sMAPE and mean MASE over the test series."""
    pts, mases = [], []
    for uid, y in test.items():
        f = fc[uid][: y.size]
        pts.append(smape_points(y, f))
        mases.append(mase(train[uid], y, f, m))
    return float(np.mean(np.concatenate(pts))), float(np.nanmean(mases))


def cached_statsforecast(cut: pd.DataFrame, h: int, m: int, freq) -> tuple[dict[str, dict[str, np.ndarray]], float]:
    """statsforecast's forecasts and seconds, kept in bench/data/cache keyed by the cut's
    hash and the version (they do not change between tsforge commits; AutoARIMA on M1
    monthly takes ten minutes)."""
    import hashlib
    import pickle

    import statsforecast

    digest = hashlib.sha256(pd.util.hash_pandas_object(cut, index=False).to_numpy().tobytes()).hexdigest()[:16]
    path = ROOT / "bench" / "data" / "cache" / f"any_panel_sf_{statsforecast.__version__}_{h}_{m}_{digest}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    start = time.time()
    result = (statsforecast_forecasts(cut, h, m, freq), time.time() - start)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(result))
    return result


def statsforecast_forecasts(cut: pd.DataFrame, h: int, m: int, freq) -> dict[str, dict[str, np.ndarray]]:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, Naive, SeasonalNaive, Theta

    models = [Naive(), SeasonalNaive(season_length=m), Theta(season_length=m), AutoETS(season_length=m), AutoTheta(season_length=m)]
    # AutoARIMA with a 52-week season ran over 20 minutes on 70 series: left out there
    if m <= MAX_ARIMA_SEASON:
        models.append(AutoARIMA(season_length=m))
    df = cut.assign(y=cut["y"].astype(np.float64))
    fc = StatsForecast(models=models, freq=freq, n_jobs=1).forecast(df=df, h=h)
    names = [a for a in SF_MODELS if a in fc.columns]
    return {a: {u: g[a].to_numpy(np.float64) for u, g in fc.groupby("unique_id", sort=False)} for a in names}


def tsforge_forecasts(exe: Path, cut: Path, h: int, m: int, limit: str, out: Path, freq: str | None) -> tuple[dict[str, dict[str, np.ndarray]], str, float]:
    cmd = [str(exe), "run", "--data", str(cut), "--horizon", str(h), "--season-length", str(m), "--phase", "evaluation", "--time-limit", limit, "--out", str(out), "--quiet"]
    if freq:
        cmd += ["--freq", freq]
    start = time.time()
    subprocess.run(cmd, check=True, cwd=ROOT)
    seconds = time.time() - start
    out_fc = {}
    for path in sorted((out / "forecasts").glob("*.csv")):
        df = pd.read_csv(path).sort_values(["unique_id", "ds"])
        alias = df.columns[2]
        out_fc[alias] = {u: g[alias].to_numpy(np.float64) for u, g in df.groupby("unique_id", sort=False)}
    import json

    submission = json.loads((out / "manifest.json").read_text())["submission_model"]
    return out_fc, submission, seconds


def evaluate(name: str, cut: pd.DataFrame, test: pd.DataFrame, h: int, m: int, exe: Path, limit: str, tmp: Path, freq_sf, freq_ts: str | None) -> dict:
    path = tmp / f"{name}.csv"
    cut.to_csv(path, index=False)
    ts, submission, seconds = tsforge_forecasts(exe, path, h, m, limit, tmp / f"{name}-out", freq_ts)
    sf, sf_seconds = cached_statsforecast(cut, h, m, freq_sf)
    # statsforecast's usual combination: the mean of its automatic models
    auto = [a for a in ("AutoETS", "AutoTheta", "AutoARIMA") if a in sf]
    sf["SF-Ensemble(" + "+".join(auto) + ")"] = {u: np.mean([sf[a][u] for a in auto], axis=0) for u in sf[auto[0]]}
    train = {u: g["y"].to_numpy(np.float64) for u, g in cut.groupby("unique_id")}
    truth = {u: g["y"].to_numpy(np.float64) for u, g in test.groupby("unique_id")}
    ts_scores = {a: scores(f, train, truth, m) for a, f in ts.items()}
    sf_scores = {a: scores(f, train, truth, m) for a, f in sf.items()}
    best_sf = min((a for a in sf_scores if not a.startswith("SF-Ensemble")), key=lambda a: sf_scores[a][0])
    sf_ens = next(a for a in sf_scores if a.startswith("SF-Ensemble"))
    best_ts = min((a for a in ts_scores if a != submission), key=lambda a: ts_scores[a][0])
    return {
        "name": name, "series": len(truth), "h": h, "m": m, "submission": submission, "sub": ts_scores[submission],
        "best_ts": best_ts, "best_ts_scores": ts_scores[best_ts], "sf": sf_scores, "best_sf": best_sf, "sf_ens": sf_ens,
        "seconds": seconds, "sf_seconds": sf_seconds, "ts_all": ts_scores,
    }


def m1_panels():
    train = pd.read_csv(M1_DIR / "m1_train.csv.gz")
    test = pd.read_csv(M1_DIR / "m1_test.csv.gz")
    meta = pd.read_csv(M1_DIR / "m1_meta.csv.gz")
    for subset, h, m in M1_SUBSETS:
        ids = set(meta.loc[meta["subset"] == subset, "unique_id"])
        yield f"M1 {subset}", train[train["unique_id"].isin(ids)].sort_values(["unique_id", "ds"]), test[test["unique_id"].isin(ids)].sort_values(["unique_id", "ds"]), h, m, 1, None


def weekly_panel():
    df = pd.read_csv(WEEKLY, parse_dates=["ds"]).sort_values(["unique_id", "ds"])
    h = 8
    last = df.groupby("unique_id")["ds"].transform("max")
    test = df[df["ds"] > last - pd.Timedelta(weeks=h)]
    cut = df[df["ds"] <= last - pd.Timedelta(weeks=h)]
    return "m5-tiny-weekly", cut, test, h, 52, "W-SAT", "weekly"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", type=Path, default=ROOT / "target" / "debug" / "tsforge")
    ap.add_argument("--time-limit", default="5m")
    ap.add_argument("--only", help="run one panel (name prefix)")
    args = ap.parse_args()
    panels = [weekly_panel()] + (list(m1_panels()) if M1_DIR.exists() else [])
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, cut, test, h, m, freq_sf, freq_ts in panels:
            if args.only and not name.startswith(args.only):
                continue
            r = evaluate(name.replace(" ", "-"), cut, test, h, m, args.binary, args.time_limit, Path(tmp), freq_sf, freq_ts)
            r["name"] = name
            results.append(r)
            print(f"{name}: submission {r['submission']} sMAPE {r['sub'][0]:.3f} MASE {r['sub'][1]:.3f}; best statsforecast {r['best_sf']} sMAPE {r['sf'][r['best_sf']][0]:.3f}", flush=True)
    lines = [
        "## Any panel: tsforge's default AutoML against statsforecast on long-format data",
        "",
        f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; command: `bench/.venv/bin/python bench/any_panel_accuracy.py --time-limit {args.time_limit}`; tsforge at git {git_rev()} ({args.binary.name}, {os.cpu_count()} CPUs).",
        "- Each panel cut before its last h periods; tsforge: `tsforge run --data CUT --horizon h --season-length m --phase evaluation` (the built-in quickstart recipe, its `panel_models` as fixed models), statsforecast: the models below on the same cut, `n_jobs=1`; statsforecast ensemble: the mean of its automatic models (AutoETS, AutoTheta and AutoARIMA where it ran), its usual combination. sMAPE pooled over every series and step (M-competition style), MASE the mean over series (m = season, 1 where the history is shorter).",
        "",
        "| panel | series | h | tsforge submission | sMAPE | MASE | tsforge best single (hindsight) | sMAPE | best statsforecast | sMAPE | MASE | submission / best sf (sMAPE) | statsforecast ensemble sMAPE | tsforge s | statsforecast s |",
        "|---|---:|---:|---|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        bs = r["sf"][r["best_sf"]]
        lines.append(
            f"| {r['name']} | {r['series']} | {r['h']} | {r['submission']} | {r['sub'][0]:.3f} | {r['sub'][1]:.3f} | {r['best_ts']} | {r['best_ts_scores'][0]:.3f} | {r['best_sf']} | {bs[0]:.3f} | {bs[1]:.3f} | {r['sub'][0] / bs[0]:.3f} | {r['sf'][r['sf_ens']][0]:.3f} | {r['seconds']:.0f} | {r['sf_seconds']:.0f} |"
        )
    lines += ["", "<details><summary>every model (sMAPE / MASE)</summary>", ""]
    for r in results:
        parts = [f"tsforge {a} {s[0]:.3f} / {s[1]:.3f}" for a, s in sorted(r["ts_all"].items(), key=lambda kv: kv[1][0])]
        parts += [f"statsforecast {a} {s[0]:.3f} / {s[1]:.3f}" for a, s in sorted(r["sf"].items(), key=lambda kv: kv[1][0])]
        lines.append(f"- {r['name']}: " + "; ".join(parts))
    lines += ["", "</details>"]
    body = "\n".join(lines)
    print(body)
    if not args.only:
        write_section("any-panel", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
