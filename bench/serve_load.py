"""Serving load: `tsforge serve` answering 28-day forecasts over HTTP on 127.0.0.1, with
1 and 2 server threads, for 1, 100 and 10,000 series per request; beside it the peer
a Python service would wrap: mlforecast + LightGBM `predict(28, ids=...)` in-process
(no HTTP, no JSON: a floor for such a service, not a full one).

    bash bench/setup.sh   # once: bench/.venv with mlforecast, lightgbm, pandas
    bench/.venv/bin/python bench/serve_load.py [--binary target/debug/tsforge] [--no-write]

- Data: `tsforge data synth --stores 4 --items 2600 --days 500` (10,400 series, exact M5
  layout, git-ignored under bench/data/serve-synth); bundle: `tsforge run` of
  GBDT-Tweedie-direct alone (search off), phase validation (history to d_472).
- Load: Python client threads with keep-alive connections (http.client); each
  configuration is bounded in requests and seconds (below), after 5 warm-up requests.
  Latency is per request as the client sees it (send to last byte); throughput is
  requests answered / wall time. Series in a request are drawn at random (seeded), so
  nothing is cached between requests.
- mlforecast: LGBMRegressor (Tweedie 1.1, 200 trees, 63 leaves, one thread) on the same
  10,400 series (recursive, lags 7..28, rolling means, day of week and month), then
  `predict(28, ids=...)` for the same request sizes, median of the timed calls.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from results_md import git_rev, write_section

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "serve-synth"
# (series per request, client threads, max requests, max seconds)
LOADS = [(1, 1, 3000, 15.0), (1, 4, 6000, 15.0), (100, 1, 600, 20.0), (100, 4, 1200, 20.0), (10_000, 1, 12, 60.0)]


def ensure_data(binary: Path) -> None:
    if (DATA / "sales_train_validation.csv").exists() or (DATA / "sales_train_validation.csv.gz").exists():
        return
    subprocess.run([str(binary), "data", "synth", "--stores", "4", "--items", "2600", "--days", "500", "--out", str(DATA), "--quiet"], check=True, cwd=ROOT)


def train(binary: Path, tmp: Path) -> tuple[Path, float]:
    run = tmp / "run"
    t = time.perf_counter()
    subprocess.run(
        [str(binary), "run", "--models", "GBDT-Tweedie-direct", "--data", str(DATA), "--out", str(run), "--no-store", "--quiet"],
        check=True,
        cwd=ROOT,
    )
    return run / "bundle", time.perf_counter() - t


def start_server(binary: Path, bundle: Path, threads: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [str(binary), "serve", str(bundle), "--port", "0", "--threads", str(threads), "--no-store", "--max-series", "20000"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("tsforge serve: listening on http://"):
            return proc, line.strip().rsplit("http://", 1)[1]
    raise RuntimeError("tsforge serve did not start")


def ids_of() -> list[str]:
    """The data's series ids (the server answers only known ids)."""
    import gzip

    path = DATA / "sales_train_validation.csv"
    with (open(path) if path.exists() else gzip.open(str(path) + ".gz", "rt")) as f:
        next(f)
        return [line.split(",", 1)[0] for line in f]


def load(host: str, ids: list[str], size: int, clients: int, max_requests: int, max_seconds: float) -> dict:
    latencies: list[float] = []
    lock = threading.Lock()
    sent = [0]
    deadline = time.perf_counter() + max_seconds

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection(*host.split(":"), timeout=300)
        for _ in range(5):  # warm-up, untimed
            body = json.dumps({"series": rng.sample(ids, min(size, 100)), "horizon": 28})
            conn.request("POST", "/v1/forecast", body=body, headers={"Content-Type": "application/json"})
            conn.getresponse().read()
        while True:
            with lock:
                if sent[0] >= max_requests or time.perf_counter() > deadline:
                    return
                sent[0] += 1
            body = json.dumps({"series": rng.sample(ids, size), "horizon": 28})
            t = time.perf_counter()
            conn.request("POST", "/v1/forecast", body=body, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            dt_ = time.perf_counter() - t
            assert resp.status == 200, data[:300]
            with lock:
                latencies.append(dt_)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    latencies.sort()
    q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
    return {"n": len(latencies), "rps": len(latencies) / wall, "p50": q(0.5), "p99": q(0.99), "max": latencies[-1] * 1000}


def mlforecast_times(sizes: list[int]) -> dict | None:
    try:
        import lightgbm as lgb
        import pandas as pd
        from mlforecast import MLForecast
        from mlforecast.lag_transforms import RollingMean
    except ImportError:
        return None
    path = DATA / "sales_train_validation.csv"
    sales = pd.read_csv(path if path.exists() else str(path) + ".gz")
    cal = pd.read_csv(DATA / ("calendar.csv" if (DATA / "calendar.csv").exists() else "calendar.csv.gz"))
    days = [c for c in sales.columns if c.startswith("d_")]
    long = sales.melt(id_vars=["id"], value_vars=days, var_name="d", value_name="y")
    long["ds"] = pd.to_datetime(long["d"].map(dict(zip(cal["d"], cal["date"]))))
    long = long.rename(columns={"id": "unique_id"})[["unique_id", "ds", "y"]]
    model = lgb.LGBMRegressor(objective="tweedie", tweedie_variance_power=1.1, n_estimators=200, num_leaves=63, learning_rate=0.05, min_child_samples=50, verbose=-1, n_jobs=1)
    fcst = MLForecast(models={"lgb": model}, freq="D", lags=list(range(7, 29)), lag_transforms={7: [RollingMean(7), RollingMean(28)]}, date_features=["dayofweek", "month"])
    t = time.perf_counter()
    fcst.fit(long)
    fit = time.perf_counter() - t
    ids = list(sales["id"])
    rng = random.Random(0)
    out = {"fit": fit}
    for size in sizes:
        rounds = 30 if size == 1 else (10 if size == 100 else 3)
        times = []
        for _ in range(rounds):
            pick = rng.sample(ids, size)
            t = time.perf_counter()
            fcst.predict(28, ids=pick)
            times.append(time.perf_counter() - t)
        out[size] = statistics.median(times) * 1000
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / "target" / "debug" / "tsforge"))
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    binary = Path(args.binary)
    ensure_data(binary)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        bundle, fit = train(binary, Path(tmp))
        for threads in (1, 2):
            proc, host = start_server(binary, bundle, threads)
            try:
                ids = ids_of()
                for size, clients, max_req, max_s in LOADS:
                    r = load(host, ids, size, clients, max_req, max_s)
                    r.update(threads=threads, size=size, clients=clients)
                    rows.append(r)
                    print(f"threads {threads} series {size} clients {clients}: {r}", flush=True)
            finally:
                proc.terminate()
                proc.wait(timeout=60)
    peer = mlforecast_times(sorted({r["size"] for r in rows}))
    lines = [
        "## Serving: `tsforge serve` under load (GBDT bundle, 28-day forecasts, loopback)",
        "",
        f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; machine: {os.cpu_count()} CPUs, {platform.platform()}; command: `bench/.venv/bin/python bench/serve_load.py --binary {args.binary}`",
        f"- tsforge at git {git_rev()}; bundle: GBDT-Tweedie-direct trained by `tsforge run` on `tsforge data synth --stores 4 --items 2600 --days 500` (10,400 series; run {fit:.0f} s); the client (Python, keep-alive) shares the machine's cores with the server.",
        "",
        "| server threads | series / request | client threads | requests | req/s | p50 ms | p99 ms | max ms | mlforecast predict ms (in-process) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ml = f"{peer[r['size']]:.1f}" if peer and r["size"] in peer else "-"
        lines.append(f"| {r['threads']} | {r['size']:,} | {r['clients']} | {r['n']} | {r['rps']:.1f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['max']:.2f} | {ml} |")
    if peer:
        one = [r for r in rows if r["size"] == 1 and r["clients"] == 1]
        lines += ["", f"- mlforecast + LightGBM fit {peer['fit']:.0f} s; `predict(28, ids=...)` median: " + ", ".join(f"{s:,} series {peer[s]:.1f} ms" for s in sorted(k for k in peer if k != 'fit')) + "."]
        for r in one:
            lines.append(f"- 1 series, {r['threads']} server thread(s): tsforge p50 over HTTP {r['p50']:.2f} ms vs mlforecast in-process {peer[1]:.1f} ms: ratio mlforecast/tsforge = **{peer[1] / r['p50']:.1f}×**.")
    else:
        lines += ["", "- mlforecast not installed (run `bash bench/setup.sh`): no peer numbers this time."]
    target = all(r["p99"] < 5.0 for r in rows if r["size"] == 1 and r["clients"] == 1)
    lines.append(f"- Target (one-series requests under 5 ms p99 on 2 cores, one client): {'met' if target else 'NOT met'}.")
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section("serve-load", text)


if __name__ == "__main__":
    sys.exit(main())
