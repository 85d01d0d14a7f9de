"""F-beta from confusion counts, with scikit-learn's averaging and zero_division rules.

All functions are vectorized over a leading axis of T threshold settings.
"""

from __future__ import annotations

import numpy as np

from f1tune._validation import warn_undefined


def per_label_fbeta(
    tp: np.ndarray, pp: np.ndarray, pos: np.ndarray, beta: float, zero_division: float
) -> tuple[np.ndarray, bool]:
    """F-beta per entry: ``(1+b²)tp / (b²·pos + pp)``, ``zero_division`` where that is 0/0.

    Returns the scores and whether any was undefined.
    """
    b2 = beta * beta
    denom = b2 * pos.astype(np.float64) + pp
    undefined = denom == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        f = (1.0 + b2) * tp / denom
    f[undefined] = zero_division
    return f, bool(undefined.any())


def average_fbeta(
    tp: np.ndarray,
    pp: np.ndarray,
    pos: np.ndarray,
    *,
    beta: float,
    average: str | None,
    zero_division: float,
    warn: bool = False,
) -> np.ndarray:
    """Average per-label counts of shape (T, L) into F-beta of shape (T,), or (T, L) for ``average=None``.

    ``average`` is "micro", "macro", "weighted" or None (as scikit-learn); NaN per-label scores
    (``zero_division=np.nan``) are left out of the macro and weighted means.
    """
    if average == "micro":
        f, undefined = per_label_fbeta(tp.sum(axis=-1), pp.sum(axis=-1), pos.sum(axis=-1), beta, zero_division)
    else:
        f, undefined = per_label_fbeta(tp, pp, np.broadcast_to(pos, tp.shape), beta, zero_division)
        if average in ("macro", "weighted"):
            f = _nan_average(f, np.broadcast_to(pos, tp.shape) if average == "weighted" else None)
    if warn and undefined:
        warn_undefined("F-score")
    return f


def _nan_average(f: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Row-wise average ignoring NaN; all-zero weights fall back to the plain mean (as scikit-learn)."""
    defined = ~np.isnan(f)
    w = defined.astype(np.float64) if weights is None else np.where(defined, weights, 0).astype(np.float64)
    w_sum = w.sum(axis=-1)
    plain = defined.sum(axis=-1)
    use_plain = w_sum == 0
    w = np.where(use_plain[..., None], defined, w)
    w_sum = np.where(use_plain, plain, w_sum)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(w_sum > 0, (np.where(defined, f, 0.0) * w).sum(axis=-1) / w_sum, np.nan)


def samples_fbeta(
    fbeta_sum: np.ndarray, n_undefined: np.ndarray, n_samples: int, zero_division: float, warn: bool = False
) -> np.ndarray:
    """Mean per-sample F-beta from the kernel's sums, with ``zero_division`` for undefined rows."""
    if warn and n_undefined.any():
        warn_undefined("F-score")
    if np.isnan(zero_division):
        defined = n_samples - n_undefined
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(defined > 0, fbeta_sum / defined, np.nan)
    return (fbeta_sum + zero_division * n_undefined) / n_samples
