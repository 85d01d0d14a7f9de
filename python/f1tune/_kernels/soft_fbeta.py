"""Fused numba kernels for soft F-beta: per-label soft counts (forward) and their gradient (backward).

Soft counts of one label j over a batch of n rows, with probabilities ``p`` and targets ``y``::

    S_py[j] = sum_i p[i, j] * y[i, j]      (soft true positives)
    S_p[j]  = sum_i p[i, j]                (soft predicted positives)
    S_y[j]  = sum_i y[i, j]                (positives)

Every soft F-beta variant (macro, micro, double) is a function of these three sums (and n), so
the gradient of any loss built on them is, per label, a blend of two values, the gradient at
``y = 0`` and the gradient at ``y = 1``::

    dL/dp[i, j] = g0[j] * (1 - y[i, j]) + g1[j] * y[i, j]

and, for logits z with p = sigmoid(slope * (z + offset)), times ``slope * p * (1 - p)``. (Not
``a + b * y``: for the double soft-F1 near p = 1, ``a`` and ``b`` are huge and cancel, while g0
and g1 are each well scaled, and 0/1 targets pick exactly one.)

Each pass comes in two builds: a serial one for batches below :data:`SERIAL_BELOW` elements
(quick to compile, no thread start-up, safe to call from any number of Python threads) and a
parallel one (``prange`` over row blocks; numba's workqueue layer aborts on concurrent use, so
these run under :data:`PARALLEL_LOCK`). Both share the row-block loops below. Kernels compile
lazily, for the dtypes actually used, and are cached on disk (``cache=True``).

Forward: each row block accumulates float64 partial sums per label (contiguous inner loop over
labels, vectorised), reduced after. The same pass tracks ``max |v - 0.5|`` per label (> 0.5 iff
some probability or target lies outside [0, 1]); NaN shows up in the sums. Backward: one pass
writing the gradient. Logits go through a vectorisable sigmoid (:mod:`f1tune._kernels._vecmath`);
the forward stores p and the backward reads it (measured faster than recomputing the sigmoid).

Inputs are C-contiguous 2-D arrays; scores float32 or float64, targets of the same float dtype
or uint8 (bool targets viewed as uint8, no copy). Sums are float64 whatever the input dtype.
"""

from __future__ import annotations

import threading
from typing import Any

import numba
import numpy as np
from numba import njit, prange

from f1tune._kernels._vecmath import cast_like, sigmoid

# contract: fma. No reassoc (the sigmoid's range reduction depends on evaluation order; the
# loops vectorise along labels without it), no nnan/ninf: NaN and inf must keep their meaning
# (NaN detection, sigmoid of infinite logits). error_model="numpy": no Python zero-division
# checks, which would block SIMD.
_FASTMATH = {"contract", "nsz", "arcp"}
_COMMON: dict[str, Any] = {"cache": True, "fastmath": _FASTMATH, "nogil": True, "error_model": "numpy"}
_SERIAL: dict[str, Any] = dict(_COMMON)
_PARALLEL: dict[str, Any] = dict(_COMMON, parallel=True)

# Rows per block: partial sums of 4 rows in the input dtype (error ~2 ulp of the input, the
# order of the inputs' own rounding), written to small buffers, then added to the float64
# accumulators in a second, short loop. The main loop then runs at the full SIMD width of the
# input dtype, and float64 conversions and accumulator traffic drop 4x; the label loop stays
# innermost and contiguous.
_BLOCK = 4

# Below this many elements a pass takes ~100 us on one core: run it serially on the calling
# thread. Waking a second thread costs more than it saves there, and on a busy machine a parallel
# region can wait a whole scheduler time slice (~ms) for its second thread.
SERIAL_BELOW = 1 << 18

# numba's workqueue threading layer aborts the process when two Python threads launch parallel
# kernels at once; the parallel kernels use every core anyway, so running them one at a time
# costs nothing. Serial kernels need no lock.
PARALLEL_LOCK = threading.Lock()


@njit(inline="always", **_COMMON)
def _accumulate(s_py, s_p, s_y, t_py, t_p, t_y):  # pragma: no cover - compiled
    """Add one block's partial sums (input dtype) to the float64 accumulators."""
    for j in range(s_py.shape[0]):
        s_py[j] += np.float64(t_py[j])
        s_p[j] += np.float64(t_p[j])
        s_y[j] += np.float64(t_y[j])


@njit(inline="always", **_COMMON)
def _counts_rows(p, y, lo, hi, s_py, s_p, s_y, d):  # pragma: no cover - compiled
    """Soft counts of rows ``lo:hi`` of probabilities ``p`` into ``s_*``, ``max |v - 0.5|`` into ``d``."""
    n_labels = p.shape[1]
    half = cast_like(0.5, p[0, 0])  # 0.5 in the input dtype
    t_py, t_p, t_y = np.empty_like(d), np.empty_like(d), np.empty_like(d)
    i = lo
    while i + _BLOCK <= hi:
        for j in range(n_labels):  # input dtype only: full SIMD width
            p0, p1, p2, p3 = p[i, j], p[i + 1, j], p[i + 2, j], p[i + 3, j]
            y0, y1 = cast_like(y[i, j], half), cast_like(y[i + 1, j], half)
            y2, y3 = cast_like(y[i + 2, j], half), cast_like(y[i + 3, j], half)
            t_py[j] = (p0 * y0 + p1 * y1) + (p2 * y2 + p3 * y3)
            t_p[j] = (p0 + p1) + (p2 + p3)
            t_y[j] = (y0 + y1) + (y2 + y3)
            a = max(max(abs(p0 - half), abs(p1 - half)), max(abs(p2 - half), abs(p3 - half)))
            b = max(max(abs(y0 - half), abs(y1 - half)), max(abs(y2 - half), abs(y3 - half)))
            a = max(a, b)
            d[j] = a if a > d[j] else d[j]
        _accumulate(s_py, s_p, s_y, t_py, t_p, t_y)
        i += _BLOCK
    while i < hi:
        for j in range(n_labels):
            p0, y0 = p[i, j], cast_like(y[i, j], half)
            s_py[j] += np.float64(p0 * y0)
            s_p[j] += np.float64(p0)
            s_y[j] += np.float64(y0)
            a = max(abs(p0 - half), abs(y0 - half))
            d[j] = a if a > d[j] else d[j]
        i += 1


@njit(inline="always", **_COMMON)
def _counts_logits_rows(z, y, slope, offset, lo, hi, s_py, s_p, s_y, d, p_out):  # pragma: no cover - compiled
    """Like :func:`_counts_rows` with ``p = sigmoid(slope * (z + offset))`` written to ``p_out``; ``d`` checks y only."""
    n_labels = z.shape[1]
    half = cast_like(0.5, z[0, 0])
    a_ = cast_like(slope, half)
    b_ = cast_like(offset, half)
    t_py, t_p, t_y = np.empty_like(d), np.empty_like(d), np.empty_like(d)
    i = lo
    while i + _BLOCK <= hi:
        for j in range(n_labels):
            p0 = sigmoid(a_ * (z[i, j] + b_))
            p1 = sigmoid(a_ * (z[i + 1, j] + b_))
            p2 = sigmoid(a_ * (z[i + 2, j] + b_))
            p3 = sigmoid(a_ * (z[i + 3, j] + b_))
            p_out[i, j], p_out[i + 1, j], p_out[i + 2, j], p_out[i + 3, j] = p0, p1, p2, p3
            y0, y1 = cast_like(y[i, j], half), cast_like(y[i + 1, j], half)
            y2, y3 = cast_like(y[i + 2, j], half), cast_like(y[i + 3, j], half)
            t_py[j] = (p0 * y0 + p1 * y1) + (p2 * y2 + p3 * y3)
            t_p[j] = (p0 + p1) + (p2 + p3)
            t_y[j] = (y0 + y1) + (y2 + y3)
            b = max(max(abs(y0 - half), abs(y1 - half)), max(abs(y2 - half), abs(y3 - half)))
            d[j] = b if b > d[j] else d[j]
        _accumulate(s_py, s_p, s_y, t_py, t_p, t_y)
        i += _BLOCK
    while i < hi:
        for j in range(n_labels):
            p0, y0 = sigmoid(a_ * (z[i, j] + b_)), cast_like(y[i, j], half)
            p_out[i, j] = p0
            s_py[j] += np.float64(p0 * y0)
            s_p[j] += np.float64(p0)
            s_y[j] += np.float64(y0)
            b = abs(y0 - half)
            d[j] = b if b > d[j] else d[j]
        i += 1


@njit(inline="always", **_COMMON)
def _grad_rows(y, g0, g1, out, lo, hi):  # pragma: no cover - compiled
    """Rows ``lo:hi`` of ``out[i, j] = g0[j] * (1 - y[i, j]) + g1[j] * y[i, j]``."""
    one = cast_like(1.0, g0[0])
    for i in range(lo, hi):
        for j in range(y.shape[1]):
            yij = cast_like(y[i, j], one)
            out[i, j] = g0[j] * (one - yij) + g1[j] * yij


@njit(inline="always", **_COMMON)
def _grad_logits_rows(p, y, g0, g1, slope, out, lo, hi):  # pragma: no cover - compiled
    """Rows ``lo:hi`` of ``out = (g0 (1 - y) + g1 y) * slope * p * (1 - p)``, ``p`` the stored probabilities."""
    one = cast_like(1.0, p[0, 0])
    a_ = cast_like(slope, one)
    for i in range(lo, hi):
        for j in range(p.shape[1]):
            pij, yij = p[i, j], cast_like(y[i, j], one)
            out[i, j] = (g0[j] * (one - yij) + g1[j] * yij) * (a_ * pij * (one - pij))


# Serial builds: one block over all rows.
@njit(**_SERIAL)
def soft_counts_serial(p, y, sums, dev):  # pragma: no cover - compiled
    """Soft counts of all rows into ``sums[0]`` (3, L) and ``dev[0]`` (L,), both zeroed by the caller."""
    _counts_rows(p, y, 0, p.shape[0], sums[0, 0], sums[0, 1], sums[0, 2], dev[0])


@njit(**_SERIAL)
def soft_counts_logits_serial(z, y, slope, offset, sums, dev, p_out):  # pragma: no cover - compiled
    """Logits version of :func:`soft_counts_serial`; writes the probabilities to ``p_out``."""
    _counts_logits_rows(z, y, slope, offset, 0, z.shape[0], sums[0, 0], sums[0, 1], sums[0, 2], dev[0], p_out)


@njit(**_SERIAL)
def soft_grad_serial(y, g0, g1, out):  # pragma: no cover - compiled
    """Gradient with respect to probabilities, all rows."""
    _grad_rows(y, g0, g1, out, 0, y.shape[0])


@njit(**_SERIAL)
def soft_grad_logits_serial(p, y, g0, g1, slope, out):  # pragma: no cover - compiled
    """Gradient with respect to logits, all rows."""
    _grad_logits_rows(p, y, g0, g1, slope, out, 0, p.shape[0])


# Parallel builds: row block c of n_chunks goes to sums[c], dev[c].
@njit(**_PARALLEL)
def soft_counts_parallel(p, y, sums, dev):  # pragma: no cover - compiled
    """Soft counts, one row block per entry of ``sums`` (n_chunks, 3, L) and ``dev`` (n_chunks, L)."""
    n = p.shape[0]
    n_chunks = sums.shape[0]
    for c in prange(n_chunks):
        _counts_rows(p, y, c * n // n_chunks, (c + 1) * n // n_chunks, sums[c, 0], sums[c, 1], sums[c, 2], dev[c])


@njit(**_PARALLEL)
def soft_counts_logits_parallel(z, y, slope, offset, sums, dev, p_out):  # pragma: no cover - compiled
    """Logits version of :func:`soft_counts_parallel`; writes the probabilities to ``p_out``."""
    n = z.shape[0]
    n_chunks = sums.shape[0]
    for c in prange(n_chunks):
        lo, hi = c * n // n_chunks, (c + 1) * n // n_chunks
        _counts_logits_rows(z, y, slope, offset, lo, hi, sums[c, 0], sums[c, 1], sums[c, 2], dev[c], p_out)


@njit(**_PARALLEL)
def soft_grad_parallel(y, g0, g1, out):  # pragma: no cover - compiled
    """Gradient with respect to probabilities, rows in parallel."""
    for i in prange(y.shape[0]):
        _grad_rows(y, g0, g1, out, i, i + 1)


@njit(**_PARALLEL)
def soft_grad_logits_parallel(p, y, g0, g1, slope, out):  # pragma: no cover - compiled
    """Gradient with respect to logits, rows in parallel."""
    for i in prange(p.shape[0]):
        _grad_logits_rows(p, y, g0, g1, slope, out, i, i + 1)


def n_chunks_for(n_rows: int, n_threads: int | None = None) -> int:
    """Return the number of row blocks for the parallel forward pass: one per thread, at most one per row."""
    return max(1, min(numba.get_num_threads() if n_threads is None else n_threads, n_rows))


def soft_counts(
    x: np.ndarray,
    y: np.ndarray,
    from_logits: bool = False,
    slope: float = 1.0,
    offset: float = 0.0,
    p_out: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Return the soft counts ``(S_py, S_p, S_y)`` as a float64 array of shape (3, L) and the range violation.

    ``x`` holds probabilities, or logits when ``from_logits``; both inputs are C-contiguous of
    shape (n, L). The violation is > 0 iff a target (or, for probabilities, a score) lies
    outside [0, 1]; NaN inputs make the corresponding sums NaN. With ``from_logits`` the
    probabilities are written to ``p_out`` (allocated if not given), for :func:`soft_grad`.
    Safe to call from several threads at once.
    """
    serial = x.size < SERIAL_BELOW
    chunks = 1 if serial else n_chunks_for(x.shape[0])
    sums = np.zeros((chunks, 3, x.shape[1]), dtype=np.float64)
    dev = np.zeros((chunks, x.shape[1]), dtype=x.dtype)
    if from_logits and p_out is None:
        p_out = np.empty_like(x)
    if serial:
        if from_logits:
            soft_counts_logits_serial(x, y, float(slope), float(offset), sums, dev, p_out)
        else:
            soft_counts_serial(x, y, sums, dev)
    else:
        with PARALLEL_LOCK:
            if from_logits:
                soft_counts_logits_parallel(x, y, float(slope), float(offset), sums, dev, p_out)
            else:
                soft_counts_parallel(x, y, sums, dev)
    return sums.sum(axis=0), max(float(dev.max()) - 0.5, 0.0)


def _coefficients(g: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``g`` in ``dtype``, saturated to its finite range (a coefficient that no target selects must not become inf * 0)."""
    big = np.finfo(dtype).max
    return np.ascontiguousarray(np.clip(g, -big, big), dtype=dtype)


def soft_grad(
    p: np.ndarray,
    y: np.ndarray,
    g0: np.ndarray,
    g1: np.ndarray,
    out: np.ndarray,
    from_logits: bool = False,
    slope: float = 1.0,
) -> None:
    """Write into ``out`` the gradient of a loss with respect to the scores: ``g0 (1 - y) + g1 y`` per label.

    ``p``: the probabilities (for logits, those :func:`soft_counts` stored). ``g0`` and ``g1``
    (shape (L,)) are dL/dp at ``y = 0`` and at ``y = 1``; they are cast to ``p``'s dtype,
    saturating at its largest finite value. With ``from_logits`` the gradient is with respect
    to the logits. Safe to call from several threads at once.
    """
    a = _coefficients(g0, p.dtype)
    b = _coefficients(g1, p.dtype)
    if p.size < SERIAL_BELOW:
        if from_logits:
            soft_grad_logits_serial(p, y, a, b, float(slope), out)
        else:
            soft_grad_serial(y, a, b, out)
        return
    with PARALLEL_LOCK:
        if from_logits:
            soft_grad_logits_parallel(p, y, a, b, float(slope), out)
        else:
            soft_grad_parallel(y, a, b, out)
