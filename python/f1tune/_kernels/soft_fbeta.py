"""Fused numba kernels for soft F-beta: per-label soft counts (forward) and their gradient (backward).

Soft counts of one label j over a batch of n rows, with probabilities ``p`` and targets ``y``::

    S_py[j] = sum_i p[i, j] * y[i, j]      (soft true positives)
    S_p[j]  = sum_i p[i, j]                (soft predicted positives)
    S_y[j]  = sum_i y[i, j]                (positives)

Every soft F-beta variant (macro, micro, double) is a function of these three sums (and n), so
the backward of any loss built on them is, per label, affine in y::

    dL/dp[i, j] = dL/dS_p[j] + dL/dS_py[j] * y[i, j]

and, for logits z with p = sigmoid(slope * (z + offset)), times ``slope * p * (1 - p)``.

Forward: one parallel pass over row blocks, one block per thread, each thread accumulating
float64 partial sums per label (contiguous inner loop over labels, vectorised), reduced after.
The same pass accumulates a range-violation measure (> 0 iff some probability or target lies
outside [0, 1]); NaN shows up in the sums. Backward: one parallel pass writing the gradient.

Inputs are C-contiguous 2-D arrays; scores float32 or float64, targets of the same float dtype
or uint8 (bool targets viewed as uint8, no copy). Sums are float64 whatever the input dtype.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import float32, float64, njit, prange, uint8, void

# reassoc: vectorised sums; contract: fma. No nnan/ninf: NaN and inf must keep their meaning
# (NaN detection, sigmoid of large logits), so fastmath=True is not used.
_FASTMATH = {"reassoc", "contract", "nsz", "arcp"}
_OPTS = {"cache": True, "parallel": True, "fastmath": _FASTMATH, "nogil": True}

# Row-major (n, L) arrays, C-contiguous.
_F32 = float32[:, ::1]
_F64 = float64[:, ::1]
_U8 = uint8[:, ::1]
_OUT = float64[:, :, ::1]  # (n_chunks, 4, L): S_py, S_p, S_y, range violation

_COUNTS_SIGS = [void(_F32, _F32, _OUT), void(_F32, _U8, _OUT), void(_F64, _F64, _OUT), void(_F64, _U8, _OUT)]
_COUNTS_LOGITS_SIGS = [
    void(_F32, _F32, float64, float64, _OUT),
    void(_F32, _U8, float64, float64, _OUT),
    void(_F64, _F64, float64, float64, _OUT),
    void(_F64, _U8, float64, float64, _OUT),
]
_GRAD_SIGS = [
    void(_F32, float32[::1], float32[::1], _F32),
    void(_U8, float32[::1], float32[::1], _F32),
    void(_F64, float64[::1], float64[::1], _F64),
    void(_U8, float64[::1], float64[::1], _F64),
]
_GRAD_LOGITS_SIGS = [
    void(_F32, _F32, float32[::1], float32[::1], float64, float64, _F32),
    void(_F32, _U8, float32[::1], float32[::1], float64, float64, _F32),
    void(_F64, _F64, float64[::1], float64[::1], float64, float64, _F64),
    void(_F64, _U8, float64[::1], float64[::1], float64, float64, _F64),
]


@njit(_COUNTS_SIGS, **_OPTS)
def soft_counts_kernel(p, y, out):  # pragma: no cover - compiled
    """Accumulate per-chunk soft counts of probabilities ``p`` into ``out`` (zeroed by the caller)."""
    n, n_labels = p.shape
    n_chunks = out.shape[0]
    for c in prange(n_chunks):
        lo = c * n // n_chunks
        hi = (c + 1) * n // n_chunks
        s_py = out[c, 0]
        s_p = out[c, 1]
        s_y = out[c, 2]
        bad = out[c, 3]
        for i in range(lo, hi):
            for j in range(n_labels):
                pij = np.float64(p[i, j])
                yij = np.float64(y[i, j])
                s_py[j] += pij * yij
                s_p[j] += pij
                s_y[j] += yij
                # > 0 iff outside [0, 1]; NaN compares false here but poisons s_p / s_y.
                vp = abs(pij - 0.5) - 0.5
                vy = abs(yij - 0.5) - 0.5
                bad[j] += (vp if vp > 0.0 else 0.0) + (vy if vy > 0.0 else 0.0)


@njit(_COUNTS_LOGITS_SIGS, **_OPTS)
def soft_counts_logits_kernel(z, y, slope, offset, out):  # pragma: no cover - compiled
    """Like :func:`soft_counts_kernel` with ``p = sigmoid(slope * (z + offset))`` computed on the fly."""
    n, n_labels = z.shape
    n_chunks = out.shape[0]
    for c in prange(n_chunks):
        lo = c * n // n_chunks
        hi = (c + 1) * n // n_chunks
        s_py = out[c, 0]
        s_p = out[c, 1]
        s_y = out[c, 2]
        bad = out[c, 3]
        for i in range(lo, hi):
            for j in range(n_labels):
                # 1 / (1 + exp(-t)) never produces NaN from a finite or infinite t: exp overflow
                # gives inf and p = 0 exactly; large t gives p = 1.
                pij = 1.0 / (1.0 + np.exp(-slope * (np.float64(z[i, j]) + offset)))
                yij = np.float64(y[i, j])
                s_py[j] += pij * yij
                s_p[j] += pij
                s_y[j] += yij
                vy = abs(yij - 0.5) - 0.5
                bad[j] += vy if vy > 0.0 else 0.0


@njit(_GRAD_SIGS, **_OPTS)
def soft_grad_kernel(y, a, b, out):  # pragma: no cover - compiled
    """Write ``out[i, j] = a[j] + b[j] * y[i, j]``: the gradient with respect to probabilities."""
    n, n_labels = y.shape
    for i in prange(n):
        for j in range(n_labels):
            out[i, j] = a[j] + b[j] * y[i, j]


@njit(_GRAD_LOGITS_SIGS, **_OPTS)
def soft_grad_logits_kernel(z, y, a, b, slope, offset, out):  # pragma: no cover - compiled
    """Write ``out[i, j] = (a[j] + b[j] * y[i, j]) * slope * p * (1 - p)``, p recomputed from ``z``."""
    n, n_labels = z.shape
    for i in prange(n):
        for j in range(n_labels):
            pij = 1.0 / (1.0 + np.exp(-slope * (np.float64(z[i, j]) + offset)))
            out[i, j] = (a[j] + b[j] * y[i, j]) * (slope * pij * (1.0 - pij))


def n_chunks_for(n_rows: int) -> int:
    """Number of row blocks for the forward pass: one per numba thread, at most one per row."""
    return max(1, min(numba.get_num_threads(), n_rows))


def soft_counts(
    x: np.ndarray, y: np.ndarray, from_logits: bool = False, slope: float = 1.0, offset: float = 0.0
) -> tuple[np.ndarray, float]:
    """Return the soft counts ``(S_py, S_p, S_y)`` as a float64 array of shape (3, L) and the range violation.

    ``x`` holds probabilities, or logits when ``from_logits``; both inputs are C-contiguous of
    shape (n, L). The violation is > 0 iff a target (or, for probabilities, a score) lies
    outside [0, 1]; NaN inputs make the corresponding sums NaN.
    """
    out = np.zeros((n_chunks_for(x.shape[0]), 4, x.shape[1]), dtype=np.float64)
    if from_logits:
        soft_counts_logits_kernel(x, y, float(slope), float(offset), out)
    else:
        soft_counts_kernel(x, y, out)
    total = out.sum(axis=0)
    return total[:3], float(total[3].sum())


def soft_grad(
    x: np.ndarray,
    y: np.ndarray,
    d_sp: np.ndarray,
    d_spy: np.ndarray,
    out: np.ndarray,
    from_logits: bool = False,
    slope: float = 1.0,
    offset: float = 0.0,
) -> None:
    """Write into ``out`` the gradient of a loss with respect to ``x`` given its gradients wrt the counts.

    ``d_sp`` and ``d_spy`` (shape (L,)) are dL/dS_p and dL/dS_py; they are cast to ``x``'s dtype.
    """
    a = np.ascontiguousarray(d_sp, dtype=x.dtype)
    b = np.ascontiguousarray(d_spy, dtype=x.dtype)
    if from_logits:
        soft_grad_logits_kernel(x, y, a, b, float(slope), float(offset), out)
    else:
        soft_grad_kernel(y, a, b, out)
