"""tsforge's AutoML ensemble against mlforecast + LightGBM and statsforecast on 3 synthetic stores.

    bench/.venv/bin/python bench/automl_vs_peers.py [--seed S] [--time-limit 20m] [--threads 2]
                                                    [--items N] [--no-build] [--no-write]

One command, every tool on the same data, every WRMSSE from bench/reference_metrics.py:

- Data: `target/release/tsforge data synth --stores 3 --items 3049 --days 1941 --seed S`
  (CA_1..CA_3, 9,147 series; validation file d_1..d_1913, evaluation file d_1..d_1941),
  generated once into bench/data/m5-3stores-sS/ (git-ignored; `-iN` is appended for
  `--items N`). Train d_1..d_1913, forecast and score d_1914..d_1941.
- tsforge: `target/release/tsforge run recipes/m5.toml --data DIR --out OUT --quiet
  --time-limit LIMIT --seed S` with RAYON_NUM_THREADS = POLARS_MAX_THREADS = T (OUT =
  bench/data/automl_vs_peers-sS/tsforge, kept for inspection). Its leaderboard.csv gives
  the WRMSSE of every model; forecasts/Ensemble.csv and the best single model's forecast
  are scored again here with the Python WRMSSE.
- mlforecast + LightGBM: `mlforecast_accuracy.mlforecast_forecast` (the features of
  tsforge's GBDT-Tweedie-direct, one direct LightGBM Tweedie model; see that file) with
  num_threads = T, seed S, the last 730 days of each series as training rows.
- statsforecast: Naive, SeasonalNaive(7), WindowAverage(28), SeasonalWindowAverage(7, 4),
  ADIDA, IMAPA, CrostonOptimized, TSB(0.1, 0.1) with n_jobs = T, each series from its
  first non-zero sale (all-zero series keep their history), one `forecast` call per model
  and window; NaN forecasts (a window longer than the history) are replaced by the last
  value. AutoETS and AutoTheta (season 7) are timed first on a sample of series
  (`--probe-series`, n_jobs = 1) and run only when the extrapolation to all series with
  T jobs fits `--probe-budget` seconds per window. Every model is fitted twice: on
  d_1..d_1885 (backtest d_1886..d_1913, tsforge's own search window) and on d_1..d_1913;
  the "best statsforecast model" is the best on the backtest.
- Each tool runs in its own fresh process, measured from outside: wall time, peak RSS of
  the process tree (sampled every 0.25 s) and of the largest single process (GNU time).

Prints the table and writes the `automl-vs-peers` section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

import reference_metrics as rm
from results_md import RESULTS, git_rev, write_section

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
TSFORGE = ROOT / "target" / "release" / "tsforge"
STORES = 3
ALL_ITEMS = 3049
BACKTEST_END = rm.TRAIN_END - rm.H  # d_1885: the backtest trains on d_1..d_1885
SF_FAST = ["Naive", "SeasonalNaive", "WindowAverage", "SeasonalWindowAverage", "ADIDA", "IMAPA", "CrostonOptimized", "TSB"]
SF_SLOW = ["AutoETS", "AutoTheta"]


# ----------------------------------------------------------------------------- data


def data_dir(seed: int, items: int) -> Path:
    return BENCH / "data" / (f"m5-3stores-s{seed}" + ("" if items == ALL_ITEMS else f"-i{items}"))


def ensure_data(exe: Path, seed: int, items: int) -> Path:
    d = data_dir(seed, items)
    if (d / "sales_train_evaluation.csv").exists() and (d / "sell_prices.csv").exists():
        return d
    tmp = d.with_name(d.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run([str(exe), "data", "synth", "--stores", str(STORES), "--items", str(items), "--days", "1941",
                    "--seed", str(seed), "--out", str(tmp)], cwd=ROOT, check=True)
    shutil.rmtree(d, ignore_errors=True)
    tmp.rename(d)
    return d


def load(d: Path):
    """What `reference_metrics.load` returns, from an uncompressed M5 folder: rows sorted by
    id, the evaluation file aligned to them and checked to repeat d_1..d_1913."""
    cal = pd.read_csv(d / "calendar.csv")
    val = pd.read_csv(d / "sales_train_validation.csv")
    ev = pd.read_csv(d / "sales_train_evaluation.csv")
    prices = pd.read_csv(d / "sell_prices.csv")
    val = val.sort_values("id", kind="mergesort").reset_index(drop=True)
    ev = ev.set_index(["item_id", "store_id"]).loc[list(zip(val["item_id"], val["store_id"]))].reset_index()
    train = val[rm.TRAIN_DAYS].to_numpy(dtype=np.float64)
    assert np.array_equal(train, ev[rm.TRAIN_DAYS].to_numpy(dtype=np.float64)), "evaluation file disagrees on d_1..d_1913"
    return cal, val[rm.ID_COLS].copy(), train, ev[rm.TEST_DAYS].to_numpy(dtype=np.float64), prices


class Scorer:
    """The Python WRMSSE (reference_metrics) of bottom-level forecasts for one window."""

    def __init__(self, cal, meta, train, truth, prices):
        self.meta, self.notes, self.undefined = meta, [], set()
        dollars, _ = rm.bottom_dollar_sales(cal, meta, train, prices, self.notes)
        self.levels = rm.level_tables(meta, train, truth, dollars)

    def __call__(self, fc: np.ndarray) -> float:
        assert fc.shape == (len(self.meta), rm.H) and np.isfinite(fc).all(), fc.shape
        return rm.wrmsse(self.levels, self.meta, fc, self.notes, self.undefined)[0]


def backtest_scorer(cal, meta, train, prices) -> Scorer:
    """Train d_1..d_1885, truth d_1886..d_1913; the calendar is relabelled 28 days on so that
    reference_metrics' weights use the units and prices of d_1858..d_1885 (the last 28
    days of this training window)."""
    shifted = cal.copy()
    shifted["d"] = [f"d_{i + 1 + rm.H}" for i in range(len(cal))]
    return Scorer(shifted, meta, train[:, :BACKTEST_END], train[:, BACKTEST_END:], prices)


def read_m5_forecast(path: Path, meta) -> np.ndarray:
    fc = pd.read_csv(path).set_index("id")
    fc.index = [i.replace("_evaluation", "_validation") for i in fc.index]
    return fc.loc[meta["id"], [f"F{h}" for h in range(1, rm.H + 1)]].to_numpy(dtype=np.float64)


# ----------------------------------------------------------------------------- measuring


def measure(cmd: list[str], env: dict[str, str], log: Path) -> dict:
    """Runs `cmd` (stdout and stderr to `log`): wall seconds, peak RSS of the process tree
    (sampled every 0.25 s) and of the largest single process (GNU time %M), in MiB."""
    from stats_speed import tree_rss_kib

    fd, maxrss = tempfile.mkstemp(prefix="maxrss_")
    os.close(fd)
    t = time.perf_counter()
    with open(log, "w") as f:
        proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", maxrss, *cmd], env=env, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT)
        peak, done = [0], threading.Event()

        def poll() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], tree_rss_kib(proc.pid))
                done.wait(0.25)

        th = threading.Thread(target=poll, daemon=True)
        th.start()
        rc = proc.wait()
        wall = time.perf_counter() - t
        done.set()
        th.join()
    try:
        single = float(Path(maxrss).read_text().strip().splitlines()[-1]) / 1024
    except (OSError, ValueError, IndexError):
        single = float("nan")
    os.unlink(maxrss)
    return {"rc": rc, "wall": wall, "peak_tree_mib": peak[0] / 1024, "peak_single_mib": single, "log": log}


def tail(path: Path, n: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-n:])


# ----------------------------------------------------------------------------- workers (fresh processes)


def mlforecast_worker(d: Path, seed: int, threads: int, out: Path) -> None:
    import mlforecast_accuracy as mfa

    t0 = time.perf_counter()
    cal, meta, train, _, prices = load(d)
    t1 = time.perf_counter()
    fcs, n_rows, feats = mfa.mlforecast_forecast(cal, meta, train, prices, [seed], threads=threads)
    t2 = time.perf_counter()
    np.save(out / "mlforecast.npy", fcs[seed])
    (out / "mlforecast.json").write_text(json.dumps({"load_seconds": t1 - t0, "model_seconds": t2 - t1, "rows": n_rows, "features": feats}))


def sf_frame(train: np.ndarray) -> pd.DataFrame:
    nz = train != 0
    first = np.where(nz.any(axis=1), nz.argmax(axis=1), 0)
    mask = np.arange(train.shape[1])[None, :] >= first[:, None]
    return pd.DataFrame({
        "unique_id": np.repeat(np.arange(len(train)), train.shape[1] - first),
        "ds": np.nonzero(mask)[1].astype(np.int64) + 1,
        "y": train[mask],
    })


def sf_model(name: str):
    from statsforecast import models as m

    return {
        "Naive": lambda: m.Naive(), "SeasonalNaive": lambda: m.SeasonalNaive(season_length=7),
        "WindowAverage": lambda: m.WindowAverage(window_size=28),
        "SeasonalWindowAverage": lambda: m.SeasonalWindowAverage(season_length=7, window_size=4),
        "ADIDA": lambda: m.ADIDA(), "IMAPA": lambda: m.IMAPA(), "CrostonOptimized": lambda: m.CrostonOptimized(),
        "TSB": lambda: m.TSB(alpha_d=0.1, alpha_p=0.1),
        "AutoETS": lambda: m.AutoETS(season_length=7), "AutoTheta": lambda: m.AutoTheta(season_length=7),
    }[name]()


def sf_run(df: pd.DataFrame, n: int, name: str, n_jobs: int) -> tuple[np.ndarray, float]:
    from statsforecast import StatsForecast
    from statsforecast.models import Naive

    t = time.perf_counter()
    fc = StatsForecast(models=[sf_model(name)], freq=1, n_jobs=n_jobs, fallback_model=Naive()).forecast(df=df, h=rm.H)
    secs = time.perf_counter() - t
    fc = fc.sort_values(["unique_id", "ds"], kind="mergesort")
    col = [c for c in fc.columns if c not in ("unique_id", "ds")][0]
    return fc[col].to_numpy(np.float64).reshape(n, rm.H), secs


def statsforecast_worker(d: Path, threads: int, probe_series: int, probe_budget: float, out: Path) -> None:
    t0 = time.perf_counter()
    _, _, train, _, _ = load(d)
    n = len(train)
    windows = {"backtest": train[:, :BACKTEST_END], "final": train}
    frames = {w: sf_frame(y) for w, y in windows.items()}
    info: dict = {"load_seconds": time.perf_counter() - t0, "series": n, "seconds": {}, "nan_filled": {}, "probe": {}}
    models = list(SF_FAST)
    # the expensive models: time them on an evenly spaced sample first
    sample = np.unique(np.linspace(0, n - 1, min(probe_series, n)).astype(int))
    probe_df = sf_frame(train[sample])
    for name in SF_SLOW:
        _, secs = sf_run(probe_df, len(sample), name, 1)
        predicted = secs / len(sample) * n / threads
        info["probe"][name] = {"series": int(len(sample)), "seconds": secs, "predicted_seconds_per_window": predicted, "run": predicted <= probe_budget}
        print(f"probe {name}: {secs:.1f} s on {len(sample)} series (n_jobs=1) -> ~{predicted:.0f} s per window on {n} series with {threads} jobs; "
              f"{'run' if predicted <= probe_budget else 'excluded'} (budget {probe_budget:.0f} s)", flush=True)
        if predicted <= probe_budget:
            models.append(name)
    arrays = {}
    for name in models:
        for w, y in windows.items():
            fc, secs = sf_run(frames[w], n, name, threads)
            bad = ~np.isfinite(fc)
            if bad.any():  # a window longer than the history: the last value instead
                rows = bad.any(axis=1)
                fc[rows] = y[rows, -1:]
            info["seconds"][f"{name}/{w}"] = secs
            info["nan_filled"][f"{name}/{w}"] = int(bad.any(axis=1).sum())
            arrays[f"{name}/{w}"] = np.maximum(fc, 0.0) if name in ("AutoETS", "AutoTheta") else fc
            print(f"statsforecast {name} {w}: {secs:.1f} s", flush=True)
    info["models"] = models
    np.savez(out / "statsforecast.npz", **arrays)
    (out / "statsforecast.json").write_text(json.dumps(info))


# ----------------------------------------------------------------------------- the three tools


def run_tsforge(exe: Path, d: Path, seed: int, limit: str, threads: int, work: Path) -> dict:
    out = work / "tsforge"
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "RAYON_NUM_THREADS": str(threads), "POLARS_MAX_THREADS": str(threads)}
    cmd = [str(exe), "run", "recipes/m5.toml", "--data", str(d), "--out", str(out), "--quiet", "--time-limit", limit, "--seed", str(seed)]
    r = measure(cmd, env, work / "tsforge.log")
    r["cmd"] = cmd
    r["git"] = git_rev()  # the code the binary was built from (the build runs just before)
    return r


def run_worker(kind: str, args, d: Path, work: Path) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads) if kind == "mlforecast" else "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--data", str(d), "--work", str(work), "--seed", str(args.seed),
           "--threads", str(args.threads), "--probe-series", str(args.probe_series), "--probe-budget", str(args.probe_budget)]
    return measure(cmd, env, work / f"{kind}.log")


def stage(name: str, reuse: set[str], work: Path, run) -> dict:
    """Runs one tool (or, with --reuse NAME, takes its last measurement from the work folder)
    and keeps the measurement beside its outputs."""
    saved = work / f"{name}.measure.json"
    if name in reuse and saved.exists():
        r = json.loads(saved.read_text())
        print(f"{name}: reusing the measurement of {r.get('when')} from {saved.relative_to(ROOT)}", flush=True)
    else:
        r = run()
        r["log"] = str(r["log"])
        r["when"] = f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC"
        saved.write_text(json.dumps(r))
    r["log"] = Path(r["log"])
    print(f"{name}: rc {r['rc']}, wall {r['wall']:.1f} s, peak {r['peak_tree_mib']:,.0f} MiB", flush=True)
    if r["rc"] != 0:
        print(f"{name} FAILED:\n{tail(r['log'])}", flush=True)
    elif name == "tsforge":
        r["leaderboard"] = pd.read_csv(work / "tsforge" / "leaderboard.csv")
        r["manifest"] = json.loads((work / "tsforge" / "manifest.json").read_text())
        r["out"] = work / "tsforge"
    else:
        r["info"] = json.loads((work / f"{name}.json").read_text())
    return r


def parse_duration(s: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    return float(s[:-1]) * units[s[-1]] if s[-1] in units else float(s)


# ----------------------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0, help="synthetic data seed, also tsforge's and LightGBM's seed")
    ap.add_argument("--time-limit", default="20m", help="tsforge's --time-limit")
    ap.add_argument("--threads", type=int, default=2, help="tsforge RAYON/POLARS threads, LightGBM num_threads, statsforecast n_jobs")
    ap.add_argument("--items", type=int, default=ALL_ITEMS, help="items per store (a smaller set for a quick run)")
    ap.add_argument("--probe-series", type=int, default=30, help="series on which AutoETS/AutoTheta are timed first")
    ap.add_argument("--probe-budget", type=float, default=300.0, help="seconds per window AutoETS/AutoTheta may take on all series")
    ap.add_argument("--bin", default=str(TSFORGE), help="the tsforge binary (default target/release/tsforge)")
    ap.add_argument("--no-build", action="store_true", help="use the tsforge binary as it is")
    ap.add_argument("--no-write", action="store_true", help="print only")
    ap.add_argument("--reuse", default="", help="comma-separated tools (tsforge, mlforecast, statsforecast) whose last measurement in the work folder is taken instead of a new run")
    ap.add_argument("--worker", choices=["mlforecast", "statsforecast"], help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker == "mlforecast":
        mlforecast_worker(Path(args.data), args.seed, args.threads, Path(args.work))
        return 0
    if args.worker == "statsforecast":
        statsforecast_worker(Path(args.data), args.threads, args.probe_series, args.probe_budget, Path(args.work))
        return 0

    exe = Path(args.bin)
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "tsforge-cli"], cwd=ROOT, check=True)
    d = ensure_data(exe, args.seed, args.items)
    work = BENCH / "data" / (f"automl_vs_peers-s{args.seed}" + ("" if args.items == ALL_ITEMS else f"-i{args.items}"))
    work.mkdir(parents=True, exist_ok=True)
    from stats_speed import cpu_probe

    load_start, probe_start = os.getloadavg()[0], cpu_probe()
    started = dt.datetime.now(dt.timezone.utc)
    print(f"data {d.relative_to(ROOT)}; work folder {work.relative_to(ROOT)}; load average {load_start:.1f}, 2 busy processes got {probe_start:.2f} CPUs", flush=True)

    reuse = set(filter(None, args.reuse.split(",")))
    ts = stage("tsforge", reuse, work, lambda: run_tsforge(exe, d, args.seed, args.time_limit, args.threads, work))
    ml = stage("mlforecast", reuse, work, lambda: run_worker("mlforecast", args, d, work))
    sf = stage("statsforecast", reuse, work, lambda: run_worker("statsforecast", args, d, work))
    load_end, probe_end = os.getloadavg()[0], cpu_probe()

    # ---------------------------------------------------------------- scoring
    cal, meta, train, truth, prices = load(d)
    score = Scorer(cal, meta, train, truth, prices)
    score_bt = backtest_scorer(cal, meta, train, prices)
    sn_py = score(rm.seasonal_naive(train))

    rows: list[dict] = []  # the main table
    ens = None
    ts_notes: list[str] = []
    lb = None
    if ts["rc"] == 0:
        lb = ts["leaderboard"].set_index("alias")
        ens_alias = "Ensemble" if "Ensemble" in lb.index else lb.index[lb["family"] == "ensemble"][0]
        ens_py = score(read_m5_forecast(ts["out"] / "forecasts" / f"{ens_alias}.csv", meta))
        ens = ens_py
        singles = lb[lb["family"] != "ensemble"]
        best_bt = singles["valid_wrmsse"].astype(float).idxmin()
        best_sc = singles["wrmsse"].astype(float).idxmin()
        members = str(lb.loc[ens_alias].get("members", ""))
        rows.append(dict(tool="tsforge", model=f"{ens_alias} ({members})", lb=float(lb.loc[ens_alias, "wrmsse"]), py=ens_py,
                         bt=float(lb.loc[ens_alias, "valid_wrmsse"]), wall=ts["wall"], mem=ts["peak_tree_mib"], single=ts["peak_single_mib"], threads=args.threads,
                         note="whole run: load, fixed models, search, refits, ensemble, scoring"))
        picks = [(best_bt, "best single model on the backtest")]
        if best_sc != best_bt:
            picks.append((best_sc, "best single model on the scored window"))
        else:
            ts_notes.append(f"{best_bt} is the best single model on both the backtest and the scored window")
        for alias, why in picks:
            rows.append(dict(tool="tsforge", model=f"{alias} ({why})", lb=float(lb.loc[alias, "wrmsse"]),
                             py=score(read_m5_forecast(ts["out"] / "forecasts" / f"{alias}.csv", meta)), bt=float(lb.loc[alias, "valid_wrmsse"]),
                             wall=None, mem=None, single=None, threads=args.threads, note=f"same run; its final fit {float(lb.loc[alias, 'fit_seconds']):.1f} s"))
        weights = {m.split(":")[0]: float(m.split(":")[1]) for m in members.split() if ":" in m} if members and members != "nan" else {}
        e_w = float(lb.loc[ens_alias, "wrmsse"])
        beaten = [a for a in weights if a in lb.index and float(lb.loc[a, "wrmsse"]) < e_w]
        tied = [a for a in weights if a in lb.index and float(lb.loc[a, "wrmsse"]) == e_w]
        better_any = singles.index[singles["wrmsse"].astype(float) < e_w].tolist()
        if len(weights) == 1:
            verdict = f"a one-member ensemble: Caruana's selection kept only {next(iter(weights))}, so it equals that model"
        elif beaten:
            verdict = f"members better than the ensemble on the scored window: {', '.join(beaten)}"
        elif tied:
            verdict = f"ties member(s) {', '.join(tied)} on the scored window"
        else:
            verdict = "it beats every member on the scored window"
        ts_notes.append(f"ensemble members {', '.join(f'{a} {w:.3f}' for a, w in weights.items()) or members}; {verdict}; "
                        + (f"single models better than it on the scored window: {', '.join(better_any)}" if better_any else "it beats every single model on the leaderboard"))
        limit_s = parse_duration(args.time_limit)
        ts_notes.append(f"time limit {args.time_limit} = {limit_s:.0f} s: wall {ts['wall']:.0f} s = {ts['wall'] / limit_s:.2f} × the limit "
                        f"({'within' if ts['wall'] <= 1.1 * limit_s else 'OVER'} limit + 10 %); manifest total_seconds {ts['manifest']['timings'].get('total_seconds', float('nan')):.0f}, "
                        f"threads {ts['manifest'].get('threads')}; timings {', '.join(f'{k} {v:.0f} s' for k, v in ts['manifest']['timings'].items())}")
        ts_notes.append(f"trials run: {ts['manifest'].get('trials')}")
    mlrow = None
    if ml["rc"] == 0:
        fc = np.load(work / "mlforecast.npy")
        mlrow = dict(tool="mlforecast + LightGBM", model="LGBMRegressor Tweedie, 35 features (mlforecast_accuracy.py)", lb=None, py=score(fc), bt=None,
                     wall=ml["wall"], mem=ml["peak_tree_mib"], single=ml["peak_single_mib"], threads=args.threads,
                     note=f"whole process; {ml['info']['rows']:,} training rows; load {ml['info']['load_seconds']:.1f} s, features+fit+predict {ml['info']['model_seconds']:.0f} s")
        rows.append(mlrow)
    sf_table: list[dict] = []
    sf_notes: list[str] = []
    if sf["rc"] == 0:
        z = np.load(work / "statsforecast.npz")
        info = sf["info"]
        for name in info["models"]:
            sf_table.append(dict(model=name, bt=score_bt(z[f"{name}/backtest"]), py=score(z[f"{name}/final"]),
                                 s_bt=info["seconds"][f"{name}/backtest"], s_final=info["seconds"][f"{name}/final"],
                                 nan=info["nan_filled"][f"{name}/final"]))
        best = min(sf_table, key=lambda r: r["bt"])
        best_sc = min(sf_table, key=lambda r: r["py"])
        picks = [(best, "best on the backtest")] + ([] if best_sc is best else [(best_sc, "best on the scored window")])
        for r, why in picks:
            rows.append(dict(tool="statsforecast", model=f"{r['model']} ({why})", lb=None, py=r["py"], bt=r["bt"],
                             wall=r["s_final"], mem=None, single=None, threads=args.threads,
                             note=f"its final-fit `forecast` call; the whole statsforecast process (load, probe, {len(info['models'])} models × 2 windows) {sf['wall']:.0f} s, peak {sf['peak_tree_mib']:,.0f} MiB"))
        if best_sc is best:
            sf_notes.append(f"{best['model']} is the best statsforecast model on both windows")

    # ---------------------------------------------------------------- output
    def f4(v):
        return "—" if v is None or v != v else f"{v:.4f}"

    def fs(v, spec=",.0f"):
        return "—" if v is None or v != v else format(v, spec)

    table = ["| tool | model | WRMSSE d_1914..d_1941 (reference_metrics) | tsforge leaderboard | ratio to the tsforge ensemble | backtest WRMSSE d_1886..d_1913 | wall s | peak RSS MiB (tree / largest process) | threads |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        ratio = "—" if ens is None else f"**{r['py'] / ens:.3f}**"
        mem = "—" if r["mem"] is None else f"{fs(r['mem'])} / {fs(r['single'])}"
        table.append(f"| {r['tool']} | {r['model']} | {f4(r['py'])} | {f4(r['lb'])} | {ratio} | {f4(r['bt'])} | {fs(r['wall'], '.1f')} | {mem} | {r['threads']} |")
    sft = ["| statsforecast model | backtest WRMSSE | WRMSSE d_1914..d_1941 | ratio to the tsforge ensemble | s (backtest fit) | s (final fit) | series NaN → last value |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for r in sorted(sf_table, key=lambda r: r["bt"]):
        sft.append(f"| {r['model']} | {r['bt']:.4f} | {r['py']:.4f} | {'—' if ens is None else format(r['py'] / ens, '.3f')} | {r['s_bt']:.1f} | {r['s_final']:.1f} | {r['nan']} |")
    lbt = []
    if lb is not None:
        lbt = ["| rank | alias | family | backtest WRMSSE | WRMSSE d_1914..d_1941 | fit s |", "|---:|---|---|---:|---:|---:|"]
        for alias, r in lb.iterrows():
            lbt.append(f"| {r['rank']} | {alias} | {r['family']} | {float(r['valid_wrmsse']):.4f} | {float(r['wrmsse']):.4f} | {float(r['fit_seconds']):.1f} |")
    row_notes = [f"- {r['tool']} {r['model'].split(' (')[0]}: {r['note']}" for r in rows]
    excluded = []
    if sf["rc"] == 0:
        for name, p in sf["info"]["probe"].items():
            excluded.append(f"{name}: {p['seconds']:.1f} s on {p['series']} series with n_jobs = 1 → about {p['predicted_seconds_per_window']:,.0f} s per window on all "
                            f"{sf['info']['series']:,} series with {args.threads} jobs (budget {args.probe_budget:.0f} s): {'run' if p['run'] else '**excluded**'}")
    failures = []
    for name, r in (("tsforge", ts), ("mlforecast", ml), ("statsforecast", sf)):
        if r["rc"] != 0:
            failures.append(f"- **{name} failed** (exit {r['rc']}):\n\n```\n{tail(r['log'], 25)}\n```")

    import lightgbm
    import mlforecast
    import statsforecast

    n_series = STORES * args.items
    cmd = "bench/.venv/bin/python bench/automl_vs_peers.py" + (f" --seed {args.seed}" if args.seed else "") + \
        (f" --time-limit {args.time_limit}" if args.time_limit != "20m" else "") + (f" --threads {args.threads}" if args.threads != 2 else "") + \
        (f" --items {args.items}" if args.items != ALL_ITEMS else "")
    text = f"""## AutoML ensemble vs mlforecast + LightGBM and statsforecast (3 synthetic stores)

- Date: {started:%Y-%m-%d %H:%M} UTC; command: `{cmd}`; tsforge at git {ts.get('git') or git_rev()}; mlforecast {mlforecast.__version__}, LightGBM {lightgbm.__version__}, statsforecast {statsforecast.__version__}, pandas {pd.__version__}, Python {platform.python_version()}.
- Machine: {os.cpu_count()} CPUs, {platform.platform()}; load average {load_start:.1f} at the start, {load_end:.1f} at the end; two busy processes got {probe_start:.2f} / {probe_end:.2f} CPUs at start / end (2.00 = idle).
- Data: `tsforge data synth --stores 3 --items {args.items} --days 1941 --seed {args.seed}` ({n_series:,} series, CA_1..CA_3), train d_1..d_1913, scored d_1914..d_1941 with the WRMSSE of `bench/reference_metrics.py` (12 levels, dollar weights of d_1886..d_1913). Backtest: train d_1..d_1885, scored d_1886..d_1913 (weights from d_1858..d_1885), the window tsforge's search and ensemble use.
- tsforge: `target/release/tsforge run recipes/m5.toml --data DIR --out OUT --quiet --time-limit {args.time_limit} --seed {args.seed}`, RAYON_NUM_THREADS = POLARS_MAX_THREADS = {args.threads} (fixed SeasonalNaive, SeasWA, ADIDA, TSB, GBDT-Tweedie-direct on 365 days; TPE search over gbdt / hurdle / lenet on the backtest; Caruana ensemble; members refitted on d_1..d_1913). Its forecasts are scored again with the Python WRMSSE (the *leaderboard* column is tsforge's own).
- mlforecast + LightGBM: `mlforecast_accuracy.mlforecast_forecast` (same 35 features as GBDT-Tweedie-direct, one direct LGBMRegressor Tweedie 1.1, 200 trees, 63 leaves, lr 0.05, num_threads {args.threads}, seed {args.seed}; last 730 days of each series from its first sale as training rows, where tsforge's recipe uses 365).
- statsforecast: each model in its own `StatsForecast(models=[M], freq=1, n_jobs={args.threads}, fallback_model=Naive()).forecast(h=28)` on histories from the first non-zero sale, once per window; the *best statsforecast model* is chosen on the backtest, not on the scored window.
- Each tool's run finished at: tsforge {ts.get('when')}, mlforecast {ml.get('when')}, statsforecast {sf.get('when')}.
- Each tool is one fresh process measured from outside: wall time (start-up and loading included), peak RSS of the process tree sampled every 0.25 s and of the largest single process (GNU time). Ratio = WRMSSE / the tsforge ensemble's (above 1: the ensemble is better).

{chr(10).join(table)}

{chr(10).join(row_notes)}

{chr(10).join(failures)}

tsforge run: {'; '.join(ts_notes) if ts_notes else '—'}. Python SeasonalNaive (reference_metrics) on the scored window: {sn_py:.4f}.

AutoETS / AutoTheta, timed on a sample first: {'; '.join(excluded) if excluded else '—'}. {' '.join(sf_notes)}

{chr(10).join(sft)}

tsforge leaderboard:

{chr(10).join(lbt)}
"""
    text = text.replace("\n\n\n", "\n\n")
    print(text)
    if not args.no_write:
        write_section("automl-vs-peers", text)
        print(f"wrote {RESULTS.relative_to(ROOT)} section automl-vs-peers")
    return 0 if ts["rc"] == 0 and ml["rc"] == 0 and sf["rc"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
