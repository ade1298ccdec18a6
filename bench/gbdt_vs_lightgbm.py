"""Training time of tsforge-gbdt vs LightGBM on the same random data (same run, same threads).

    bench/.venv/bin/python bench/gbdt_vs_lightgbm.py [--rows 500000] [--cols 40] [--threads 1,2]

Builds the release example itself, runs both tools for each thread count, prints the
ratios and writes the gbdt-vs-lightgbm section of bench/RESULTS.md.

Both fit L2, 100 trees, 31 leaves, learning rate 0.1, max_bin 255, min_data_in_leaf 20.
LightGBM's time includes Dataset construction (binning), as tsforge's does.
"""

import argparse
import os
import re
import subprocess
import tempfile
import time

import datetime as dt

import lightgbm as lgb
import numpy as np

from results_md import write_section

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=500_000)
    ap.add_argument("--cols", type=int, default=40)
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-p", "tsforge-gbdt", "--example", "train_bench"], cwd=ROOT, check=True)
    rows = [run_once(args.rows, args.cols, int(th), args.seed) for th in args.threads.split(",")]
    lines = [
        "## GBDT training: tsforge-gbdt vs LightGBM",
        "",
        f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; command: `bench/.venv/bin/python bench/gbdt_vs_lightgbm.py`; {os.cpu_count()} CPUs (shared machine: single runs are noisy)",
        f"- Data: {args.rows:,} rows × {args.cols} uniform random f32 features (numpy seed {args.seed}), y = 2·x0 + sin(x1) + U(0,1). Both: L2, 100 trees, 31 leaves, learning rate 0.1, max_bin 255, min_data_in_leaf 20; LightGBM {lgb.__version__} (`force_col_wise`, `deterministic`), its time includes Dataset construction (binning), as tsforge's does (`target/release/examples/train_bench`).",
        "",
        "| threads | LightGBM s | tsforge s | ratio tsforge/LightGBM | train MSE LightGBM | train MSE tsforge |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for th, lgb_s, lgb_mse, ts_s, ts_mse in rows:
        lines.append(f"| {th} | {lgb_s:.2f} | {ts_s:.2f} | **{ts_s / lgb_s:.2f}** | {lgb_mse:.6f} | {ts_mse:.6f} |")
    write_section("gbdt-vs-lightgbm", "\n".join(lines))


def run_once(n: int, nf: int, th: int, seed: int):
    args = argparse.Namespace(seed=seed)

    rng = np.random.default_rng(args.seed)
    x = rng.random((n, nf), dtype=np.float32)
    y = 2.0 * x[:, 0] + np.sin(x[:, 1]) + rng.random(n)
    y = y.astype(np.float64)

    params = dict(objective="l2", num_leaves=31, learning_rate=0.1, max_bin=255,
                  min_data_in_leaf=20, num_threads=th, verbose=-1, seed=0,
                  deterministic=True, force_col_wise=True)
    t0 = time.perf_counter()
    ds = lgb.Dataset(x, label=y, params=params)
    booster = lgb.train(params, ds, num_boost_round=100)
    lgb_s = time.perf_counter() - t0
    lgb_mse = float(np.mean((booster.predict(x, num_threads=th) - y) ** 2))

    exe = os.path.join(ROOT, "target", "release", "examples", "train_bench")
    with tempfile.TemporaryDirectory() as d:
        xf, yf = os.path.join(d, "x.f32"), os.path.join(d, "y.f64")
        np.asfortranarray(x).T.astype("<f4").tofile(xf)  # column-major: column j contiguous
        y.astype("<f8").tofile(yf)
        out = subprocess.run([exe, xf, yf, str(n), str(nf), str(th)], check=True,
                             capture_output=True, text=True).stdout
    m = re.search(r"train_s=([0-9.]+).*train_mse=([0-9.]+)", out)
    if m is None:
        raise SystemExit(f"unexpected output: {out}")
    ts_s, ts_mse = float(m.group(1)), float(m.group(2))
    print(f"rows={n} cols={nf} threads={th} lightgbm={lgb.__version__}")
    print(f"lightgbm     train_s={lgb_s:.3f} train_mse={lgb_mse:.6f}")
    print(f"tsforge-gbdt train_s={ts_s:.3f} train_mse={ts_mse:.6f}")
    print(f"ratio tsforge/lightgbm = {ts_s / lgb_s:.2f}")
    return th, lgb_s, lgb_mse, ts_s, ts_mse


if __name__ == "__main__":
    main()
