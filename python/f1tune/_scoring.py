"""F-beta from confusion counts, with scikit-learn's averaging and zero_division rules.

The one place F-beta is computed from counts: :func:`per_label_fbeta` is the formula,
:func:`score_fbeta` applies it once per call and averages. Arrays may carry a leading axis of T
threshold settings: counts of shape (..., n_labels), positives of shape (n_labels,).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from f1tune._validation import warn_undefined


def per_label_fbeta(
    tp: np.ndarray, pp: np.ndarray, pos: np.ndarray, beta: float, zero_division: float
) -> tuple[np.ndarray, bool]:
    """F-beta per entry: ``(1+b²)tp / (b²·pos + pp)``, ``zero_division`` where that is 0/0.

    Returns the scores and whether any was undefined.
    """
    b2 = beta * beta
    denom = np.asarray(b2 * pos.astype(np.float64) + pp)
    undefined = denom == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.asarray((1.0 + b2) * tp / denom)
    f[undefined] = zero_division
    return f, bool(undefined.any())


class Fbeta(NamedTuple):
    """F-beta of a set of counts: the score under an average, and per label when computed."""

    score: np.ndarray
    """Shape (...,), or (..., n_labels) for ``average=None``."""
    per_label: np.ndarray | None
    """Shape (..., n_labels); None for "micro" unless asked for."""


def score_fbeta(
    tp: np.ndarray,
    pp: np.ndarray,
    pos: np.ndarray,
    *,
    beta: float,
    average: str | None,
    zero_division: float,
    warn: bool = False,
    per_label: bool = False,
) -> Fbeta:
    """F-beta of counts ``tp``, ``pp`` of shape (..., L) under ``average``, each quantity computed once.

    ``average`` is "micro" (pooled counts), "macro", "weighted" or None (as scikit-learn); NaN
    per-label scores (``zero_division=np.nan``) are left out of the macro and weighted means.
    ``per_label`` also returns the per-label scores for "micro" (the other averages have them).
    ``warn`` warns when the score's own computation hit 0/0.
    """
    pos_b = np.broadcast_to(pos, tp.shape)
    labels = None
    if average == "micro":
        score, undefined = per_label_fbeta(tp.sum(axis=-1), pp.sum(axis=-1), pos_b.sum(axis=-1), beta, zero_division)
        if per_label:
            labels, _ = per_label_fbeta(tp, pp, pos_b, beta, zero_division)
    else:
        labels, undefined = per_label_fbeta(tp, pp, pos_b, beta, zero_division)
        score = labels if average is None else _nan_average(labels, pos_b if average == "weighted" else None)
    if warn and undefined:
        warn_undefined("F-score")
    return Fbeta(score=score, per_label=labels)


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
