"""Soft-F1 loss forward+backward: f1tune (numba kernels) vs the plain torch eager formula.

Usage::

    python benchmarks/bench_soft_f1.py                 # 4096x1000 and 65536x100 float32
    python benchmarks/bench_soft_f1.py --small         # quick run at small sizes
    python benchmarks/bench_soft_f1.py --jit-cold      # also time a first call with an empty numba cache

Timed: ``loss = f(x, y); loss.backward()`` with ``x`` float32 requiring grad and float32 0/1
targets (bool targets as an extra row). "torch" is the textbook formula in plain eager torch
(:func:`f1tune.torch._reference.soft_fbeta_loss_reference`, TP/FP/FN as separate sums).

Memory floor: the time to read input and target once and write one gradient-sized array,
measured as the faster of ``torch.add(x, y, out=g)`` and ``np.add(x, y, out=g)`` on the same
arrays, ``g`` preallocated. A fused forward+backward cannot beat it by much: the forward must
read x and y, the backward must write the gradient (and, here, read y again). A backward must
also allocate its gradient, and a fresh large buffer costs page faults on first touch: the
"floor+alloc" column uses ``torch.add(x, y)`` (new output each call) as the floor instead.

Both sides warm up first (numba cache load, torch allocator) and are checked to agree.

Thread-safety lock: the parallel kernels run under ``PARALLEL_LOCK`` (numba's workqueue layer
aborts on concurrent use). One extra row per size times the loss with the lock replaced by a
no-op context, round-robin with the locked version, and prints the ratio (the lock's cost on a
single thread).
Timings: best and median of ``--repeat`` rounds; each round runs every timed function once
(round-robin, in a new random order each round: what runs just before a function, such as a
torch reference that churns the allocator, changes its time), so all see the same machine load; the load is printed with them. On a
shared machine, ``--threads 1`` gives steadier numbers: a parallel region waits for its slowest
thread, which another process may hold for a whole scheduler time slice.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

from f1tune.torch import soft_fbeta_loss
from f1tune.torch._reference import soft_fbeta_loss_reference

VARIANTS = [
    ("probabilities, macro", {}),
    ("logits, double, macro", {"from_logits": True, "double": True}),
]

JIT_SNIPPET = """
import time
t0 = time.perf_counter()
import torch, f1tune.torch as ft
t1 = time.perf_counter()
x = torch.rand(64, 10, requires_grad=True); y = torch.rand(64, 10) < 0.3
ft.soft_f1_loss(x, y).backward()
ft.soft_f1_loss(x.detach().logit().requires_grad_(), y, from_logits=True, double=True).backward()
t2 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f}")
"""


def _fwd_bwd(loss_fn, x, y, kw):
    def run():
        x.grad = None
        loss = loss_fn(x, y, **kw)
        loss.backward()
        return loss

    return run


def _lock_pair(x0: torch.Tensor, y: torch.Tensor) -> dict:
    """The loss with the parallel-kernel lock and with a no-op in its place (same inputs)."""
    from f1tune._kernels import soft_fbeta as kernels

    lock = kernels.PARALLEL_LOCK
    x = x0.clone().requires_grad_(True)
    run = _fwd_bwd(soft_fbeta_loss, x, y, {})

    def with_lock():
        kernels.PARALLEL_LOCK = lock
        return run()

    def without_lock():
        kernels.PARALLEL_LOCK = contextlib.nullcontext()
        try:
            return run()
        finally:
            kernels.PARALLEL_LOCK = lock

    return {"lock: with": with_lock, "lock: without": without_lock}


def _load() -> str:
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:  # pragma: no cover
        return "n/a"


def _interleaved(fns: dict, repeat: int) -> dict[str, tuple[float, float]]:
    """Best and median ms of each function, timed round-robin so all see the same machine load."""
    for fn in fns.values():
        fn()
        fn()
    ts: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    order = random.Random(0)
    for _ in range(repeat):
        order.shuffle(names)  # a new order each round: no function always follows the same neighbour
        for name in names:
            fn = fns[name]
            t = time.perf_counter()
            fn()
            ts[name].append(time.perf_counter() - t)
    return {name: (min(v) * 1e3, statistics.median(v) * 1e3) for name, v in ts.items()}


def bench_size(n: int, L: int, repeat: int) -> list[tuple[str, float, float, float]]:
    g = torch.Generator().manual_seed(0)
    probs = torch.rand(n, L, generator=g).clamp_(1e-4, 1 - 1e-4)
    logits = torch.randn(n, L, generator=g)
    y = (torch.rand(n, L, generator=g) < 0.3).float()
    yb = y.bool()
    grad = torch.empty_like(probs)
    xn, yn, gn = probs.numpy(), y.numpy(), grad.numpy()
    fns = {
        "torch.add": lambda: torch.add(probs, y, out=grad),
        "np.add": lambda: np.add(xn, yn, out=gn),
        "alloc": lambda: torch.add(probs, y),
    }
    cases = []
    for name, kw in VARIANTS:
        base = logits if kw.get("from_logits") else probs
        for tname, tgt in (("float32 targets", y), ("bool targets", yb)):
            x1 = base.clone().requires_grad_(True)
            x2 = base.clone().requires_grad_(True)
            ours, ref = _fwd_bwd(soft_fbeta_loss, x1, tgt, kw), _fwd_bwd(soft_fbeta_loss_reference, x2, tgt, kw)
            l1, l2 = ours(), ref()
            torch.testing.assert_close(l1, l2, rtol=1e-5, atol=1e-6)
            scale = x2.grad.abs().max()
            torch.testing.assert_close(x1.grad / scale, x2.grad / scale, rtol=1e-4, atol=1e-5)
            label = f"{name}, {tname}"
            fns[f"ours {label}"], fns[f"ref {label}"] = ours, ref
            cases.append(label)
    fns.update(_lock_pair(probs, y))
    t = _interleaved(fns, repeat)
    floor = min(t["torch.add"][0], t["np.add"][0])
    floor_alloc = t["alloc"][0]
    print(f"\n{n} x {L} float32  (load {_load()})")
    print(
        f"  memory floor (read x, y once, write g once): {floor:.2f} ms"
        f"  [torch.add {t['torch.add'][0]:.2f}, np.add {t['np.add'][0]:.2f}]"
    )
    print(f"  floor + allocation (torch.add(x, y), fresh output): {floor_alloc:.2f} ms")
    print(f"  {'variant':<40} {'f1tune ms':>10} {'torch ms':>10} {'speedup':>8} {'/floor':>7} {'/floor+alloc':>13}")
    from f1tune._kernels.soft_fbeta import SERIAL_BELOW

    locked, unlocked = t["lock: with"][0], t["lock: without"][0]
    print(
        f"  lock overhead, probabilities/float32 targets: {locked:.2f} ms with, {unlocked:.2f} ms without"
        f" -> {locked / unlocked:.3f}x (median {t['lock: with'][1] / t['lock: without'][1]:.3f}x)"
        + ("" if n * L >= SERIAL_BELOW else "  [serial kernels here: no lock taken, the ratio is noise]")
    )
    rows = []
    for label in cases:
        t_ours, t_ref = t[f"ours {label}"], t[f"ref {label}"]
        print(
            f"  {label:<40} {t_ours[0]:>10.2f} {t_ref[0]:>10.2f} {t_ref[0] / t_ours[0]:>7.1f}x {t_ours[0] / floor:>6.2f}x"
            f" {t_ours[0] / floor_alloc:>12.2f}x   (median {t_ours[1]:.2f} / {t_ref[1]:.2f})"
        )
        rows.append((f"{n}x{L} {label}", t_ref[0] / t_ours[0], t_ours[0] / floor, t_ours[0] / floor_alloc))
    return rows


def jit_times(cold: bool) -> None:
    """First call after import in a fresh interpreter: twice on the current cache (warm), optionally cold first."""
    runs = []
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as cache:
        if cold:
            env_cold = dict(env, NUMBA_CACHE_DIR=cache)
            out = subprocess.run(
                [sys.executable, "-c", JIT_SNIPPET], env=env_cold, capture_output=True, text=True, check=True
            )
            runs.append(("cold cache (compile)", out.stdout.split()))
        for i in range(2):
            out = subprocess.run(
                [sys.executable, "-c", JIT_SNIPPET], env=env, capture_output=True, text=True, check=True
            )
            runs.append((f"warm cache, run {i + 1}", out.stdout.split()))
    print("\nfirst call after import, fresh interpreter (probabilities + logits, forward+backward):")
    for name, (t_import, t_first) in runs:
        print(
            f"  {name:<24} import torch+f1tune.torch {float(t_import):.2f} s, first calls (numba load/JIT) {float(t_first):.2f} s"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="small sizes, for a quick check")
    ap.add_argument("--repeat", type=int, default=25)
    ap.add_argument("--jit-cold", action="store_true", help="also time a first call with an empty numba cache")
    ap.add_argument("--no-jit", action="store_true", help="skip the first-call timing")
    ap.add_argument("--threads", type=int, default=None, help="threads for torch and numba (default: all)")
    args = ap.parse_args()

    import numba

    if args.threads:
        torch.set_num_threads(args.threads)
        numba.set_num_threads(args.threads)

    print(
        f"torch {torch.__version__} ({torch.get_num_threads()} threads), numba {numba.__version__} ({numba.get_num_threads()} threads), {os.cpu_count()} CPUs"
    )
    sizes = [(512, 200), (8192, 20)] if args.small else [(4096, 1000), (65536, 100)]
    rows = []
    for n, L in sizes:
        rows += bench_size(n, L, args.repeat)
    print(
        "\nsummary: speedup over plain torch (goal >= 5x), time / memory floor (goal <= 2x), time / (floor + allocation)"
    )
    for label, speedup, floor, floor_alloc in rows:
        print(f"  {label:<58} {speedup:5.1f}x  {floor:5.2f}x  {floor_alloc:5.2f}x")
    if not args.no_jit:
        jit_times(args.jit_cold)


if __name__ == "__main__":
    main()
