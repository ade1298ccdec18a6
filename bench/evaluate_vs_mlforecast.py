"""The AutoML out of sample (`tsforge evaluate`) against mlforecast + LightGBM at the same origins.

    bash bench/setup.sh
    bench/.venv/bin/python bench/evaluate_vs_mlforecast.py [--tsforge PATH/evaluate.json]
        [--origins 1717,1745,...] [--no-write]

`tsforge evaluate --origins 8` on datasets/m5-tiny reruns the whole AutoML at the origins
d_1717, d_1745, ..., d_1913 (28 days apart): each origin o trains on d_1..d_o and is scored
on d_{o+1}..d_{o+28} of sales_train_evaluation. This script runs the peer at the same
origins, scores it (and SeasonalNaive) with the WRMSSE of bench/reference_metrics.py moved
to origin o, and, given the tsforge record, prints both side by side.

The peer, as a retail forecaster would set it up after the M5 public kernels:
- mlforecast, recursive (`predict(28)` feeds its own forecasts back into the lags), one
  LightGBM model: Tweedie objective (variance power 1.1), 800 trees, 127 leaves, learning
  rate 0.05, colsample_bytree 0.8, subsample 0.8 every round, random_state 0, n_jobs 2
  (LightGBM's num_threads); everything else at LightGBM's defaults.
- Features: lags 7, 8, ..., 28; rolling mean 7 and 28 and rolling std 7 on lag 7 (lag
  transforms); date features dayofweek, month, day, ISO week; item/dept/cat/store/state ids
  as categorical static features; as exogenous columns known in advance (the future window's
  values given through `X_df`): the daily sell price (each week's price, carried forward
  over weeks without one, as `mlforecast_accuracy.daily_prices` does; m5-tiny's prices stop
  at d_1918), SNAP of the series' own state, and event_name_1 / event_type_1 as categoricals
  (`mlforecast_accuracy.event_columns`).
- Training rows: the last 800 days before the origin, and for a series that starts selling
  later, only from its first sale on (the leading zeros are days the item was not stocked,
  not demand). Features are computed on the whole history, so the first kept rows have
  every lag.

WRMSSE at origin o (`OriginScorer`): reference_metrics' own functions on the panel cut at o:
weights = dollar sales over d_{o-27}..d_o, scales from each aggregated series' history from
its first non-zero value to d_o, 12 levels. Checked on d_1913 against
bench/reference/m5_tiny_metrics.json (SeasonalNaive) to 1e-9.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

import reference_metrics as rm
from mlforecast_accuracy import daily_prices, event_columns
from results_md import git_rev, write_section

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "reference" / "m5_tiny_metrics.json"
DEFAULT_ORIGINS = [1717 + 28 * k for k in range(8)]  # tsforge evaluate --origins 8 on m5-tiny
TRAIN_DAYS = 800
LAGS = list(range(7, 29))
STATICS = ["item_id", "dept_id", "cat_id", "store_id", "state_id"]
SECTION = "automl-evaluate-vs-mlforecast"
SEED = 0
THREADS = 2


# ---------------------------------------------------------------- data and metric
def load_panel():
    """reference_metrics.load(), with its train (validation file, d_1..d_1913) and truth
    (evaluation file, d_1914..d_1941) joined back into one (series, d_1..d_1941) matrix:
    load() has already aligned the two files and checked they agree on d_1..d_1913."""
    cal, meta, train, truth, prices = rm.load()
    return cal, meta, np.concatenate([train, truth], axis=1), prices


@contextmanager
def weight_window(origin: int):
    # bottom_dollar_sales reads the weight days from the module constant LAST28_DAYS
    # (d_1886..d_1913); point it at the 28 days before this origin for the call.
    saved = rm.LAST28_DAYS
    rm.LAST28_DAYS = [f"d_{d}" for d in range(origin - rm.H + 1, origin + 1)]
    try:
        yield
    finally:
        rm.LAST28_DAYS = saved


class OriginScorer:
    """The M5 WRMSSE of a (series, 28) forecast of d_{origin+1}..d_{origin+28}."""

    def __init__(self, cal, meta, sales, prices, origin: int):
        if origin + rm.H > sales.shape[1]:
            raise SystemExit(f"origin d_{origin}: no 28 scored days after it (data ends at d_{sales.shape[1]})")
        self.meta = meta
        self.train = sales[:, :origin]
        truth = sales[:, origin:origin + rm.H]
        with weight_window(origin):
            dollars, _ = rm.bottom_dollar_sales(cal, meta, self.train, prices, [])
        self.levels = rm.level_tables(meta, self.train, truth, dollars)

    def __call__(self, fc: np.ndarray) -> float:
        return rm.wrmsse(self.levels, self.meta, fc, [], set())[0]

    def seasonal_naive(self) -> float:
        return self(rm.seasonal_naive(self.train))


def check_against_reference(scorer_1913: OriginScorer) -> float:
    """The moved metric must reproduce the reference at the reference's own origin."""
    ref = json.loads(REFERENCE.read_text())
    assert ref["train_end"] == "d_1913", ref["train_end"]
    want = ref["models"]["SeasonalNaive"]["wrmsse"]
    got = scorer_1913.seasonal_naive()
    assert abs(got - want) <= 1e-9, f"WRMSSE at d_1913: SeasonalNaive {got!r}, reference {want!r}"
    return got


# ---------------------------------------------------------------- the peer
def long_frame(cal, meta, sales, prices) -> pd.DataFrame:
    """Every series over d_1..d_1941 in mlforecast's long layout, with the exogenous columns.
    Built once; each origin cuts its history and its future window out of it."""
    n, days = sales.shape
    dates = pd.to_datetime(cal["date"]).to_numpy()[:days]
    ev, n_names, n_types = event_columns(cal)
    price = daily_prices(cal, meta, prices)[:, :days]
    snap = np.stack([cal[f"snap_{s}"].to_numpy()[:days] for s in meta["state_id"]])
    df = pd.DataFrame({
        "unique_id": np.repeat(meta["id"].to_numpy(), days),
        "ds": np.tile(dates, n),
        "t": np.tile(np.arange(1, days + 1), n),  # the day number: d_t
        "y": sales.reshape(-1),
        "sell_price": price.reshape(-1),
        "snap": snap.reshape(-1).astype(np.float64),
        "event_name_1": pd.Categorical(np.tile(ev["event_name_1"].to_numpy()[:days], n), categories=range(n_names)),
        "event_type_1": pd.Categorical(np.tile(ev["event_type_1"].to_numpy()[:days], n), categories=range(n_types)),
    })
    for c in STATICS:
        df[c] = pd.Categorical(np.repeat(meta[c].to_numpy(), days), categories=sorted(meta[c].unique()))
    return df


def peer_forecast(frame: pd.DataFrame, meta, sales, origin: int) -> tuple[np.ndarray, int, float]:
    """mlforecast + LightGBM trained on data up to d_origin; forecasts (series in meta order,
    d_{origin+1}..d_{origin+28}), the number of training rows and the seconds in LightGBM's fit."""
    import lightgbm as lgb
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import RollingMean, RollingStd

    model = lgb.LGBMRegressor(objective="tweedie", tweedie_variance_power=1.1, n_estimators=800, num_leaves=127, learning_rate=0.05,
                              colsample_bytree=0.8, subsample=0.8, subsample_freq=1, random_state=SEED, n_jobs=THREADS, verbose=-1)
    fcst = MLForecast(models={"lgb": model}, freq="D", lags=LAGS,
                      lag_transforms={7: [RollingMean(7), RollingMean(28), RollingStd(7)]},
                      date_features=["dayofweek", "month", "day", "week"], num_threads=THREADS)
    history = frame[frame["t"] <= origin]
    future = frame[(frame["t"] > origin) & (frame["t"] <= origin + rm.H)][["unique_id", "ds", "sell_price", "snap", "event_name_1", "event_type_1"]]

    # dropna=False keeps every day so that the rows kept below are chosen by date, not by
    # which lags happen to exist; the kept rows are late enough to have all of them anyway.
    X = fcst.preprocess(history.drop(columns=["t"]), static_features=STATICS, dropna=False)
    day = (X["ds"] - frame["ds"].iloc[0]).dt.days.to_numpy()  # 0-based: d_(day+1)
    train = sales[:, :origin]
    first = np.array([np.flatnonzero(r > 0)[0] if (r > 0).any() else origin for r in train])
    start = np.maximum(first, origin - TRAIN_DAYS)
    sid = pd.Categorical(X["unique_id"], categories=meta["id"]).codes
    keep = day >= start[sid]
    feats = [c for c in X.columns if c not in ("unique_id", "ds", "y")]
    t0 = time.perf_counter()
    fcst.fit_models(X.loc[keep, feats], X.loc[keep, "y"].to_numpy())
    fit_s = time.perf_counter() - t0

    pred = fcst.predict(rm.H, X_df=future)
    fc = pred.pivot(index="unique_id", columns="ds", values="lgb").loc[meta["id"]].to_numpy(dtype=np.float64)
    assert fc.shape == (len(meta), rm.H), fc.shape
    return np.maximum(fc, 0.0), int(keep.sum()), fit_s


# ---------------------------------------------------------------- the tsforge record
def tsforge_columns(path: Path, origins: list[int]) -> tuple[dict[str, list], dict]:
    """Per requested origin: the submission, the hindsight oracle and every fixed single
    model (policy kind `model`) of evaluate.json; None where the record has no score."""
    rec = json.loads(path.read_text())
    if rec.get("metric") != "wrmsse":
        raise SystemExit(f"{path}: metric {rec.get('metric')!r}, expected wrmsse (an M5 run)")
    where = {int(label.removeprefix("d_")): k for k, label in enumerate(rec["origins"])}
    missing = [o for o in origins if o not in where]
    if missing:
        print(f"warning: {path} has no origin {', '.join(f'd_{o}' for o in missing)}", file=sys.stderr)

    def at(values: list) -> list:
        return [values[where[o]] if o in where and where[o] < len(values) else None for o in origins]

    by_kind = lambda kind: [p for p in rec["policies"] if p["kind"] == kind]
    cols = {"tsforge submission": at(by_kind("AutoML")[0]["scores"]),
            "tsforge best single in hindsight": at(by_kind("oracle")[0]["scores"])}
    # models scored at every origin (the reconciled variants run only where the time limit left room)
    models = sorted((p for p in by_kind("model") if all(v is not None for v in at(p["scores"]))), key=lambda p: (p["mean"], p["name"]))
    for p in models:
        cols[p["name"]] = at(p["scores"])
    info = {"submitted": at(rec.get("submitted", [])), "hindsight": at(rec.get("hindsight", [])),
            "seconds": at(rec.get("seconds", [])), "models": [p["name"] for p in models], "title": rec.get("title", "")}
    return cols, info


# ---------------------------------------------------------------- output
def mean(xs) -> float:
    v = [x for x in xs if x is not None]
    return float(np.mean(v)) if v else float("nan")


def fmt(x, d: int = 4) -> str:
    return "-" if x is None or not np.isfinite(x) else f"{x:.{d}f}"


def table(origins, cols: dict[str, list], text: dict[str, list]) -> list[str]:
    """Markdown: one row per origin and a mean row; `text` columns (names) are not averaged."""
    names = list(text) + list(cols)
    lines = ["| origin | " + " | ".join(names) + " |", "|---|" + "|".join("---" if n in text else "---:" for n in names) + "|"]
    for k, o in enumerate(origins):
        cells = [text[n][k] or "-" for n in text] + [fmt(cols[n][k]) for n in cols]
        lines.append(f"| d_{o} | " + " | ".join(cells) + " |")
    lines.append("| **mean** | " + " | ".join([""] * len(text) + [f"**{fmt(mean(cols[n]))}**" for n in cols]) + " |")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--tsforge", type=Path, help="evaluate.json of `tsforge evaluate` on datasets/m5-tiny")
    ap.add_argument("--origins", default=",".join(map(str, DEFAULT_ORIGINS)), help="last training day numbers, e.g. 1717,1745")
    ap.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    ap.add_argument("--save-forecasts", type=Path, help="write the peer's forecasts here (one d_O.npy per origin, series in the M5 files' order)")
    ap.add_argument("--load-forecasts", type=Path, help="score the peer's forecasts saved by an earlier --save-forecasts run instead of fitting it again "
                    "(its seconds and row counts are then not known)")
    args = ap.parse_args()
    origins = sorted(int(o.strip().removeprefix("d_")) for o in args.origins.split(","))

    cal, meta, sales, prices = load_panel()
    scorers = {o: OriginScorer(cal, meta, sales, prices, o) for o in origins}
    ref_sn = check_against_reference(scorers.get(1913) or OriginScorer(cal, meta, sales, prices, 1913))
    print(f"WRMSSE moved to any origin reproduces the reference at d_1913: SeasonalNaive {ref_sn:.10f} (within 1e-9)", flush=True)

    frame = long_frame(cal, meta, sales, prices)
    peer, snaive, seconds, rows = [], [], [], []
    for o in origins:
        t0 = time.perf_counter()
        if args.load_forecasts:
            fc, n_rows, fit_s = np.load(args.load_forecasts / f"d_{o}.npy"), 0, float("nan")
        else:
            fc, n_rows, fit_s = peer_forecast(frame, meta, sales, o)
        seconds.append(time.perf_counter() - t0)
        if args.save_forecasts:
            args.save_forecasts.mkdir(parents=True, exist_ok=True)
            np.save(args.save_forecasts / f"d_{o}.npy", fc)
        peer.append(scorers[o](fc))
        snaive.append(scorers[o].seasonal_naive())
        rows.append(n_rows)
        cost = "loaded" if args.load_forecasts else f"{n_rows:,} training rows, {seconds[-1]:.1f} s, {fit_s:.1f} s of it in the fit"
        print(f"d_{o}: mlforecast + LightGBM {peer[-1]:.4f}, SeasonalNaive {snaive[-1]:.4f} ({cost})", flush=True)
    wall = sum(seconds)
    loaded = f" (forecasts loaded from `{args.load_forecasts}`, fitted by an earlier run of this script with --save-forecasts; its timings are not repeated here)" if args.load_forecasts else ""

    cols: dict[str, list] = {}
    text: dict[str, list] = {}
    info = None
    if args.tsforge:
        ts_cols, info = tsforge_columns(args.tsforge, origins)
        text = {"tsforge submitted": info["submitted"], "tsforge best in hindsight": info["hindsight"]}
        cols = {k: ts_cols[k] for k in ("tsforge submission", "tsforge best single in hindsight")}
    cols["mlforecast + LightGBM"] = peer
    cols["SeasonalNaive (python)"] = snaive
    if info:
        cols.update({f"tsforge {m}": ts_cols[m] for m in info["models"]})
    lines = table(origins, cols, text)

    summary = [f"- mlforecast + LightGBM: mean WRMSSE **{mean(peer):.4f}** over {len(origins)} origins;"
               + (f" {wall:.0f} s wall for all origins ({', '.join(f'{s:.0f}' for s in seconds)} s each; fit + predict, on {THREADS} threads)." if not loaded else loaded + ".")]
    if info:
        both = [k for k in range(len(origins)) if cols["tsforge submission"][k] is not None]
        ts_mean = mean([cols["tsforge submission"][k] for k in both])
        ml_mean = mean([peer[k] for k in both])
        summary.append(f"- Ratio of means, tsforge submission / mlforecast + LightGBM: **{ts_mean / ml_mean:.4f}** "
                       f"({ts_mean:.4f} / {ml_mean:.4f} over the {len(both)} origins both scored).")
        ts_sn = ts_cols.get("SeasonalNaive")
        if ts_sn:
            diffs = [abs(a - b) for a, b in zip(ts_sn, snaive) if a is not None]
            if diffs:
                summary.append(f"- Anchor: tsforge's SeasonalNaive vs this script's, max |difference| over the origins {max(diffs):.2e}.")
        secs = [s for s in info["seconds"] if s is not None]
        if secs:
            summary.append(f"- tsforge evaluate: {sum(secs):.0f} s for these origins (each the whole AutoML run).")

    print()
    print("\n".join(lines + [""] + summary))

    if not args.no_write:
        import lightgbm
        import mlforecast

        command = "bench/.venv/bin/python bench/evaluate_vs_mlforecast.py" + ("" if len(sys.argv) < 2 else " " + shlex.join(sys.argv[1:]))
        body = [
            f"## AutoML at {len(origins)} origins (tsforge evaluate) vs mlforecast + LightGBM",
            "",
            f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; command: `{command}`; tsforge at git {git_rev()}; "
            f"mlforecast {mlforecast.__version__}, LightGBM {lightgbm.__version__}."
            + (f" tsforge record: `{args.tsforge}` ({info['title']})." if info else ""),
            "- Data: `datasets/m5-tiny` (280 series). Origin d_o: train d_1..d_o, score d_(o+1)..d_(o+28) of sales_train_evaluation with the "
            "WRMSSE of `bench/reference_metrics.py` moved to the origin (weights = dollar sales d_(o-27)..d_o, scales from the first non-zero "
            "value to d_o, 12 levels); checked at d_1913 against `bench/reference/m5_tiny_metrics.json` to 1e-9.",
            f"- mlforecast + LightGBM, recursive: Tweedie 1.1, 800 trees, 127 leaves, learning rate 0.05, feature/bagging fraction 0.8 (every round), "
            f"seed {SEED}, {THREADS} threads; lags 7..28, rolling mean 7/28 and std 7 on lag 7, dayofweek/month/day/ISO week, ids as categoricals; "
            "sell price (weekly, carried forward), SNAP of the own state and event name/type 1 as exogenous columns with their future values "
            f"in `X_df`; trained on the last {TRAIN_DAYS} days before the origin, from each series' first sale "
            + (f"({min(rows):,}..{max(rows):,} rows)." if not loaded else "."),
            "- SeasonalNaive (python): the last 7 days repeated, scored the same way (anchor for tsforge's own SeasonalNaive)."
            + (" tsforge columns: the submission, the best single model in hindsight, and every fixed single model "
               "(policies of kind `model` in evaluate.json, best mean first)." if info else ""),
            "",
            *lines,
            "",
            *summary,
        ]
        write_section(SECTION, "\n".join(body))
        print(f"wrote bench/RESULTS.md section {SECTION}")


if __name__ == "__main__":
    main()
