"""Instruction counts of the tuning kernels under callgrind (repeatable, unlike wall time here).

Usage::

    python benchmarks/callgrind_tune.py make DIR                # the 200k x 100 float32 input, once
    python benchmarks/callgrind_tune.py measure DIR A.so B.so   # kernels of two builds of _core
    python benchmarks/callgrind_tune.py wall A.so B.so [ROUNDS [THREADS]]  # wall ratios, 1M x 100

``measure`` runs each kernel (1 thread) of each build under ``valgrind --tool=callgrind`` and
subtracts a control run that loads the same input and module without calling a kernel (the
installed module is stripped, so no symbol can delimit the kernel). Counts are repeatable on a
busy machine, unlike wall time; it prints each kernel's instructions and the ratio B / A.

``wall`` times the kernels of both builds on bench_thresholds' 1,000,000 x 100 float32 data (all
threads, or THREADS) and a read pass over it (the floor, all threads): one long-lived process per build (a process cannot
load two builds of the module), asked in turn, round-robin, best of the rounds.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N_ROWS, N_LABELS = 200_000, 100


def make(folder: Path) -> None:
    """Write y (int8) and s (C-order float32) of shape (N_ROWS, N_LABELS) to ``folder``."""
    rng = np.random.default_rng(0)
    y = (rng.random((N_ROWS, N_LABELS)) < 0.2).astype(np.int8)
    s = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1).astype(np.float32)
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "y.npy", y)
    np.save(folder / "s.npy", s)


def load_core(path: str):
    """The compiled module at ``path`` (any build of f1tune._core)."""
    spec = importlib.util.spec_from_file_location("f1tune._core", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(folder: Path, average: str, core_path: str) -> None:
    """Call one tuning kernel ("control": none) of the module at ``core_path``, single-threaded."""
    _core = load_core(core_path)
    y, s = np.load(folder / "y.npy"), np.load(folder / "s.npy")
    if average == "control":
        return
    kernel = {"macro": _core.tune_per_label, "micro": _core.tune_micro, "global": _core.tune_global}[average]
    r = kernel(y, s, 1.0, 0.0, 1)
    print(average, "sum of thresholds", float(np.sum(r.thresholds)), "tp", int(r.tp.sum()), "pp", int(r.pp.sum()))


def count(folder: Path, average: str, core_path: str) -> int:
    """Instructions of one ``run`` under callgrind (whole process)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__]
        subprocess.run(
            [*cmd, "run", str(folder), average, core_path],
            check=True,
            env={**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return total(out)


def measure(folder: Path, before: str, after: str) -> None:
    """Print each kernel's instruction count for both builds and the ratio after / before."""
    base = {core: count(folder, "control", core) for core in (before, after)}
    for average in ("macro", "micro", "global"):
        a = count(folder, average, before) - base[before]
        b = count(folder, average, after) - base[after]
        print(f"{average:7s} before {a:>15,}  after {b:>15,}  ratio {b / a:.4f}", flush=True)


def total(path: str) -> int:
    """The instruction total of a callgrind output file."""
    text = Path(path).read_text()
    m = re.search(r"^(?:summary|totals):\s*(\d+)", text, re.MULTILINE)
    if m is None:
        raise ValueError(f"{path}: no totals line")
    return int(m.group(1))


KERNELS = ("floor", "histogram", "macro", "micro", "global", "histogram F", "macro F")


def serve(core_path: str, threads: int) -> None:
    """Child of ``wall``: build the data, then time the kernel named on each stdin line."""
    # This build first, as f1tune._core, before anything imports f1tune (which would load the
    # installed build, and a process keeps the first build it loads).
    _core = load_core(core_path)
    sys.modules["f1tune._core"] = _core
    from _floor import read_pass  # noqa: PLC0415 - numba, only here
    from bench_thresholds import make_data  # noqa: PLC0415
    from f1tune import _native  # noqa: PLC0415

    assert _native._core is _core, "the build under test must be the one f1tune uses"
    S, Y = make_data(1_000_000, 100)
    SF, YF = np.asfortranarray(S), np.asfortranarray(Y)
    fns = {
        "floor": lambda: read_pass(S, Y),
        "histogram": lambda: _core.tuner_histograms(Y, S, 0.0, 1.0, 2048, threads),  # the pass alone
        "macro": lambda: _core.tune_per_label(Y, S, 1.0, 0.0, threads),
        "micro": lambda: _core.tune_micro(Y, S, 1.0, 0.0, threads),
        "global": lambda: _core.tune_global(Y, S, 1.0, 0.0, threads),
        "histogram F": lambda: _core.tuner_histograms(YF, SF, 0.0, 1.0, 2048, threads),  # Fortran order
        "macro F": lambda: _core.tune_per_label(YF, SF, 1.0, 0.0, threads),
    }
    for f in fns.values():
        f()
    print("ready", flush=True)
    for line in sys.stdin:
        t0 = time.perf_counter()
        fns[line.strip()]()
        print(time.perf_counter() - t0, flush=True)


def wall(before: str, after: str, rounds: int = 7, threads: int = 0) -> None:
    """Print the best time of each kernel per build (as a ratio to the floor) and after / before."""
    here = os.path.dirname(os.path.abspath(__file__))
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "serve", core, str(threads)],
            cwd=here,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for core in (before, after)
    ]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    best = [dict.fromkeys(KERNELS, float("inf")) for _ in procs]
    for _ in range(rounds):
        for k in KERNELS:
            for i, p in enumerate(procs):
                assert p.stdin is not None and p.stdout is not None
                p.stdin.write(k + "\n")
                p.stdin.flush()
                best[i][k] = min(best[i][k], float(p.stdout.readline()))
    for p in procs:
        assert p.stdin is not None
        p.stdin.close()
        p.wait()
    floor = min(b["floor"] for b in best)
    print(f"floor {floor * 1e3:.1f} ms (best of both processes)")
    for k in KERNELS[1:]:
        a, b = best[0][k], best[1][k]
        print(f"{k:11s} before {a / floor:5.2f}x floor  after {b / floor:5.2f}x floor  after/before {b / a:.3f}")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "make":
        make(Path(sys.argv[2]))
    elif cmd == "run":
        run(Path(sys.argv[2]), sys.argv[3], sys.argv[4])
    elif cmd == "measure":
        measure(Path(sys.argv[2]), sys.argv[3], sys.argv[4])
    elif cmd == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    elif cmd == "wall":
        wall(sys.argv[2], sys.argv[3], *(int(a) for a in sys.argv[4:6]))
    else:
        raise SystemExit(__doc__)
