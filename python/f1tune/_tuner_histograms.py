"""A ThresholdTuner's histograms as plain arrays, and their consistency checks.

Engines that reduce states with their own collectives (``torch.distributed`` all-reduce, a
Dask tree) move the histograms as arrays: ``pos`` and ``tot`` sum, ``score_min`` and
``score_max`` reduce with min and max. :func:`check_histograms` is the one place that decides
whether four such arrays form a valid state; it serves both
:meth:`f1tune.ThresholdTuner.from_histograms` and the byte-string reader.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np


class TunerHistograms(NamedTuple):
    """Per-label histograms of a tuner state (copies; see :meth:`f1tune.ThresholdTuner.histograms`).

    Attributes
    ----------
    pos : ndarray of int64, shape (n_labels, bins)
        Positive rows per bucket (sum over shards).
    tot : ndarray of int64, shape (n_labels, bins)
        All rows per bucket (sum over shards).
    score_min : ndarray of float64, shape (n_labels,)
        Each label's lowest score, +inf before any row (min over shards).
    score_max : ndarray of float64, shape (n_labels,)
        Each label's highest score, -inf before any row (max over shards).
    """

    pos: np.ndarray
    tot: np.ndarray
    score_min: np.ndarray
    score_max: np.ndarray


def check_histograms(pos: Any, tot: Any, score_min: Any, score_max: Any, *, prefix: str = "") -> TunerHistograms:
    """Return validated int64/float64 copies, or raise ValueError naming the bad argument.

    ``prefix`` starts every message (the byte reader says which input was malformed).
    """
    out = []
    for name, value, dtype, ndim in (
        ("pos", pos, np.int64, 2),
        ("tot", tot, np.int64, 2),
        ("score_min", score_min, np.float64, 1),
        ("score_max", score_max, np.float64, 1),
    ):
        a = np.asarray(value)
        if a.ndim != ndim:
            raise ValueError(f"{prefix}{name}: expected a {ndim}-D array, got shape {a.shape}")
        kind = "iu" if dtype == np.int64 else "f"
        if a.dtype.kind not in kind:
            raise ValueError(f"{prefix}{name}: expected {np.dtype(dtype).name} values, got dtype {a.dtype}")
        out.append(np.array(a, dtype=dtype, order="C"))  # a copy: the state never aliases the caller's arrays
    p, t, lo, hi = out
    if p.shape != t.shape or p.shape[0] < 1 or p.shape[1] < 2:
        raise ValueError(
            f"{prefix}pos, tot: expected equal shapes (n_labels >= 1, bins >= 2), got {p.shape} and {t.shape}"
        )
    if lo.shape != (p.shape[0],) or hi.shape != (p.shape[0],):
        raise ValueError(f"{prefix}score_min, score_max: expected shape ({p.shape[0]},), got {lo.shape} and {hi.shape}")
    if (p < 0).any() or (p > t).any():
        raise ValueError(f"{prefix}pos, tot: expected 0 <= pos <= tot in every bucket")
    rows = t.sum(axis=1)
    if (rows != rows[0]).any():
        raise ValueError(f"{prefix}tot: expected the same rows for every label, got {sorted(set(rows.tolist()))[:5]}")
    if np.isnan(lo).any() or np.isnan(hi).any():
        raise ValueError(f"{prefix}score_min, score_max: expected no NaN")
    if rows[0] > 0 and not (lo <= hi).all():
        raise ValueError(
            f"{prefix}score_min, score_max: expected score_min <= score_max for every label of a non-empty state"
        )
    return TunerHistograms(p, t, lo, hi)
