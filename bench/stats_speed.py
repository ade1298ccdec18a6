"""Speed and memory of tsforge's intermittent-demand models against statsforecast.

On the full-scale synthetic M5 set (bench/data/m5-full, 30,490 series; generated
with `target/release/tsforge data synth --out bench/data/m5-full` when missing)
it times CrostonClassic, CrostonSBA, CrostonOptimized, TSB, ADIDA and IMAPA:

- tsforge: `target/release/tsforge run --data bench/data/m5-full --horizon 28
  --season-length 7 --models ... --quiet` with RAYON_NUM_THREADS = 1 and 2 (and
  POLARS_MAX_THREADS alike); per model the leaderboard's `fit_seconds` (the final
  fit over all series, histories from the first non-zero sale) and `predict_seconds`.
  The process also loads the M5 files, fits every model a second time on the
  validation window and scores both: its wall time covers all of that.
- statsforecast: a fresh Python process reads sales_train_validation.csv
  (d_1..d_1913), trims each series to start at its first non-zero sale (all-zero
  series keep their history) and runs `StatsForecast(models=[M], freq=1,
  n_jobs=N).forecast(df, h=28)` for each model M in turn, N = 1 and 2; per model
  the time of that call (it includes statsforecast's own grouping of the frame).

Each configuration runs in its own process; wall time and peak memory are measured
from outside: peak RSS of the whole process tree (sampled every 20 ms, so worker
processes count) and the largest single process (GNU time's %M). Ratios are
tsforge / statsforecast at the same thread count (below 1 = tsforge faster or
smaller).

    bash bench/setup.sh && bench/.venv/bin/python bench/stats_speed.py
"""

from __future__ import annotations

from results_md import RESULTS, git_rev, write_section
import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "m5-full"
BIN = ROOT / "target" / "release" / "tsforge"
MODELS = ["CrostonClassic", "CrostonSBA", "CrostonOptimized", "TSB", "ADIDA", "IMAPA"]
TSB_ALPHA = 0.1
LOADS: list[float] = []
PROBES: list[float] = []


# ----------------------------------------------------------------------------- statsforecast worker


def sf_worker(data: Path, n_jobs: int, n_series: int | None) -> None:
    """Runs inside the measured process: prints one JSON line of timings."""
    import numpy as np
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import ADIDA, IMAPA, TSB, CrostonClassic, CrostonOptimized, CrostonSBA

    t0 = time.perf_counter()
    sales = pd.read_csv(data / "sales_train_validation.csv", nrows=n_series)
    days = [c for c in sales.columns if c.startswith("d_")]
    y = sales[days].to_numpy(np.float64)
    ids = sales["id"].to_numpy()
    del sales
    nz = y != 0
    first = np.where(nz.any(axis=1), nz.argmax(axis=1), 0)
    lengths = y.shape[1] - first
    mask = np.arange(y.shape[1])[None, :] >= first[:, None]
    df = pd.DataFrame({
        "unique_id": pd.Categorical.from_codes(np.repeat(np.arange(len(ids)), lengths), categories=ids),
        "ds": np.nonzero(mask)[1].astype(np.int64) + 1,
        "y": y[mask],
    })
    del y, mask
    prep = time.perf_counter() - t0
    make = {
        "CrostonClassic": CrostonClassic, "CrostonSBA": CrostonSBA, "CrostonOptimized": CrostonOptimized,
        "TSB": lambda: TSB(alpha_d=TSB_ALPHA, alpha_p=TSB_ALPHA), "ADIDA": ADIDA, "IMAPA": IMAPA,
    }
    seconds = {}
    for m in MODELS:
        t = time.perf_counter()
        fc = StatsForecast(models=[make[m]()], freq=1, n_jobs=n_jobs).forecast(df=df, h=28)
        seconds[m] = time.perf_counter() - t
        assert len(fc) == 28 * len(ids)
        del fc
    print(json.dumps({"prep_seconds": prep, "seconds": seconds, "series": int(len(ids)), "rows": int(len(df))}))


# ----------------------------------------------------------------------------- measuring


def tree_rss_kib(root: int) -> int:
    """Sum of VmRSS over `root` and its descendants (KiB)."""
    parents: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                s = f.read()
            parents[int(d)] = int(s[s.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        p = frontier.pop()
        for c, pp in parents.items():
            if pp == p and c not in tree:
                tree.add(c)
                frontier.append(c)
    total = 0
    for p in tree:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def measure(cmd: list[str], env: dict[str, str]) -> dict:
    """Runs `cmd`, returning wall seconds, stdout, peak tree RSS and the largest
    single-process peak (MiB)."""
    # GNU time reports the largest resident set of the command and its waited-for
    # descendants (getrusage RUSAGE_CHILDREN in its own process, fresh per run)
    fd, maxrss_file = tempfile.mkstemp(prefix="maxrss_")
    os.close(fd)
    cmd = ["/usr/bin/time", "-f", "%M", "-o", maxrss_file, *cmd]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_kib(proc.pid))
            time.sleep(0.02)

    th = threading.Thread(target=poll, daemon=True)
    th.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t
    done.set()
    th.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    try:
        single = float(Path(maxrss_file).read_text().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        single = float("nan")
    os.unlink(maxrss_file)
    return {"wall": wall, "stdout": out, "peak_tree_mib": peak[0] / 1024, "peak_single_mib": single / 1024}


def run_tsforge(threads: int, out: Path) -> dict:
    env = {**os.environ, "RAYON_NUM_THREADS": str(threads), "POLARS_MAX_THREADS": str(threads)}
    cmd = [str(BIN), "run", "--data", str(DATA), "--horizon", "28", "--season-length", "7", "--models", ",".join(MODELS), "--out", str(out), "--quiet"]
    r = measure(cmd, env)
    import csv

    with open(out / "leaderboard.csv") as f:
        rows = {row["alias"]: row for row in csv.DictReader(f)}
    r["seconds"] = {m: float(rows[m]["fit_seconds"]) for m in MODELS}
    r["predict_seconds"] = {m: float(rows[m]["predict_seconds"]) for m in MODELS}
    r["notes"] = {m: rows[m].get("note", "") for m in MODELS}
    return r


def run_sf(n_jobs: int, n_series: int | None) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--jobs", str(n_jobs)]
    if n_series:
        cmd += ["--series", str(n_series)]
    r = measure(cmd, env)
    r.update(json.loads(r["stdout"].strip().splitlines()[-1]))
    return r


# ----------------------------------------------------------------------------- setup and output


def cpu_probe(n: int = 2, seconds: float = 1.0) -> float:
    """CPUs this machine gives right now: `n` busy processes for `seconds` of wall
    time, their CPU seconds summed over the wall time (n when nothing else runs)."""
    code = f"import time\nt=time.perf_counter()\nwhile time.perf_counter()-t<{seconds}: pass\nprint(time.process_time())"
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(n)]
    return sum(float(p.communicate()[0]) for p in procs) / seconds


def ensure_data() -> None:
    target = DATA / "sales_train_evaluation.csv"
    # another process may be writing the set: wait until its size stops changing
    for _ in range(120):
        if target.exists():
            a = target.stat().st_size
            time.sleep(5)
            if target.stat().st_size == a and (DATA / "sales_train_validation.csv").exists():
                return
        elif DATA.exists() and any(DATA.iterdir()):
            time.sleep(5)
        else:
            break
    if not target.exists():
        subprocess.run([str(BIN), "data", "synth", "--out", str(DATA)], cwd=ROOT, check=True)


def fmt(v: float, spec: str = ".2f") -> str:
    return "—" if v != v else format(v, spec)


def report(ts: dict[int, dict], sf: dict[int, dict], threads: list[int], subset: str) -> str:
    import statsforecast

    lines = ["| model | " + " | ".join(f"tsforge {t}T s | statsforecast {t}J s | ratio {t}" for t in threads) + " |",
             "|---|" + "---:|" * (3 * len(threads))]
    for m in MODELS + ["total (6 models)"]:
        cells = []
        for t in threads:
            a = sum(ts[t]["seconds"].values()) if m.startswith("total") else ts[t]["seconds"][m]
            b = sum(sf[t]["seconds"].values()) if m.startswith("total") else sf[t]["seconds"][m]
            cells += [fmt(a, ".3f"), fmt(b, ".2f"), f"**{a / b:.3f}**" if b else "—"]
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    whole = ["| process | threads / n_jobs | wall s | peak RSS, process tree MiB | largest single process MiB |", "|---|---:|---:|---:|---:|"]
    for t in threads:
        whole.append(f"| tsforge | {t} | {ts[t]['wall']:.2f} | {ts[t]['peak_tree_mib']:,.0f} | {fmt(ts[t]['peak_single_mib'], ',.0f')} |")
        whole.append(f"| statsforecast | {t} | {sf[t]['wall']:.2f} | {sf[t]['peak_tree_mib']:,.0f} | {fmt(sf[t]['peak_single_mib'], ',.0f')} |")
    ratios = []
    for t in threads:
        ratios.append(
            f"- {t} thread(s): model time tsforge/statsforecast = **{sum(ts[t]['seconds'].values()) / sum(sf[t]['seconds'].values()):.3f}**; "
            f"whole-process wall = {ts[t]['wall'] / sf[t]['wall']:.2f}; peak memory (tree) = {ts[t]['peak_tree_mib'] / sf[t]['peak_tree_mib']:.2f}"
        )
    notes = sorted({n for t in threads for n in ts[t]["notes"].values() if n})
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    s0 = sf[threads[0]]
    return f"""## Intermittent-demand models: speed against statsforecast

- Date: {when}; command: `bench/.venv/bin/python bench/stats_speed.py`
- Machine: {os.cpu_count()} CPUs (os.cpu_count), {platform.processor() or platform.machine()}; {platform.platform()}. Shared with other work, so single runs can be noisy: 1-minute load average {LOADS[0]:.1f} at the start and {os.getloadavg()[0]:.1f} at the end; two busy processes got {PROBES[0]:.2f} CPUs together at the start and {cpu_probe():.2f} at the end (2.00 = an idle machine), which bounds what 2 threads can gain.
- Data: `bench/data/m5-full` (synthetic, Kaggle layout), {subset}: {s0['series']:,} series, d_1..d_1913, each from its first non-zero sale ({s0['rows']:,} values), h = 28.
- tsforge: `target/release/tsforge run --data bench/data/m5-full --horizon 28 --season-length 7 --models {','.join(MODELS)} --quiet` at git {git_rev()}, `RAYON_NUM_THREADS` = `POLARS_MAX_THREADS` = T. *tsforge s* is the leaderboard's `fit_seconds` (the final fit over all series; the per-series histories are cut from the panel inside it). Its wall time also covers loading the four M5 files, a second fit of every model on the validation window, and scoring.
- statsforecast {statsforecast.__version__} (Python {platform.python_version()}): a fresh process reads sales_train_validation.csv with pandas and trims the series ({s0['prep_seconds']:.1f} s), then per model `StatsForecast(models=[M], freq=1, n_jobs=J).forecast(df=df, h=28)`; *statsforecast s* is that call (its own grouping of the frame included; with J = 2 also the process pool's start-up).
- One run per configuration (fresh process each); peak RSS of the process tree sampled every 20 ms (statsforecast's pool workers included), the largest single process from GNU time (`%M`). Columns: *T* = tsforge threads, *J* = statsforecast `n_jobs`; ratio = tsforge / statsforecast (below 1: tsforge faster).

{chr(10).join(lines)}

{chr(10).join(whole)}

{chr(10).join(ratios)}
{"" if not notes else chr(10) + "tsforge notes: " + "; ".join(notes)}
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--series", type=int, default=None, help="statsforecast on the first N series only (documented in the output)")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--no-build", action="store_true", help="use target/release/tsforge as it is")
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args()
    if args.worker:
        sf_worker(DATA, args.jobs, args.series)
        return 0
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "tsforge-cli"], cwd=ROOT, check=True)
    ensure_data()
    if args.series:
        raise SystemExit("--series: tsforge reads the whole directory; make a subset directory first (not implemented)")
    threads = [int(t) for t in args.threads.split(",")]
    LOADS.append(os.getloadavg()[0])
    PROBES.append(cpu_probe())
    ts, sf = {}, {}
    with tempfile.TemporaryDirectory(prefix="stats_speed_") as tmp:
        for t in threads:
            ts[t] = run_tsforge(t, Path(tmp) / f"ts{t}")
            print(f"tsforge {t} thread(s): wall {ts[t]['wall']:.1f} s, models {ts[t]['seconds']}", flush=True)
            sf[t] = run_sf(t, None)
            print(f"statsforecast n_jobs={t}: wall {sf[t]['wall']:.1f} s, models {sf[t]['seconds']}", flush=True)
    text = report(ts, sf, threads, "all series")
    print(text)
    if not args.no_write:
        write_section("stats-speed", text)
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
