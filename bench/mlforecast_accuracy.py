"""Accuracy on m5-tiny: tsforge's GBDT-Tweedie-direct vs mlforecast + LightGBM with the same features.

    bench/.venv/bin/python bench/mlforecast_accuracy.py [--seeds 0,1,2] [--no-build] [--no-write]

Train on d_1..d_1913, forecast d_1914..d_1941, score with the WRMSSE of
bench/reference_metrics.py (its functions, not a copy).

- tsforge: `target/release/tsforge run --models GBDT-Tweedie-direct,SeasonalNaive --seed S
  --out TMP --quiet` on the shipped m5-tiny; its leaderboard.csv gives its WRMSSE, and
  forecasts/GBDT-Tweedie-direct.csv is scored again here with the Python WRMSSE.
- mlforecast: one LightGBM model (`LGBMRegressor`, the booster settings of
  `tweedie_params`: Tweedie 1.1, 200 trees, 63 leaves, learning rate 0.05,
  min_child_samples 50, feature/bagging fraction 0.8 every round, seed S) on the features
  of `m5_direct_spec(28)`: lags 28/35/42/49/56, rolling mean 7/28/56 and std 28 and EWM
  0.1 on lag 28 (mlforecast lag transforms), day of week / month, ISO week, month,
  weekend (date features); event name/type 1 and the item/dept/cat/store/state ids as
  categoricals; days to/since an event, SNAP of the own state, the six price features
  and the four intermittency statistics as of lag 28 (days since a sale, zero run, ADI
  and CV² over 56 days), which mlforecast has no transform for, computed here and given
  as exogenous columns (known at the forecast origin, since they are at least 28 days
  old). Every lag is >= 28, so mlforecast's recursive `predict(28)` only ever reads
  observed days: the one model is a direct forecaster, as tsforge's is (no
  `max_horizon=28`, which would train 28 models). Training rows: the last 730 days before
  d_1914 of each series from its first non-zero sale (`recent_rows`), via
  `preprocess(dropna=False)` + `fit_models`; the history before the first sale stays in
  (zeros), as in tsforge's panel.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import reference_metrics as rm
from results_md import git_rev, write_section

ROOT = Path(__file__).resolve().parent.parent
TSFORGE = ROOT / "target" / "release" / "tsforge"
TRAIN_DAYS = 730
SHIFT = 28


# ---------------------------------------------------------------- exogenous features
def event_columns(cal: pd.DataFrame) -> pd.DataFrame:
    names = sorted(set(cal["event_name_1"].dropna()) | set(cal["event_name_2"].dropna()))
    types = sorted(set(cal["event_type_1"].dropna()) | set(cal["event_type_2"].dropna()))
    out = pd.DataFrame({"t": np.arange(len(cal))})
    out["event_name_1"] = cal["event_name_1"].map({v: k + 1 for k, v in enumerate(names)}).fillna(0).astype(int).to_numpy()
    out["event_type_1"] = cal["event_type_1"].map({v: k + 1 for k, v in enumerate(types)}).fillna(0).astype(int).to_numpy()
    has = (cal["event_name_1"].notna() | cal["event_name_2"].notna()).to_numpy()
    n = len(cal)
    since, to = np.full(n, np.nan), np.full(n, np.nan)
    last = None
    for t in range(n):
        if has[t]:
            last = t
        if last is not None:
            since[t] = t - last
    nxt = None
    for t in range(n - 1, -1, -1):
        if has[t]:
            nxt = t
        if nxt is not None:
            to[t] = nxt - t
    out["days_to_event"], out["days_since_event"] = to, since
    return out, len(names) + 1, len(types) + 1


def daily_prices(cal: pd.DataFrame, meta: pd.DataFrame, prices: pd.DataFrame) -> np.ndarray:
    """(n series, calendar days) sell price of each day's week, carried forward over weeks
    without a price (as tsforge's M5 loader does: m5-tiny's prices end with week 11613,
    d_1918); NaN before an item's first price."""
    wk = cal["wm_yr_wk"].to_numpy()
    pm = prices.set_index(["store_id", "item_id", "wm_yr_wk"])["sell_price"]
    out = np.full((len(meta), len(cal)), np.nan)
    for i, (store, item) in enumerate(zip(meta["store_id"], meta["item_id"])):
        try:
            s = pm.loc[(store, item)]
        except KeyError:
            continue
        out[i] = s.reindex(wk).to_numpy()
    return pd.DataFrame(out).ffill(axis=1).to_numpy()


def price_features(p: np.ndarray, meta: pd.DataFrame) -> dict[str, np.ndarray]:
    n, days = p.shape
    with np.errstate(all="ignore"):
        mx = np.nanmax(np.where(np.isnan(p), -np.inf, p), axis=1)
        mx = np.where(np.isinf(mx), np.nan, mx)
        mean = np.nanmean(p, axis=1)
        prev = np.full_like(p, np.nan)
        prev[:, 7:] = p[:, :-7]
        mom = np.full_like(p, np.nan)
        c = np.concatenate([np.zeros((n, 1)), np.cumsum(np.nan_to_num(p), axis=1)], axis=1)
        cn = np.concatenate([np.zeros((n, 1)), np.cumsum(np.isnan(p), axis=1)], axis=1)
        for t in range(28, days):
            ok = (cn[:, t] - cn[:, t - 28]) == 0
            mom[:, t] = np.where(ok, p[:, t] / ((c[:, t] - c[:, t - 28]) / 28.0), np.nan)
        rank = np.full_like(p, np.nan)
        groups = meta.groupby(["dept_id", "store_id"]).indices
        for idx in groups.values():
            block = pd.DataFrame(p[idx])
            rank[idx] = block.rank(axis=0, method="average", pct=True).to_numpy()
        return {
            "sell_price": p, "price_norm": p / mx[:, None], "price_rel_mean": p / mean[:, None],
            "price_change_week": p / prev - 1.0, "price_momentum": mom, "price_rank_dept_store": rank,
        }


def intermittency(y: np.ndarray, days: int, w: int = 56) -> dict[str, np.ndarray]:
    """tsforge's intermittency statistics of one row as of each anchor, placed at anchor + SHIFT."""
    n = len(y)
    dss, zr, adi, cv2 = (np.full(n, np.nan) for _ in range(4))
    last, run = None, 0
    for a in range(n):
        if y[a] != 0:
            last, run = a, 0
        else:
            run += 1
        dss[a] = np.nan if last is None else a - last
        zr[a] = run
    nz = (y != 0).astype(float)
    cs = np.concatenate([[0.0], np.cumsum(nz)])
    s1 = np.concatenate([[0.0], np.cumsum(y)])
    s2 = np.concatenate([[0.0], np.cumsum(y * y)])
    for a in range(w - 1, n):
        k = cs[a + 1] - cs[a + 1 - w]
        if k > 0:
            adi[a] = w / k
            m = (s1[a + 1] - s1[a + 1 - w]) / k
            var = max((s2[a + 1] - s2[a + 1 - w]) / k - m * m, 0.0)
            cv2[a] = var / (m * m)
    out = {}
    for name, g in (("days_since_sale_lag28", dss), ("zero_run_lag28", zr), ("adi_lag28_window56", adi), ("cv2_lag28_window56", cv2)):
        v = np.full(days, np.nan)
        v[SHIFT:SHIFT + n] = g[: days - SHIFT]
        out[name] = v
    return out


# ---------------------------------------------------------------- mlforecast
def mlforecast_forecast(cal, meta, train, prices, seeds: list[int], threads: int = 2,
                        train_days: int = TRAIN_DAYS) -> tuple[dict[int, np.ndarray], int, list[str]]:
    """Forecasts d_1914..d_1941 of every row of `meta` (also imported by automl_vs_peers.py)."""
    import lightgbm as lgb
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import ExponentiallyWeightedMean, RollingMean, RollingStd

    n, t_train = train.shape
    days = t_train + rm.H  # exogenous columns through d_1941
    dates = pd.to_datetime(cal["date"]).to_numpy()[:days]
    ev, n_names, n_types = event_columns(cal)
    ev = ev.iloc[:days]
    pf = price_features(daily_prices(cal, meta, prices), meta)
    snap = np.stack([cal[f"snap_{s}"].to_numpy()[:days] for s in meta["state_id"]])
    cols: dict[str, np.ndarray] = {
        "unique_id": np.repeat(meta["id"].to_numpy(), days),
        "ds": np.tile(dates, n),
        "t": np.tile(np.arange(days), n),
        "y": np.concatenate([np.concatenate([train[i], np.full(rm.H, np.nan)]) for i in range(n)]),
        "event_name_1": np.tile(ev["event_name_1"].to_numpy(), n),
        "event_type_1": np.tile(ev["event_type_1"].to_numpy(), n),
        "days_to_event": np.tile(ev["days_to_event"].to_numpy(), n),
        "days_since_event": np.tile(ev["days_since_event"].to_numpy(), n),
        "snap": snap.reshape(-1).astype(float),
    }
    for k, v in pf.items():
        cols[k] = v[:, :days].reshape(-1)
    inter = [intermittency(train[i], days) for i in range(n)]
    for k in inter[0]:
        cols[k] = np.concatenate([d[k] for d in inter])
    df = pd.DataFrame(cols)
    df["event_name_1"] = pd.Categorical(df["event_name_1"], categories=range(n_names))
    df["event_type_1"] = pd.Categorical(df["event_type_1"], categories=range(n_types))
    for c in ["item_id", "dept_id", "cat_id", "store_id", "state_id"]:
        df[c] = pd.Categorical(np.repeat(meta[c].to_numpy(), days), categories=sorted(meta[c].unique()))
    train_df = df[df["t"] < t_train].drop(columns=["t"])
    future = df[df["t"] >= t_train].drop(columns=["t", "y", "item_id", "dept_id", "cat_id", "store_id", "state_id"])
    del df, cols, pf, inter, snap  # no longer needed (memory on larger sets)

    first = np.array([np.flatnonzero(r > 0)[0] if (r > 0).any() else t_train for r in train])
    start = np.maximum(first, t_train - train_days)

    def weekend(d):
        return (d.dayofweek >= 5).astype(int)

    out = {}
    feature_names: list[str] = []
    n_rows = 0
    for seed in seeds:
        model = lgb.LGBMRegressor(objective="tweedie", tweedie_variance_power=1.1, n_estimators=200, learning_rate=0.05, num_leaves=63,
                                  min_child_samples=50, min_child_weight=1e-3, colsample_bytree=0.8, subsample=0.8, subsample_freq=1,
                                  max_bin=255, random_state=seed, n_jobs=threads, verbose=-1)
        fcst = MLForecast(
            models={"lgb": model}, freq="D",
            lags=[28, 35, 42, 49, 56],
            lag_transforms={28: [RollingMean(7), RollingMean(28), RollingMean(56), RollingStd(28), ExponentiallyWeightedMean(0.1)]},
            date_features=["dayofweek", "day", "week", "month", weekend],
        )
        X = fcst.preprocess(train_df, static_features=["item_id", "dept_id", "cat_id", "store_id", "state_id"], dropna=False)
        pos = X.groupby("unique_id", observed=True).cumcount().to_numpy()
        sid = pd.Categorical(X["unique_id"], categories=meta["id"]).codes
        keep = pos >= start[sid]
        feats = [c for c in X.columns if c not in ("unique_id", "ds", "y")]
        fcst.fit_models(X.loc[keep, feats], X.loc[keep, "y"].to_numpy())
        pred = fcst.predict(rm.H, X_df=future)
        pred = pred.set_index(["unique_id", "ds"])["lgb"]
        fc = np.stack([pred.loc[i].to_numpy() for i in meta["id"]])
        out[seed] = np.maximum(fc, 0.0)
        feature_names, n_rows = feats, int(keep.sum())
    return out, n_rows, feature_names


# ---------------------------------------------------------------- tsforge
def tsforge_forecast(meta, seed: int, tmp: Path) -> tuple[np.ndarray, float, float]:
    out = tmp / f"run-{seed}"
    subprocess.run([str(TSFORGE), "run", "--models", "GBDT-Tweedie-direct,SeasonalNaive", "--seed", str(seed), "--out", str(out), "--quiet"],
                   cwd=ROOT, check=True)
    lb = pd.read_csv(out / "leaderboard.csv").set_index("alias")
    fc = pd.read_csv(out / "forecasts" / "GBDT-Tweedie-direct.csv").set_index("id")
    fc.index = [i.replace("_evaluation", "_validation") for i in fc.index]
    mat = fc.loc[meta["id"], [f"F{h}" for h in range(1, rm.H + 1)]].to_numpy(dtype=np.float64)
    return mat, float(lb.loc["GBDT-Tweedie-direct", "wrmsse"]), float(lb.loc["SeasonalNaive", "wrmsse"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--bin", "tsforge"], cwd=ROOT, check=True)

    notes: list[str] = []
    cal, meta, train, truth, prices = rm.load()
    dollars, _ = rm.bottom_dollar_sales(cal, meta, train, prices, notes)
    levels = rm.level_tables(meta, train, truth, dollars)
    undefined: set = set()
    score = lambda fc: rm.wrmsse(levels, meta, fc, notes, undefined)[0]
    snaive_py = score(rm.seasonal_naive(train))

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            fc, lb_w, lb_sn = tsforge_forecast(meta, seed, Path(tmp))
            py_w = score(fc)
            rows.append(("tsforge", seed, lb_w, py_w, lb_sn))
            print(f"tsforge GBDT-Tweedie-direct seed {seed}: WRMSSE leaderboard {lb_w:.4f}, Python {py_w:.4f} (SeasonalNaive leaderboard {lb_sn:.4f}, Python {snaive_py:.4f})", flush=True)
    ml, n_rows, feats = mlforecast_forecast(cal, meta, train, prices, seeds)
    for seed, fc in ml.items():
        w = score(fc)
        rows.append(("mlforecast", seed, None, w, None))
        print(f"mlforecast + LightGBM seed {seed}: WRMSSE {w:.4f}", flush=True)
    ts_mean = float(np.mean([r[3] for r in rows if r[0] == "tsforge"]))
    ml_mean = float(np.mean([r[3] for r in rows if r[0] == "mlforecast"]))
    ratio = ts_mean / ml_mean
    print(f"mean WRMSSE over seeds {seeds}: tsforge {ts_mean:.4f}, mlforecast {ml_mean:.4f}; tsforge/mlforecast = {ratio:.4f} (bar: <= 1.02)")
    print(f"mlforecast: {n_rows:,} training rows x {len(feats)} features: {', '.join(feats)}")

    import lightgbm, mlforecast
    lines = [
        "## Accuracy on m5-tiny: GBDT-Tweedie-direct vs mlforecast + LightGBM",
        "",
        f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; command: `bench/.venv/bin/python bench/mlforecast_accuracy.py --seeds {args.seeds}`; tsforge at git {git_rev()}; "
        f"mlforecast {mlforecast.__version__}, LightGBM {lightgbm.__version__}.",
        "- Data: `datasets/m5-tiny` (280 series), train d_1..d_1913, forecast d_1914..d_1941; WRMSSE from `bench/reference_metrics.py` (12 levels, dollar weights).",
        "- tsforge: `target/release/tsforge run --models GBDT-Tweedie-direct,SeasonalNaive --seed S --out TMP --quiet`; *leaderboard* = its leaderboard.csv, *Python* = its "
        "forecasts/GBDT-Tweedie-direct.csv scored by reference_metrics.",
        f"- mlforecast: one `LGBMRegressor` with `tweedie_params`'s settings (Tweedie 1.1, 200 trees, 63 leaves, learning rate 0.05, min_child_samples 50, colsample_bytree 0.8, "
        f"subsample 0.8 every round, random_state S) on {len(feats)} features, the same as `m5_direct_spec(28)`: lags 28..56, rolling mean 7/28/56, std 28 and EWM 0.1 on lag 28 "
        "(lag transforms), date features, event name/type 1 and ids as categoricals, and, as exogenous columns computed by the script the way tsforge defines them, days to/since "
        "an event, SNAP, the six price features (weekly prices carried forward over weeks without one, as tsforge's loader does: m5-tiny's prices end at d_1918) "
        "and the four intermittency statistics as of lag 28 (mlforecast has no transform for those). Every lag >= 28, so its recursive "
        f"`predict(28)` reads only observed days: a direct forecast from one model (no `max_horizon`). Same training rows as `recent_rows(730)`: {n_rows:,}. "
        "Differences left: the two boosters draw different bagging/feature samples from the same seed, and LightGBM estimates leaf counts from hessians.",
        "",
        "| tool | seed | WRMSSE (leaderboard) | WRMSSE (reference_metrics) |",
        "|---|---:|---:|---:|",
    ]
    for tool, seed, lb_w, py_w, _ in rows:
        lines.append(f"| {tool} | {seed} | {'' if lb_w is None else f'{lb_w:.4f}'} | {py_w:.4f} |")
    lines += ["", f"- Mean over seeds: tsforge **{ts_mean:.4f}**, mlforecast **{ml_mean:.4f}**; tsforge/mlforecast = **{ratio:.4f}** (bar: tsforge within 2 % or better, <= 1.02). "
              f"SeasonalNaive: {snaive_py:.4f}."]
    if not args.no_write:
        write_section("mlforecast-accuracy", "\n".join(lines))
        print("wrote bench/RESULTS.md section mlforecast-accuracy")


if __name__ == "__main__":
    main()
