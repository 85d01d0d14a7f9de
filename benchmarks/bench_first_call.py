"""First soft-F1 call on a fresh install: numba compile time, measured with an empty numba cache.

Usage::

    python benchmarks/bench_first_call.py            # 3 cold runs per case, then 1 warm run
    python benchmarks/bench_first_call.py --runs 1

Each case runs in a fresh interpreter with ``NUMBA_CACHE_DIR`` pointing at an empty temporary
folder, which is what a fresh install sees (no compiled kernel on disk). Timed separately:
``import torch, f1tune.torch`` and the first ``loss = f(x, y); loss.backward()`` (which loads or
compiles the kernels it needs). The same snippet is then run once more on the now filled cache
("warm"). Goal: first call <= 5 s on a fresh install for a typical training batch.

Cases: a small batch (the serial kernels) with probabilities, the same with logits and
``double=True``, and a large batch (the parallel kernels).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

SNIPPET = """
import time
t0 = time.perf_counter()
import torch
from f1tune.torch import soft_f1_loss
t1 = time.perf_counter()
n, L, logits = {n}, {L}, {logits}
g = torch.Generator().manual_seed(0)
x = (torch.randn(n, L, generator=g) if logits else torch.rand(n, L, generator=g)).requires_grad_(True)
y = torch.rand(n, L, generator=g) < 0.3
soft_f1_loss(x, y, from_logits=logits, double=logits).backward()
t2 = time.perf_counter()
assert torch.isfinite(x.grad).all()
print(f"{{t1 - t0:.3f}} {{t2 - t1:.3f}}")
"""

CASES = [
    ("256 x 20 probabilities", dict(n=256, L=20, logits=False)),
    ("256 x 20 logits, double", dict(n=256, L=20, logits=True)),
    ("4096 x 200 probabilities (parallel)", dict(n=4096, L=200, logits=False)),
]


def _run(code: str, cache: str) -> tuple[float, float]:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    t_import, t_first = out.stdout.split()
    return float(t_import), float(t_first)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="cold runs per case (each with its own empty cache)")
    args = ap.parse_args()
    try:
        load = " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:  # pragma: no cover
        load = "n/a"
    print(f"{os.cpu_count()} CPUs, load {load}; times in s (import torch+f1tune.torch / first forward+backward)")
    for name, kw in CASES:
        code = SNIPPET.format(**kw)
        cold = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as cache:
                cold.append(_run(code, cache))
                warm = _run(code, cache)
        firsts = [c[1] for c in cold]
        print(
            f"  {name:<38} cold first call: median {statistics.median(firsts):6.2f}  max {max(firsts):6.2f}"
            f"  (import {statistics.median(c[0] for c in cold):.2f});  warm cache first call {warm[1]:.2f}"
        )


if __name__ == "__main__":
    main()
