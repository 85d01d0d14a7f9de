"""The honest speed floor: a multi-threaded read pass over exactly the bytes an operation reads.

An operation on scores and labels must at least read every byte of both once. This module times
that and nothing more: a numba ``prange`` kernel ORs the bytes of every input on all cores (an OR
reduction vectorizes and keeps no data dependency on memory), so no memory-bound kernel can beat it.
NumPy's ``S.sum() + Y.sum()`` is single-threaded and is *not* a floor; ``check_floor`` asserts
that this pass is faster than it.
"""

from __future__ import annotations

import os
from typing import Any

# numba's OpenMP workers spin for a while after each parallel region (GNU libgomp's default
# wait policy); timed round-robin on a 2-core machine, those spinning threads steal the cores of
# whatever runs next (f1tune's own threads), which made f1tune look up to ~20% slower next to
# the floor. Passive waiting is read when libgomp starts, i.e. at the first parallel kernel, so
# it is set here, before any (a value the user set wins).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba  # noqa: E402  (after the wait policy above)
import numpy as np

from _timing import interleaved


@numba.njit(parallel=True, cache=True)
def _or_bytes(buf: np.ndarray, n_chunks: int) -> int:  # pragma: no cover - compiled
    n = buf.size
    step = ((n + n_chunks - 1) // n_chunks + 63) // 64 * 64  # chunks start 64-byte aligned
    part = np.zeros(n_chunks, dtype=np.uint64)
    for c in numba.prange(n_chunks):
        a = min(n, c * step)
        b = min(n, a + step)
        acc = np.uint64(0)
        # 8 bytes at a time where aligned, the tail byte by byte
        words = (b - a) // 8
        w = buf[a : a + words * 8].view(np.uint64)
        for i in range(words):
            acc |= w[i]
        for i in range(a + words * 8, b):
            acc |= np.uint64(buf[i])
        part[c] = acc
    out = np.uint64(0)
    for c in range(n_chunks):
        out |= part[c]
    return out


def _flat_bytes(a: np.ndarray) -> np.ndarray:
    """The array's memory as a flat uint8 view (C or Fortran contiguous), never a copy."""
    if not (a.flags.c_contiguous or a.flags.f_contiguous):
        raise ValueError(f"read pass: expected a contiguous array, got strides {a.strides}")
    flat = a.ravel(order="K")  # a view for contiguous arrays
    assert np.shares_memory(flat, a)
    return flat.view(np.uint8)


def read_pass(*arrays: np.ndarray) -> int:
    """Read every byte of ``arrays`` once on all cores; returns the OR of their 64-bit words."""
    chunks = 8 * numba.get_num_threads()
    out = 0
    for a in arrays:
        buf = _flat_bytes(a)
        out |= int(_or_bytes(buf, chunks)) if buf.size >= 8 * chunks else int(np.bitwise_or.reduce(buf, initial=0))
    return out


def check_floor(S: np.ndarray, Y: np.ndarray, rounds: int = 5) -> dict[str, float]:
    """Best times of the read pass and of NumPy's single-threaded sums, interleaved; asserts the pass wins."""
    read_pass(S, Y)  # compile (or load from cache) outside the timing
    t: dict[str, Any] = interleaved(
        {"floor": lambda: read_pass(S, Y), "numpy_sums": lambda: (S.sum(), Y.sum())}, rounds=rounds
    )
    times = {k: v[0] for k, v in t.items()}
    if not times["floor"] < times["numpy_sums"]:
        raise AssertionError(
            f"the read pass ({times['floor']:.4f} s) is not faster than NumPy's sums ({times['numpy_sums']:.4f} s)"
        )
    return times
