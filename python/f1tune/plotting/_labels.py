"""Which labels a display draws, and what they are called."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def check_label_names(label_names: Any, n_labels: int) -> list[str]:
    """Return one name per label: the given ones, or ``"label 0"``, ``"label 1"``, ...

    Raises
    ------
    ValueError
        When ``label_names`` does not hold exactly ``n_labels`` names.
    """
    if label_names is None:
        return [f"label {j}" for j in range(n_labels)]
    if isinstance(label_names, str) or not isinstance(label_names, (Sequence, np.ndarray)):
        raise TypeError(f"label_names: expected a sequence of {n_labels} names, got {type(label_names).__name__}")
    names = [str(x) for x in label_names]
    if len(names) != n_labels:
        raise ValueError(f"label_names: expected {n_labels} names (one per label), got {len(names)}")
    return names


def check_labels(labels: Any, n_labels: int) -> list[int]:
    """Return the indices of the labels to draw (default: all), checked against ``n_labels``.

    Raises
    ------
    ValueError
        When ``labels`` is empty, has repeats or holds an index outside ``[0, n_labels)``.
    """
    if labels is None:
        return list(range(n_labels))
    arr = np.atleast_1d(np.asarray(labels))
    if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"labels: expected a non-empty list of label indices, got {labels!r}")
    out = [int(j) for j in arr]
    bad = [j for j in out if not 0 <= j < n_labels]
    if bad:
        raise ValueError(f"labels: expected indices in [0, {n_labels}), got {bad[0]}")
    if len(set(out)) != len(out):
        raise ValueError(f"labels: expected distinct indices, got {out}")
    return out


def check_marked_thresholds(thresholds: Any, n_labels: int) -> np.ndarray | None:
    """Per-label thresholds to mark: None, a ThresholdResult, a scalar or an array of ``n_labels``.

    Returns
    -------
    ndarray of shape (n_labels,) or None
    """
    if thresholds is None:
        return None
    t = getattr(thresholds, "thresholds", thresholds)  # a ThresholdResult gives its thresholds
    arr = np.asarray(t, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n_labels, float(arr))
    if arr.shape != (n_labels,):
        raise ValueError(f"thresholds: expected a scalar or shape ({n_labels},), got shape {arr.shape}")
    if np.isnan(arr).any():
        raise ValueError("thresholds: expected numbers, got NaN")
    return arr
