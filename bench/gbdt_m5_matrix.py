"""GBDT training on the M5 feature matrix: tsforge-gbdt vs LightGBM (same run, same data).

    bench/.venv/bin/python bench/gbdt_m5_matrix.py [--stores CA_1,TX_1] [--train-days 365] [--threads 1,2] [--rounds 200] [--no-build] [--no-write]

1. `target/release/examples/m5_matrix spec` (crate tsforge-gbdt) prints GBDT-Tweedie-direct's
   feature spec (`m5_direct_spec(28)`) and booster settings (`tweedie_params(0)`).
2. `target/release/examples/m5_features dump` (crate tsforge-features) builds that spec's
   matrix on bench/data/m5-full for the series of STORES: training rows = the last
   TRAIN_DAYS days before d_1914 of each series from its first non-zero sale (as
   `recent_rows`), validation rows = d_1914..d_1941 (held out; direct features read
   only days up to d_1913). Column-major f32 + f64 labels.
3. Both boosters train on the same matrix with the same hyperparameters: Tweedie 1.1,
   ROUNDS trees, 63 leaves, learning rate 0.05, min_data_in_leaf 50, max_bin 255, the
   spec's categorical columns (ids, event name/type) with LightGBM's categorical
   defaults, no bagging and no feature fraction (a fair time comparison), 1 and 2 threads.
   LightGBM's time includes Dataset construction (binning), as tsforge's does.
4. Both predict the validation rows; the script scores both with the same mean Tweedie
   deviance (power 1.1) and RMSE, prints the ratios and writes its section of RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np

from results_md import git_rev, write_section

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "m5-full"
EX = ROOT / "target" / "release" / "examples"


def tweedie_deviance(y: np.ndarray, mu: np.ndarray, p: float = 1.1) -> float:
    mu = np.maximum(mu, 1e-12)
    d = 2 * (np.power(y, 2 - p) / ((1 - p) * (2 - p)) - y * np.power(mu, 1 - p) / (1 - p) + np.power(mu, 2 - p) / (2 - p))
    return float(np.mean(d))


def lgb_params(ts: dict, threads: int, rounds: int) -> dict:
    """LightGBM settings equal to tsforge's tweedie_params with bagging/feature fraction off."""
    return dict(
        objective="tweedie", tweedie_variance_power=ts["tweedie_variance_power"], num_iterations=rounds,
        learning_rate=ts["learning_rate"], num_leaves=ts["num_leaves"], max_depth=-1 if ts["max_depth"] is None else ts["max_depth"],
        min_data_in_leaf=ts["min_data_in_leaf"], min_sum_hessian_in_leaf=ts["min_sum_hessian_in_leaf"],
        lambda_l1=ts["lambda_l1"], lambda_l2=ts["lambda_l2"], min_gain_to_split=ts["min_gain_to_split"],
        max_bin=ts["max_bin"], bin_construct_sample_cnt=ts["bin_construct_sample_cnt"],
        feature_fraction=1.0, bagging_fraction=1.0, bagging_freq=0, boost_from_average=ts["boost_from_average"],
        max_cat_threshold=ts["max_cat_threshold"], cat_smooth=ts["cat_smooth"], cat_l2=ts["cat_l2"],
        min_data_per_group=ts["min_data_per_group"], max_cat_to_onehot=ts["max_cat_to_onehot"],
        num_threads=threads, seed=0, deterministic=True, force_col_wise=True, verbose=-1,
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stores", default="CA_1,TX_1")
    ap.add_argument("--train-days", type=int, default=365)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-p", "tsforge-features", "--example", "m5_features", "-p", "tsforge-gbdt", "--example", "m5_matrix"], cwd=ROOT, check=True)
    if not (DATA / "sales_train_evaluation.csv").is_file():
        subprocess.run(["cargo", "build", "--release", "--bin", "tsforge"], cwd=ROOT, check=True)
        subprocess.run([str(ROOT / "target/release/tsforge"), "data", "synth", "--out", str(DATA)], cwd=ROOT, check=True)
    spec = json.loads(subprocess.run([str(EX / "m5_matrix"), "spec"], check=True, capture_output=True, text=True).stdout)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "spec.json").write_text(json.dumps(spec))
        dump = [str(EX / "m5_features"), "dump", str(DATA), str(d / "spec.json"), str(args.train_days), "28", str(d / "m")]
        if args.stores:
            dump.append(args.stores)
        meta = json.loads(subprocess.run(dump, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
        m = d / "m"
        names, cat = meta["names"], meta["categorical"]
        nf, nt, nv = len(names), meta["n_train"], meta["n_valid"]
        print(f"matrix: {nt:,} training rows, {nv:,} validation rows x {nf} features ({meta['series']:,} series, stores {args.stores or 'all'}); "
              f"built in {meta['build_seconds']:.2f} s after {meta['load_seconds']:.2f} s loading", flush=True)
        # LightGBM's natural input: a row-major float32 array (transposed before the clock starts)
        x = np.ascontiguousarray(np.fromfile(m / "x_train.f32", dtype="<f4").reshape(nf, nt).T)
        y = np.fromfile(m / "y_train.f64", dtype="<f8")
        xv = np.ascontiguousarray(np.fromfile(m / "x_valid.f32", dtype="<f4").reshape(nf, nv).T)
        yv = np.fromfile(m / "y_valid.f64", dtype="<f8")
        for th in [int(t) for t in args.threads.split(",")]:
            out = subprocess.run([str(EX / "m5_matrix"), "train", str(m), str(th), str(args.rounds)], check=True, capture_output=True, text=True,
                                 env=dict(os.environ, RAYON_NUM_THREADS=str(th))).stdout
            ts = json.loads(out.strip().splitlines()[-1])
            pred_ts = np.fromfile(m / "pred_tsforge.f64", dtype="<f8")
            params = lgb_params(spec["params"], th, args.rounds)
            t0 = time.perf_counter()
            ds = lgb.Dataset(x, label=y, params=params, categorical_feature=cat, free_raw_data=False)
            booster = lgb.train(params, ds, num_boost_round=args.rounds)
            lgb_s = time.perf_counter() - t0
            pred_lgb = booster.predict(xv, num_threads=th)
            row = dict(threads=th, ts_s=ts["train_seconds"], lgb_s=lgb_s, ts_trees=ts["trees"], lgb_trees=booster.num_trees(),
                       ts_dev=tweedie_deviance(yv, pred_ts), lgb_dev=tweedie_deviance(yv, pred_lgb),
                       ts_rmse=float(np.sqrt(np.mean((pred_ts - yv) ** 2))), lgb_rmse=float(np.sqrt(np.mean((pred_lgb - yv) ** 2))),
                       ts_mean=float(pred_ts.mean()), lgb_mean=float(pred_lgb.mean()), y_mean=float(yv.mean()))
            results.append(row)
            print(f"threads={th}: tsforge {row['ts_s']:.2f} s, LightGBM {lgb_s:.2f} s, ratio tsforge/LightGBM {row['ts_s'] / lgb_s:.2f}; "
                  f"valid Tweedie deviance tsforge {row['ts_dev']:.5f}, LightGBM {row['lgb_dev']:.5f} (tsforge/LightGBM {row['ts_dev'] / row['lgb_dev']:.4f}); "
                  f"RMSE {row['ts_rmse']:.4f} vs {row['lgb_rmse']:.4f}", flush=True)
    p = spec["params"]
    lines = [
        "## GBDT on the M5 feature matrix: tsforge-gbdt vs LightGBM",
        "",
        f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; command: `bench/.venv/bin/python bench/gbdt_m5_matrix.py --stores {args.stores} --train-days {args.train_days} --rounds {args.rounds}`; "
        f"{os.cpu_count()} CPUs, **shared machine** (other builds and benchmarks ran at the same time; single runs, noisy); tsforge at git {git_rev()}; LightGBM {lgb.__version__}.",
        f"- Matrix: GBDT-Tweedie-direct's feature spec (`m5_direct_spec(28)`, {nf} features, {len(cat)} categorical) built by `tsforge-features` on `bench/data/m5-full` "
        f"(synthetic), stores {args.stores or 'all'} ({meta['series']:,} series): **{nt:,} training rows** (last {args.train_days} days before d_1914 of each series from its first non-zero sale, as `recent_rows`), "
        f"**{nv:,} validation rows** (d_1914..d_1941, held out). Same f32 matrix for both.",
        f"- Both: Tweedie (power {p['tweedie_variance_power']}), {args.rounds} rounds, {p['num_leaves']} leaves, learning rate {p['learning_rate']}, min_data_in_leaf {p['min_data_in_leaf']}, "
        f"max_bin {p['max_bin']}, categorical defaults (max_cat_threshold {p['max_cat_threshold']}, cat_smooth {p['cat_smooth']}, cat_l2 {p['cat_l2']}, min_data_per_group {p['min_data_per_group']}); "
        "bagging and feature fraction off (tweedie_params uses 0.8/0.8; off here so both do the same work). LightGBM: `deterministic`, `force_col_wise`, a row-major f32 array; its time includes Dataset construction, "
        "as tsforge's includes binning (`target/release/examples/m5_matrix train`). Validation loss: mean Tweedie deviance (power 1.1) of each model's predictions, computed by this script.",
        "",
        "| threads | LightGBM s | tsforge s | time tsforge/LightGBM | deviance LightGBM | deviance tsforge | deviance tsforge/LightGBM | RMSE LightGBM | RMSE tsforge |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r['threads']} | {r['lgb_s']:.2f} | {r['ts_s']:.2f} | **{r['ts_s'] / r['lgb_s']:.2f}** | {r['lgb_dev']:.5f} | {r['ts_dev']:.5f} | **{r['ts_dev'] / r['lgb_dev']:.4f}** | {r['lgb_rmse']:.4f} | {r['ts_rmse']:.4f} |")
    lines += ["", "- Floor (issue 4): time at most 1.5x LightGBM's, validation loss within 1 %.",
              f"- Mean of the validation predictions: tsforge {results[0]['ts_mean']:.4f}, LightGBM {results[0]['lgb_mean']:.4f}, actual {results[0]['y_mean']:.4f}."]
    if not args.no_write:
        write_section("gbdt-m5-matrix", "\n".join(lines))
        print("wrote bench/RESULTS.md section gbdt-m5-matrix")


if __name__ == "__main__":
    main()
