"""Training steps per second on the CPU: tsforge-neural (burn 0.22, flex backend) against
PyTorch, same architecture, batch and thread count, for every neural family.

Each family is the default network `NeuralForecaster` builds (lookback 56, 3 input
channels: scaled sales and weekday sin/cos, horizon 28). One training step = gather a
batch of windows, forward, MSE, backward, per-tensor gradient-norm clipping at 1.0,
AdamW (weight decay 1e-4) at a cosine-annealed learning rate, and reading the loss back
(`loss.item()` in PyTorch). Both sides are warmed up for 3 steps first.

    bench/.venv/bin/pip install torch   # the CPU wheel index was unreachable here
    bench/.venv/bin/python bench/neural_vs_torch.py [--threads 1] [--batch 256] [--families lenet,...]

Prints a table with ratios tsforge/torch (> 1: tsforge faster) and writes the
`neural-vs-torch` section of bench/RESULTS.md.
"""

import argparse
import json
import os
import platform
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

from results_md import git_rev, write_section

ROOT = Path(__file__).resolve().parent.parent
L, C, H = 56, 3, 28
# steps per timed run, so each side runs a few seconds with 1 thread
STEPS = {"lenet": 200, "vgg": 100, "resnet": 60, "inception": 40, "lstm": 40, "gru": 40, "tcn": 30}


def torch_model(family: str):
    import torch.nn as nn

    class Flat(nn.Module):
        def __init__(self, body, head):
            super().__init__()
            self.body, self.head = body, head

        def forward(self, x):
            return self.head(self.body(x).flatten(1))

    if family == "lenet":
        body = nn.Sequential(nn.Conv1d(C, 16, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2), nn.Conv1d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2))
        return Flat(body, nn.Sequential(nn.Linear(32 * 14, 64), nn.ReLU(), nn.Linear(64, H)))
    if family == "vgg":
        layers, c_in = [], C
        for c in (16, 32):
            layers += [nn.Conv1d(c_in, c, 3, padding=1), nn.ReLU(), nn.Conv1d(c, c, 3, padding=1), nn.ReLU(), nn.MaxPool1d(2)]
            c_in = c
        return Flat(nn.Sequential(*layers), nn.Sequential(nn.Linear(32 * 14, 64), nn.ReLU(), nn.Linear(64, H)))
    if family == "resnet":

        class Block(nn.Module):
            def __init__(self, c_in, c_out, stride):
                super().__init__()
                self.c1 = nn.Conv1d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
                self.b1 = nn.BatchNorm1d(c_out)
                self.c2 = nn.Conv1d(c_out, c_out, 3, padding=1, bias=False)
                self.b2 = nn.BatchNorm1d(c_out)
                self.proj = None
                if c_in != c_out or stride != 1:
                    self.proj = nn.Sequential(nn.Conv1d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm1d(c_out))

            def forward(self, x):
                s = x if self.proj is None else self.proj(x)
                y = self.b2(self.c2(nn.functional.relu(self.b1(self.c1(x)))))
                return nn.functional.relu(y + s)

        body = nn.Sequential(nn.Conv1d(C, 16, 7, padding=3, bias=False), nn.BatchNorm1d(16), nn.ReLU(), Block(16, 16, 1), Block(16, 32, 2), nn.AdaptiveAvgPool1d(4))
        return Flat(body, nn.Linear(32 * 4, H))
    if family == "inception":

        class Module(nn.Module):
            def __init__(self, c, b=16, r=8):
                super().__init__()
                relu = nn.ReLU()
                self.one = nn.Sequential(nn.Conv1d(c, b, 1), relu)
                self.three = nn.Sequential(nn.Conv1d(c, r, 1), relu, nn.Conv1d(r, b, 3, padding=1), relu)
                self.five = nn.Sequential(nn.Conv1d(c, r, 1), relu, nn.Conv1d(r, b, 5, padding=2), relu)
                self.pool = nn.Sequential(nn.MaxPool1d(3, stride=1, padding=1), nn.Conv1d(c, b, 1), relu)

            def forward(self, x):
                import torch

                return torch.cat([self.one(x), self.three(x), self.five(x), self.pool(x)], 1)

        body = nn.Sequential(nn.Conv1d(C, 16, 7, padding=3), nn.ReLU(), Module(16), Module(64), nn.AdaptiveAvgPool1d(4))
        return Flat(body, nn.Linear(64 * 4, H))
    if family in ("lstm", "gru"):
        cell = nn.LSTM if family == "lstm" else nn.GRU

        class Rnn(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = cell(C, 32, num_layers=2, batch_first=True)
                self.head = nn.Linear(32, H)

            def forward(self, x):
                out, _ = self.rnn(x.transpose(1, 2))
                return self.head(out[:, -1])

        return Rnn()
    if family == "tcn":

        class Causal(nn.Module):
            def __init__(self, c_in, c_out, dilation, k=3):
                super().__init__()
                self.pad = (k - 1) * dilation
                self.conv = nn.Conv1d(c_in, c_out, k, dilation=dilation)

            def forward(self, x):
                return self.conv(nn.functional.pad(x, (self.pad, 0)))

        class TcnBlock(nn.Module):
            def __init__(self, c_in, c, dilation):
                super().__init__()
                self.first, self.second = Causal(c_in, c, dilation), Causal(c, c, dilation)
                self.short = nn.Conv1d(c_in, c, 1) if c_in != c else None

            def forward(self, x):
                y = nn.functional.relu(self.second(nn.functional.relu(self.first(x))))
                return nn.functional.relu(y + (x if self.short is None else self.short(x)))

        class Tcn(nn.Module):
            def __init__(self, c=32, levels=4, last=7):
                super().__init__()
                self.blocks = nn.Sequential(*[TcnBlock(C if j == 0 else c, c, 2**j) for j in range(levels)])
                self.last = last
                self.head = nn.Linear(c * last, H)

            def forward(self, x):
                return self.head(self.blocks(x)[:, :, -self.last :].flatten(1))

        return Tcn()
    raise ValueError(family)


def torch_steps(family: str, batch: int, steps: int, threads: int) -> dict:
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    n = 4 * batch
    x = torch.rand(n, C, L)
    y = torch.rand(n, H)
    model = torch_model(family)
    params = sum(p.numel() for p in model.parameters())

    def run(k: int) -> float:
        opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=k, eta_min=1e-4)
        gen = torch.Generator().manual_seed(1)
        model.train()
        start = time.perf_counter()
        for _ in range(k):
            idx = torch.randint(0, n, (batch,), generator=gen)
            loss = torch.nn.functional.mse_loss(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            for p in model.parameters():
                torch.nn.utils.clip_grad_norm_([p], 1.0)
            opt.step()
            sched.step()
            loss.item()
        return time.perf_counter() - start

    run(3)
    secs = run(steps)
    return {"tool": "torch", "family": family, "batch": batch, "steps": steps, "seconds": secs, "steps_per_second": steps / secs, "params": params, "torch": torch.__version__}


def tsforge_steps(family: str, batch: int, steps: int, threads: int) -> dict:
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    exe = ROOT / "target" / "release" / "examples" / "steps_per_second"
    out = subprocess.run([str(exe), family, str(batch), str(steps)], env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--families", default="lenet,vgg,resnet,inception,lstm,gru,tcn")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-p", "tsforge-neural", "--example", "steps_per_second"], cwd=ROOT, check=True)
    try:
        import torch
    except ImportError:
        print("torch is not installed in this environment: nothing to compare with")
        return

    rows = []
    for fam in args.families.split(","):
        steps = STEPS[fam]
        ts = tsforge_steps(fam, args.batch, steps, args.threads)
        tc = torch_steps(fam, args.batch, steps, args.threads)
        if ts["params"] != tc["params"]:
            print(f"warning: {fam}: {ts['params']} parameters in tsforge, {tc['params']} in torch")
        rows.append((fam, ts, tc))
        print(f"{fam:10s} tsforge {ts['steps_per_second']:8.2f} steps/s  torch {tc['steps_per_second']:8.2f} steps/s  ratio {ts['steps_per_second'] / tc['steps_per_second']:.2f}", flush=True)

    lines = [
        "## Neural training steps per second: tsforge-neural (burn 0.22.1, flex) vs PyTorch, CPU",
        "",
        f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; command: `bench/.venv/bin/python bench/neural_vs_torch.py --threads {args.threads} --batch {args.batch}`; "
        f"{os.cpu_count()} CPUs, **shared machine** (other engineers built and tested at the same time; single runs, noisy); tsforge at git {git_rev()}; "
        f"torch {torch.__version__} (PyPI wheel), Python {platform.python_version()}.",
        f"- {args.threads} thread(s) on both sides (RAYON_NUM_THREADS / torch.set_num_threads), batch {args.batch}, windows of 3 channels × 56 days → 28 days, random data. "
        "A step: batch gather, forward, MSE, backward, per-tensor gradient clipping, AdamW, cosine schedule, loss read back; 3 warm-up steps, then one timed run.",
        "- Same architectures (the `NeuralForecaster` defaults; parameter counts checked equal), PyTorch's own LSTM/GRU against tsforge's fused-gate cells.",
        "",
        "| family | params | MFLOP/window | steps timed | tsforge steps/s | torch steps/s | tsforge/torch |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for fam, ts, tc in rows:
        lines.append(
            f"| {fam} | {ts['params']:,} | {ts['mflop_per_window']:.2f} | {ts['steps']} | {ts['steps_per_second']:.2f} | {tc['steps_per_second']:.2f} | **{ts['steps_per_second'] / tc['steps_per_second']:.2f}** |"
        )
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        write_section("neural-vs-torch", body)


if __name__ == "__main__":
    main()
