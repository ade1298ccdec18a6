"""The smartcore families (`RandomForest-direct`, `Ridge-direct`) beside `GBDT-Tweedie-direct`
on M1 (the any-panel section's cut), scored like bench/any_panel_accuracy.py: pooled sMAPE
(every series and step) and mean MASE (m = season, 1 where the history is shorter).

For each M1 subset the history is cut before its last h periods and tsforge runs exactly
these models on the cut (`tsforge run --data CUT --horizon h --season-length m --phase
evaluation --models ...`: no search, no ensemble). statsforecast's Theta and AutoETS on the
same cut are read from the any-panel cache (bench/data/cache) when it is there, for scale.

    bench/.venv/bin/python bench/smartcore_families.py [--binary target/debug/tsforge] [--subsets quarterly]
    bench/.venv/bin/python bench/smartcore_families.py --example target/debug/examples/long_cut

With `--example`, the models are fitted through crates/gbdt/examples/long_cut.rs (the
same catalog entries, fit and forecast as the CLI's `--phase evaluation` final fit, no
backtests) instead of the CLI: `cargo build -p tsforge-gbdt --example long_cut`.
"""

from __future__ import annotations

import argparse
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import any_panel_accuracy as apa  # noqa: E402  (the M1 cut and the scores)

ROOT = Path(__file__).resolve().parent.parent
MODELS = ["RandomForest-direct", "Ridge-direct", "GBDT-Tweedie-direct"]


def cached_sf(cut: pd.DataFrame, h: int, m: int) -> dict[str, dict[str, np.ndarray]]:
    """statsforecast's forecasts from the any-panel cache, or nothing (never recomputed here)."""
    import hashlib

    import statsforecast

    digest = hashlib.sha256(pd.util.hash_pandas_object(cut, index=False).to_numpy().tobytes()).hexdigest()[:16]
    path = ROOT / "bench" / "data" / "cache" / f"any_panel_sf_{statsforecast.__version__}_{h}_{m}_{digest}.pkl"
    return pickle.loads(path.read_bytes())[0] if path.exists() else {}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", type=Path, default=ROOT / "target" / "debug" / "tsforge")
    ap.add_argument("--subsets", default="quarterly")
    ap.add_argument("--seed", default="0")
    ap.add_argument("--example", type=Path, help="crates/gbdt/examples/long_cut binary instead of the CLI")
    args = ap.parse_args()
    wanted = {f"M1 {s}" for s in args.subsets.split(",")}
    tmp = Path(tempfile.mkdtemp(prefix="smartcore_families_"))
    for name, cut, test, h, m, _, _ in apa.m1_panels():
        if name not in wanted:
            continue
        path = tmp / "cut.csv"
        cut.to_csv(path, index=False)
        out = tmp / name.replace(" ", "-")
        train = {u: g["y"].to_numpy(np.float64) for u, g in cut.groupby("unique_id")}
        truth = {u: g["y"].to_numpy(np.float64) for u, g in test.groupby("unique_id")}
        start = time.time()
        if args.example:
            subprocess.run([str(args.example), str(path), str(h), str(m), str(out) + ".csv", args.seed, ",".join(MODELS)], check=True, cwd=ROOT)
            wide = pd.read_csv(str(out) + ".csv").sort_values(["unique_id", "step"])
            forecasts = {a: {u: g[a].to_numpy(np.float64) for u, g in wide.groupby("unique_id", sort=False)} for a in MODELS}
        else:
            cmd = [str(args.binary), "run", "--data", str(path), "--horizon", str(h), "--season-length", str(m), "--phase", "evaluation",
                   "--models", ",".join(MODELS), "--seed", args.seed, "--out", str(out), "--quiet"]
            subprocess.run(cmd, check=True, cwd=ROOT)
            forecasts = {}
            for alias in MODELS:
                df = pd.read_csv(out / "forecasts" / f"{alias}.csv").sort_values(["unique_id", "ds"])
                forecasts[alias] = {u: g[alias].to_numpy(np.float64) for u, g in df.groupby("unique_id", sort=False)}
        seconds = time.time() - start
        print(f"{name}: {len(truth)} series, h = {h}, m = {m}; tsforge {seconds:.0f} s")
        for alias in MODELS:
            smape, mase = apa.scores(forecasts[alias], train, truth, m)
            print(f"  tsforge {alias}: sMAPE {smape:.3f}, MASE {mase:.3f}")
        for alias, fc in cached_sf(cut, h, m).items():
            if alias in ("Theta", "AutoETS", "Naive"):
                smape, mase = apa.scores(fc, train, truth, m)
                print(f"  statsforecast {alias}: sMAPE {smape:.3f}, MASE {mase:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
