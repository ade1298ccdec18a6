"""Policies over the forecasts a `tsforge evaluate --keep-runs` left, scored out of sample.

    bench/.venv/bin/python bench/evaluate_policies.py EVALUATE_DIR [--peer DIR]

EVALUATE_DIR is the report folder of `tsforge evaluate --origins K --keep-runs` on
datasets/m5-tiny: origins/d_O/forecasts/ALIAS.csv (M5 layout) and origins/d_O/cv.csv
(the backtest forecasts) per origin. Every policy is scored with the WRMSSE of
bench/reference_metrics.py moved to the origin (`evaluate_vs_mlforecast.OriginScorer`),
independently of tsforge's own evaluator: the single models' scores here must equal
evaluate.json's (printed as a check).

Policies: each model; plain means of model sets; each model scaled by its backtest
level-1 ratio (sum of actuals / sum of forecasts over the backtest windows, the
"level-1 bias check"); selection rules that look only at the backtest windows of cv.csv
(scored by the same WRMSSE moved to each window's cutoff): the best single model, equal
weights on the top 3, the best equal-weight subset; with --bag DIR (the same models under
another seed) seed-averaged models; with --peer DIR (d_O.npy from `evaluate_vs_mlforecast.py
--save-forecasts DIR`) the peer and its means with tsforge's models.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd

from evaluate_vs_mlforecast import OriginScorer, load_panel


def base_id(uid: str) -> str:
    return uid.removesuffix("_validation").removesuffix("_evaluation")


def read_forecasts(folder: Path, ids: list[str]) -> dict[str, np.ndarray]:
    out = {}
    for f in sorted((folder / "forecasts").glob("*.csv")):
        df = pd.read_csv(f)
        df.index = [base_id(u) for u in df["id"]]
        out[f.stem] = df.loc[ids, [f"F{k}" for k in range(1, 29)]].to_numpy(dtype=np.float64)
    return out


def backtest_ratios(folder: Path) -> dict[str, list[float]]:
    """Per model: sum(y) / sum(forecast) in each backtest window (level 1)."""
    cv = pd.read_csv(folder / "cv.csv")
    models = [c for c in cv.columns if c not in ("unique_id", "ds", "cutoff", "y")]
    sums = cv.groupby("cutoff")[["y", *models]].sum()
    return {m: list(sums["y"] / sums[m]) for m in models}


def backtest_forecasts(folder: Path, ids: list[str], origin: int) -> dict[int, dict[str, np.ndarray]]:
    """cv.csv as {cutoff day number: {model: (series, 28) array in `ids` order}}; the
    cutoffs are the origin's backtest windows, 28 days apart before it."""
    cv = pd.read_csv(folder / "cv.csv")
    models = [c for c in cv.columns if c not in ("unique_id", "ds", "cutoff", "y")]
    cutoffs = sorted(cv["cutoff"].unique())
    out = {}
    for j, c in enumerate(cutoffs):
        day = origin - 28 * (len(cutoffs) - j)
        w = cv[cv["cutoff"] == c].sort_values(["unique_id", "ds"]).set_index("unique_id")
        out[day] = {m: np.stack([w.loc[i, m].to_numpy(dtype=np.float64) for i in ids]) for m in models}
    return out


def subset_choices(bt: dict[int, dict[str, np.ndarray]], scorers: dict[int, OriginScorer], pool: list[str], largest: int):
    """Every equal-weight subset of `pool` (sizes 1..largest) with its mean backtest score."""
    out = []
    for r in range(1, largest + 1):
        for combo in itertools.combinations(pool, r):
            out.append((float(np.mean([scorers[d](np.mean([bt[d][m] for m in combo], axis=0)) for d in bt])), combo))
    return sorted(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("evaluate", type=Path)
    ap.add_argument("--peer", type=Path)
    ap.add_argument("--bag", type=Path, action="append", default=[], help="another evaluate folder of the same models (another seed): "
                    "each model averaged over the folders, and the set means of those averages")
    ap.add_argument("--label", default="", help="suffix for this folder's model names (to tell runs apart)")
    ap.add_argument("--models", default="GBDT-Tweedie-direct,GBDT-Tweedie-recursive7,GBDT-Hurdle")
    args = ap.parse_args()
    rec = json.loads((args.evaluate / "evaluate.json").read_text())
    origins = [int(o.removeprefix("d_")) for o in rec["origins"]]
    recorded = {p["name"]: p["scores"] for p in rec["policies"]}
    cal, meta, sales, prices = load_panel()
    ids = [base_id(u) for u in meta["id"]]
    gbdt = args.models.split(",")

    table: dict[str, list[float]] = {}
    put = lambda name, k, v: table.setdefault(name, [np.nan] * len(origins)).__setitem__(k, v)
    worst_check = 0.0
    for k, o in enumerate(origins):
        folder = args.evaluate / "origins" / f"d_{o}"
        score = OriginScorer(cal, meta, sales, prices, o)
        fc = read_forecasts(folder, ids)
        ratios = backtest_ratios(folder)
        for name, f in fc.items():
            put(name, k, score(f))
            if name in recorded and recorded[name][k] is not None:
                worst_check = max(worst_check, abs(recorded[name][k] - table[name][k]))
        present = [m for m in gbdt if m in fc]
        if args.bag:
            others = [read_forecasts(b / "origins" / f"d_{o}", ids) for b in args.bag]
            for m in present:
                bag = np.mean([fc[m]] + [x[m] for x in others], axis=0)
                put(f"{m} bagged over {1 + len(others)} runs", k, score(bag))
                fc[f"{m} bagged"] = bag
            put("mean(bagged " + " + ".join(present) + ")", k, score(np.mean([fc[f"{m} bagged"] for m in present], axis=0)))
        for r in range(2, len(present) + 1):
            for combo in itertools.combinations(present, r):
                put("mean(" + " + ".join(combo) + ")", k, score(np.mean([fc[m] for m in combo], axis=0)))
        for m in present:
            ratio = float(np.mean(ratios[m]))
            put(f"{m} x level-1 backtest ratio", k, score(fc[m] * ratio))
            put(f"{m} level-1 ratio", k, ratio)
        bt = backtest_forecasts(folder, ids, o)
        scorers = {d: OriginScorer(cal, meta, sales, prices, d) for d in bt}
        pool = [m for m in fc if m in next(iter(bt.values())) and not m.endswith("bagged")]
        choices = subset_choices(bt, scorers, pool, 3)
        singles = [c for c in choices if len(c[1]) == 1]
        put("best single by backtest", k, score(fc[singles[0][1][0]]))
        top3 = [c[1][0] for c in singles[:3]]
        put("top 3 by backtest, equal weights", k, score(np.mean([fc[m] for m in top3], axis=0)))
        best = choices[0][1]
        put("best equal-weight subset (<= 3) by backtest", k, score(np.mean([fc[m] for m in best], axis=0)))
        two = [c for c in choices if len(c[1]) >= 2][0][1]
        put("best equal-weight subset (2..3) by backtest", k, score(np.mean([fc[m] for m in two], axis=0)))
        print(f"d_{o}: best subset {best}; best 2..3 {two}; top 3 {top3}", flush=True)
        if args.peer:
            p = np.load(args.peer / f"d_{o}.npy")
            put("peer mlforecast", k, score(p))
            for m in present:
                put(f"mean(peer + {m})", k, score((p + fc[m]) / 2))
        print(f"d_{o} done", flush=True)

    print(f"\nlargest |this script - evaluate.json| over single models: {worst_check:.2e}\n")
    rows = sorted(table.items(), key=lambda kv: np.nanmean(kv[1]))
    print("| policy | mean | " + " | ".join(f"d_{o}" for o in origins) + " |")
    print("|---|---:|" + "---:|" * len(origins))
    for name, v in rows:
        print(f"| {name} | {np.nanmean(v):.4f} | " + " | ".join(f"{x:.4f}" for x in v) + " |")


if __name__ == "__main__":
    main()
