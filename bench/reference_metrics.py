#!/usr/bin/env python3
"""Independent pandas/numpy reference for the M5 accuracy and uncertainty metrics.

Runs on datasets/m5-tiny (real M5 files in the Kaggle layout) and writes
bench/reference/m5_tiny_metrics.json. It does not use any tsforge (Rust) code.

Definitions follow the M5 competitors' guide:
  * train  = sales_train_validation d_1..d_1913, truth = sales_train_evaluation
    d_1914..d_1941 (h = 28);
  * 12 aggregation levels (sums of bottom series);
  * weights = dollar sales over the last 28 training days (d_1886..d_1913),
    normalised per level;
  * RMSSE / SPL scales from the history starting at the first non-zero value;
  * WRMSSE / WSPL = mean over the 12 levels of sum(weight * series score).

Usage:  bench/.venv/bin/python bench/reference_metrics.py
"""

from __future__ import annotations

import json
import math
import os
import sys

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(ROOT, "datasets", "m5-tiny")
OUT = os.path.join(HERE, "reference", "m5_tiny_metrics.json")

TRAIN_END = 1913
H = 28
QUANTILES = [0.005, 0.025, 0.165, 0.25, 0.5, 0.75, 0.835, 0.975, 0.995]

# (name, grouping columns); [] means the grand total.
LEVELS = [
    ("1_total", []),
    ("2_state", ["state_id"]),
    ("3_store", ["store_id"]),
    ("4_cat", ["cat_id"]),
    ("5_dept", ["dept_id"]),
    ("6_state_cat", ["state_id", "cat_id"]),
    ("7_state_dept", ["state_id", "dept_id"]),
    ("8_store_cat", ["store_id", "cat_id"]),
    ("9_store_dept", ["store_id", "dept_id"]),
    ("10_item", ["item_id"]),
    ("11_item_state", ["item_id", "state_id"]),
    ("12_item_store", ["item_id", "store_id"]),
]
ID_COLS = ["id", "item_id", "dept_id", "cat_id", "store_id", "state_id"]

TRAIN_DAYS = [f"d_{i}" for i in range(1, TRAIN_END + 1)]
TEST_DAYS = [f"d_{i}" for i in range(TRAIN_END + 1, TRAIN_END + H + 1)]
LAST28_DAYS = [f"d_{i}" for i in range(TRAIN_END - H + 1, TRAIN_END + 1)]


# --------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------
def load():
    cal = pd.read_csv(os.path.join(DATA, "calendar.csv.gz"))
    val = pd.read_csv(os.path.join(DATA, "sales_train_validation.csv.gz"))
    ev = pd.read_csv(os.path.join(DATA, "sales_train_evaluation.csv.gz"))
    prices = pd.read_csv(os.path.join(DATA, "sell_prices.csv.gz"))

    val = val.sort_values("id", kind="mergesort").reset_index(drop=True)
    # Align the evaluation file to the validation rows by (item_id, store_id).
    ev = ev.set_index(["item_id", "store_id"]).loc[
        list(zip(val["item_id"], val["store_id"]))
    ].reset_index()
    # Sanity: the evaluation file repeats the training days unchanged.
    assert np.array_equal(val[TRAIN_DAYS].to_numpy(), ev[TRAIN_DAYS].to_numpy()), \
        "sales_train_evaluation disagrees with sales_train_validation on d_1..d_1913"
    for c in ["dept_id", "cat_id", "state_id"]:
        assert (val[c].to_numpy() == ev[c].to_numpy()).all()

    meta = val[ID_COLS].copy()
    train = val[TRAIN_DAYS].to_numpy(dtype=np.float64)   # (n, 1913)
    truth = ev[TEST_DAYS].to_numpy(dtype=np.float64)     # (n, 28)
    return cal, meta, train, truth, prices


# --------------------------------------------------------------------------
# weights (dollar sales over the last 28 training days)
# --------------------------------------------------------------------------
def bottom_dollar_sales(cal, meta, train, prices, notes):
    day_wk = cal.set_index("d")["wm_yr_wk"]
    wks = day_wk.loc[LAST28_DAYS].to_numpy()
    price_map = prices.set_index(["store_id", "item_id", "wm_yr_wk"])["sell_price"]
    units = train[:, -H:]
    n = len(meta)
    price = np.full((n, H), np.nan)
    for i, (store, item) in enumerate(zip(meta["store_id"], meta["item_id"])):
        for j, wk in enumerate(wks):
            key = (store, item, int(wk))
            if key in price_map.index:
                price[i, j] = float(price_map.loc[key])
    missing = np.isnan(price)
    miss_with_sales = missing & (units > 0)
    info = {
        "missing_price_cells": int(missing.sum()),
        "missing_price_cells_with_sales": int(miss_with_sales.sum()),
        "series_with_missing_price": sorted(meta["id"][missing.any(axis=1)].tolist()),
    }
    dollars = np.where(missing, 0.0, units * np.nan_to_num(price))
    return dollars.sum(axis=1), info


# --------------------------------------------------------------------------
# aggregation
# --------------------------------------------------------------------------
def aggregate(meta, mat, cols):
    """Sum rows of `mat` (n_bottom x T) within groups; returns (keys, matrix)."""
    if not cols:
        return ["Total"], mat.sum(axis=0, keepdims=True)
    df = pd.DataFrame(mat)
    key = meta[cols].astype(str).agg("_".join, axis=1) if len(cols) > 1 else meta[cols[0]]
    g = df.groupby(key.to_numpy(), sort=True).sum()
    return list(g.index), g.to_numpy(dtype=np.float64)


def scales(train_agg):
    """Per-row (squared-diff scale, abs-diff scale, first-non-zero index).

    History starts at the first non-zero value (inclusive). NaN when the series
    has no non-zero value or fewer than two points from its first non-zero."""
    n = train_agg.shape[0]
    s2 = np.full(n, np.nan)
    s1 = np.full(n, np.nan)
    first = np.full(n, -1)
    for i in range(n):
        nz = np.flatnonzero(train_agg[i] != 0)
        if nz.size == 0:
            continue
        first[i] = nz[0]
        d = np.diff(train_agg[i, nz[0]:])
        if d.size == 0:
            continue
        s2[i] = np.mean(d ** 2)
        s1[i] = np.mean(np.abs(d))
    return s2, s1, first


def pinball(y, q, u):
    """Mean over horizon of the M5 pinball loss; y (n,h), q (n,1) or (n,h)."""
    loss = np.where(y >= q, (y - q) * u, (q - y) * (1.0 - u))
    return loss.mean(axis=1)


# --------------------------------------------------------------------------
# forecasts
# --------------------------------------------------------------------------
def naive(train):
    return np.repeat(train[:, -1:], H, axis=1)


def seasonal_naive(train):
    last7 = train[:, -7:]  # d_1907..d_1913
    return np.stack([last7[:, h % 7] for h in range(H)], axis=1)


# --------------------------------------------------------------------------
# main computation
# --------------------------------------------------------------------------
def level_tables(meta, train, truth, dollars):
    """Per level: keys, aggregated train/truth, weights, scales."""
    out = []
    for name, cols in LEVELS:
        keys, tr = aggregate(meta, train, cols)
        keys2, te = aggregate(meta, truth, cols)
        keys3, dl = aggregate(meta, dollars[:, None], cols)
        assert keys == keys2 == keys3
        dl = dl[:, 0]
        w = dl / dl.sum()
        s2, s1, first = scales(tr)
        out.append(dict(name=name, cols=cols, keys=keys, train=tr, truth=te,
                        weight=w, scale=s2, scale_abs=s1, first=first))
    return out


def handle_undefined(score, weight, what, lvl, notes, zero_weight_ok):
    """Replace NaN scores (undefined scale) by 0 where the weight is 0."""
    bad = np.isnan(score)
    if not bad.any():
        return score
    for i in np.flatnonzero(bad):
        zero_weight_ok.add((lvl["name"], lvl["keys"][i]))
    if (weight[bad] != 0).any():
        raise SystemExit(
            f"{what}: level {lvl['name']} has series with undefined scale but "
            f"non-zero weight: {[lvl['keys'][i] for i in np.flatnonzero(bad & (weight != 0))]}")
    return np.where(bad, 0.0, score)


def wrmsse(levels, meta, fc_bottom, notes, undefined):
    level_scores = []
    for lvl in levels:
        _, fc = aggregate(meta, fc_bottom, lvl["cols"])
        mse = np.mean((lvl["truth"] - fc) ** 2, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.sqrt(mse / lvl["scale"])
        r = handle_undefined(r, lvl["weight"], "RMSSE", lvl, notes, undefined)
        level_scores.append(float(np.sum(lvl["weight"] * r)))
    return float(np.mean(level_scores)), level_scores


def wspl(levels, notes, undefined):
    level_scores = []
    for lvl in levels:
        hist = lvl["train"][:, -H:]
        per_q = []
        for u in QUANTILES:
            q = np.quantile(hist, u, axis=1)[:, None]  # linear interpolation
            per_q.append(pinball(lvl["truth"], q, u))
        with np.errstate(divide="ignore", invalid="ignore"):
            spl = np.mean(per_q, axis=0) / lvl["scale_abs"]
        spl = handle_undefined(spl, lvl["weight"], "SPL", lvl, notes, undefined)
        level_scores.append(float(np.sum(lvl["weight"] * spl)))
    return float(np.mean(level_scores)), level_scores


def bottom_simple(train, truth, fc, scale12):
    err = truth - fc
    mae = np.mean(np.abs(err), axis=1)
    rmse = np.sqrt(np.mean(err ** 2, axis=1))
    bias = np.mean(fc - truth, axis=1)
    den = np.abs(truth) + np.abs(fc)
    with np.errstate(divide="ignore", invalid="ignore"):
        sm = np.where(den == 0, 0.0, 200.0 * np.abs(err) / den)
    smape = np.mean(sm, axis=1)
    mase_den = np.mean(np.abs(train[:, 7:] - train[:, :-7]), axis=1)
    ok = mase_den > 0
    mase = mae[ok] / mase_den[ok]
    sc_ok = np.isfinite(scale12) & (scale12 > 0)
    rmsse = np.sqrt(np.mean(err[sc_ok] ** 2, axis=1) / scale12[sc_ok])
    return {
        "mae": float(np.mean(mae)),
        "rmse": float(np.mean(rmse)),
        "bias": float(np.mean(bias)),
        "smape": float(np.mean(smape)),
        "mase": float(np.mean(mase)),
        "rmsse_mean": float(np.mean(rmsse)),
    }, int((~ok).sum()), int((~sc_ok).sum())


# --------------------------------------------------------------------------
# cross-checks in plain Python (no numpy in the arithmetic)
# --------------------------------------------------------------------------
def py_quantile(xs, u):
    """numpy 'linear' (type 7) quantile, by hand."""
    s = sorted(xs)
    pos = u * (len(s) - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def py_series_scores(hist, y, f):
    """Return (rmsse, spl_mean_over_quantiles, scale, scale_abs) by loops."""
    start = None
    for t, v in enumerate(hist):
        if v != 0:
            start = t
            break
    if start is None or start == len(hist) - 1:
        return None
    sq = 0.0
    ab = 0.0
    cnt = 0
    for t in range(start + 1, len(hist)):
        d = hist[t] - hist[t - 1]
        sq += d * d
        ab += abs(d)
        cnt += 1
    scale = sq / cnt
    scale_abs = ab / cnt
    mse = 0.0
    for t in range(len(y)):
        mse += (y[t] - f[t]) ** 2
    mse /= len(y)
    rmsse = math.sqrt(mse / scale)
    last = hist[-H:]
    spl_tot = 0.0
    for u in QUANTILES:
        q = py_quantile(last, u)
        l = 0.0
        for t in range(len(y)):
            l += (y[t] - q) * u if y[t] >= q else (q - y[t]) * (1 - u)
        spl_tot += (l / len(y)) / scale_abs
    return rmsse, spl_tot / len(QUANTILES), scale, scale_abs


def cross_check(levels, meta, train, truth, cal, prices, fc_naive, fc_snaive):
    """Recompute, by plain loops, one series at every level (the first key of
    each level) for both the Naive RMSSE and the SPL, plus its weight; and the
    level-12 RMSSE of one bottom series for SeasonalNaive. Assert agreement."""
    checked = []
    id_rows = meta.reset_index(drop=True)
    wk_of = dict(zip(cal["d"], cal["wm_yr_wk"]))
    price_of = {(s, it, int(w)): float(p) for s, it, w, p in
                zip(prices["store_id"], prices["item_id"], prices["wm_yr_wk"], prices["sell_price"])}

    def members(lvl, key):
        rows = []
        for i in range(len(id_rows)):
            if not lvl["cols"]:
                k = "Total"
            else:
                k = "_".join(str(id_rows.loc[i, c]) for c in lvl["cols"])
            if k == key:
                rows.append(i)
        return rows

    def dollars_of(rows):
        tot = 0.0
        for i in rows:
            st, it = id_rows.loc[i, "store_id"], id_rows.loc[i, "item_id"]
            for d in LAST28_DAYS:
                p = price_of.get((st, it, int(wk_of[d])))
                if p is not None:
                    tot += float(train[i, int(d[2:]) - 1]) * p
        return tot

    all_dollars = dollars_of(range(len(id_rows)))
    for li, lvl in enumerate(levels):
        # pick the series with the largest weight (definitely well-defined)
        k = int(np.argmax(lvl["weight"]))
        key = lvl["keys"][k]
        rows = members(lvl, key)
        hist = [sum(float(train[i, t]) for i in rows) for t in range(train.shape[1])]
        y = [sum(float(truth[i, t]) for i in rows) for t in range(H)]
        f = [sum(float(fc_naive[i, t]) for i in rows) for t in range(H)]
        r = py_series_scores(hist, y, f)
        assert r is not None
        rmsse, spl, sc, sca = r
        w = dollars_of(rows) / all_dollars
        # vectorised values
        _, fc_agg = aggregate(meta, fc_naive, lvl["cols"])
        v_rmsse = math.sqrt(float(np.mean((lvl["truth"][k] - fc_agg[k]) ** 2)) / lvl["scale"][k])
        v_spl = float(np.mean([pinball(lvl["truth"][k:k + 1],
                                       np.quantile(lvl["train"][k, -H:], u), u)[0]
                               for u in QUANTILES])) / lvl["scale_abs"][k]
        for a, b, what in [(rmsse, v_rmsse, "rmsse"), (spl, v_spl, "spl"),
                           (sc, lvl["scale"][k], "scale"), (sca, lvl["scale_abs"][k], "scale_abs"),
                           (w, lvl["weight"][k], "weight")]:
            assert math.isclose(a, float(b), rel_tol=1e-9, abs_tol=1e-12), \
                f"cross-check {what} mismatch at {lvl['name']} {key}: loop={a!r} vec={b!r}"
        checked.append(f"{lvl['name']}:{key}")

    # SeasonalNaive, one bottom series (first in id order with scale defined), by hand.
    lvl12 = levels[11]
    i = next(i for i in range(len(id_rows)) if np.isfinite(lvl12["scale"][i]))
    hist = [float(v) for v in train[i]]
    y = [float(v) for v in truth[i]]
    f = [hist[TRAIN_END - 7 + (h % 7)] for h in range(H)]  # d_1907.. cyclic
    assert f[0] == hist[1906] and f[7] == hist[1906] and f[6] == hist[1912]
    assert all(a == float(b) for a, b in zip(f, fc_snaive[i]))
    rmsse, _, _, _ = py_series_scores(hist, y, f)
    key = id_rows.loc[i, "item_id"] + "_" + id_rows.loc[i, "store_id"]
    k = lvl12["keys"].index(key)
    v = math.sqrt(float(np.mean((lvl12["truth"][k] - fc_snaive[i]) ** 2)) / lvl12["scale"][k])
    assert math.isclose(rmsse, v, rel_tol=1e-12), (rmsse, v)
    checked.append(f"SeasonalNaive 12_item_store:{key}")
    return checked


# --------------------------------------------------------------------------
def main():
    notes = []
    cal, meta, train, truth, prices = load()
    n = len(meta)
    dollars, price_info = bottom_dollar_sales(cal, meta, train, prices, notes)
    levels = level_tables(meta, train, truth, dollars)
    for lvl in levels:
        assert math.isclose(lvl["weight"].sum(), 1.0, rel_tol=1e-12)

    fcs = {"Naive": naive(train), "SeasonalNaive": seasonal_naive(train)}
    undefined = set()
    models = {}
    excl = {}
    for name, fc in fcs.items():
        w, lv = wrmsse(levels, meta, fc, notes, undefined)
        bottom, n_mase_excl, n_rmsse_excl = bottom_simple(train, truth, fc, levels[11]["scale"])
        # levels[11] keys are item_store in sorted order == id order? map explicitly
        models[name] = {"wrmsse": w, "levels": lv, "bottom": bottom}
        excl[name] = (n_mase_excl, n_rmsse_excl)
    ws, wl = wspl(levels, notes, undefined)

    checked = cross_check(levels, meta, train, truth, cal, prices, fcs["Naive"], fcs["SeasonalNaive"])

    # level-12 row order must equal the bottom (id) order for bottom_simple's scale12
    l12_keys = levels[11]["keys"]
    assert l12_keys == [f"{a}_{b}" for a, b in zip(meta["item_id"], meta["store_id"])], \
        "level-12 key order differs from id order"

    # ---- notes ---------------------------------------------------------
    zero_scale = []
    for lvl in levels:
        for i, key in enumerate(lvl["keys"]):
            if not np.isfinite(lvl["scale"][i]) or lvl["scale"][i] == 0 \
                    or not np.isfinite(lvl["scale_abs"][i]) or lvl["scale_abs"][i] == 0:
                zero_scale.append((lvl["name"], key, float(lvl["weight"][i]), int(lvl["first"][i])))
    notes.append("Bottom series ordered by id; evaluation file aligned to validation by (item_id, store_id).")
    notes.append("Weights: units x sell_price (week of that day) over d_1886..d_1913; missing price contributes 0; normalised per level.")
    notes.append("Scales: history from first non-zero value (inclusive) to d_1913; RMSSE scale = mean squared first difference, SPL scale = mean absolute first difference.")
    notes.append("Upper-level point forecasts are sums of bottom forecasts; EmpiricalQuantile28 quantiles are computed on each aggregated series itself (np.quantile, linear).")
    notes.append(
        f"Missing prices in the last 28 training days: {price_info['missing_price_cells']} series-day cells "
        f"({price_info['missing_price_cells_with_sales']} with units > 0) across "
        f"{len(price_info['series_with_missing_price'])} series.")
    if zero_scale:
        notes.append(
            f"{len(zero_scale)} aggregated series have an undefined/zero scale (no non-zero value or no differences); "
            f"all have weight 0 and contribute 0 to WRMSSE/WSPL: "
            + "; ".join(f"{l}:{k} (weight {w!r})" for l, k, w, _ in zero_scale))
    else:
        notes.append("No aggregated series has a zero or undefined scale.")
    zw = [(lvl["name"], int((lvl["weight"] == 0).sum())) for lvl in levels]
    notes.append("Zero-weight series (no dollar sales in d_1886..d_1913; they contribute 0 to WRMSSE/WSPL but their "
                 "scales are defined, so they are still included in the bottom mase/rmsse_mean averages): "
                 + ", ".join(f"{l}={c}" for l, c in zw))
    n_zero_truth = int((truth.sum(axis=1) == 0).sum())
    notes.append(f"{n_zero_truth} bottom series are all-zero over the truth window d_1914..d_1941.")
    for name, (me, re) in excl.items():
        notes.append(f"{name} bottom: mase averaged over {n - me} of {n} series ({me} excluded: zero seasonal-diff denominator over d_1..d_1913); "
                     f"rmsse_mean over {n - re} of {n} series ({re} excluded: zero/undefined scale).")
    notes.append("Cross-checked by plain-Python loops (weight, scales, Naive RMSSE, SPL): " + ", ".join(checked))

    l12 = levels[11]
    sample12 = []
    for i in range(5):
        key = f"{meta.loc[i, 'item_id']}_{meta.loc[i, 'store_id']}"
        k = l12["keys"].index(key)
        sample12.append({"id": meta.loc[i, "id"], "weight": float(l12["weight"][k]),
                         "scale": float(l12["scale"][k]), "scale_abs": float(l12["scale_abs"][k])})
    l1 = levels[0]
    sample1 = [{"id": "Total", "weight": float(l1["weight"][0]),
                "scale": float(l1["scale"][0]), "scale_abs": float(l1["scale_abs"][0])}]

    result = {
        "dataset": "m5-tiny",
        "train_end": f"d_{TRAIN_END}",
        "horizon": H,
        "level_names": [name for name, _ in LEVELS],
        "level_series_counts": [len(l["keys"]) for l in levels],
        "models": models,
        "wspl": {"model": "EmpiricalQuantile28", "quantiles": QUANTILES, "wspl": ws, "levels": wl},
        "level12_sample": sample12,
        "level1_sample": sample1,
        "notes": notes,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(result, fh, indent=2, allow_nan=False)
        fh.write("\n")

    # ---- printout ------------------------------------------------------
    print(f"M5 reference metrics on m5-tiny ({n} bottom series, train_end d_{TRAIN_END}, h={H})")
    print("level series counts: " + ", ".join(f"{nm}={len(l['keys'])}" for (nm, _), l in zip(LEVELS, levels)))
    for name, m in models.items():
        print(f"\n{name}: WRMSSE = {m['wrmsse']!r}")
        for (lname, _), v in zip(LEVELS, m["levels"]):
            print(f"  {lname:16s} {v!r}")
        print("  bottom: " + ", ".join(f"{k}={v!r}" for k, v in m["bottom"].items()))
    print(f"\nEmpiricalQuantile28: WSPL = {ws!r}")
    for (lname, _), v in zip(LEVELS, wl):
        print(f"  {lname:16s} {v!r}")
    print("\nlevel12_sample:")
    for s in sample12:
        print(f"  {s}")
    print(f"level1_sample: {sample1[0]}")
    print("\nnotes:")
    for nt in notes:
        print(f"  - {nt}")
    print(f"\nwrote {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
