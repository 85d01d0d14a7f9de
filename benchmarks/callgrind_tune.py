"""Instruction counts of the tuning kernels under callgrind (repeatable, unlike wall time here).

Usage::

    python benchmarks/callgrind_tune.py make DIR          # write the 200k x 100 float32 input once
    valgrind --tool=callgrind --callgrind-out-file=OUT --toggle-collect='*tune_micro*' \\
        python benchmarks/callgrind_tune.py run DIR micro  # count one kernel (1 thread)
    python benchmarks/callgrind_tune.py compare A.out B.out   # ratio of the totals

Run it on two builds of ``_core`` (before and after a change) and compare the totals: only the
kernel named by ``--toggle-collect`` is counted, not the loading or the data generation.
"""

from __future__ import annotations

import re
import sys
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


def run(folder: Path, average: str) -> None:
    """Call one tuning kernel of ``_core`` on the stored input, single-threaded."""
    from f1tune import _core

    y, s = np.load(folder / "y.npy"), np.load(folder / "s.npy")
    kernel = {"macro": _core.tune_per_label, "micro": _core.tune_micro, "global": _core.tune_global}[average]
    r = kernel(y, s, 1.0, 0.0, 1)
    print(average, "sum of thresholds", float(np.sum(r.thresholds)), "tp", int(r.tp.sum()), "pp", int(r.pp.sum()))


def total(path: str) -> int:
    """The instruction total of a callgrind output file."""
    text = Path(path).read_text()
    m = re.search(r"^(?:summary|totals):\s*(\d+)", text, re.MULTILINE)
    if m is None:
        raise ValueError(f"{path}: no totals line")
    return int(m.group(1))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "make":
        make(Path(sys.argv[2]))
    elif cmd == "run":
        run(Path(sys.argv[2]), sys.argv[3])
    elif cmd == "compare":
        a, b = total(sys.argv[2]), total(sys.argv[3])
        print(f"{sys.argv[2]}: {a:,}  {sys.argv[3]}: {b:,}  ratio {b / a:.4f}")
    else:
        raise SystemExit(__doc__)
