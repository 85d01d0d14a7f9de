"""Checks of one batch for a ThresholdTuner: shape, label count, dtypes (values are checked by the core).

A batch may have zero rows (an empty DDP rank or Dask chunk): it is checked for its label count
and dtypes like any other and then adds nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from f1tune._validation import LABEL_DTYPES, SCORE_DTYPES, _as_array, _is_sparse, check_targets_and_scores


def check_batch(y_true: Any, y_score: Any, n_labels: int, dtype: np.dtype | None) -> tuple[np.ndarray, np.ndarray]:
    """Return 2-D (n, n_labels) views of a batch; float32 scores become float64 for a float64 state.

    A float64 batch for a float32 state is refused: converting it would round the scores (and one-shot
    tuning of the concatenation would tune float64 scores). ``n`` may be 0.
    """
    empty = _empty_batch(y_true, y_score)
    y, s = empty if empty is not None else check_targets_and_scores(y_true, y_score)[:2]
    if s.shape[1] != n_labels:
        raise ValueError(f"y_score: expected {n_labels} label column(s) (n_labels), got shape {s.shape}")
    if dtype is not None and s.dtype != dtype:
        if dtype == np.float64:
            s = s.astype(np.float64)  # exact: every float32 is a float64
        else:
            raise TypeError(
                f"y_score: this tuner holds {np.dtype(dtype).name} scores, got {s.dtype.name} "
                "(convert the batch with .astype(np.float32), or build the tuner with dtype=np.float64)"
            )
    return y, s


def _empty_batch(y_true: Any, y_score: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Return checked (0, L) views of a zero-row batch, or None when the batch has rows (checked elsewhere)."""
    if _is_sparse(y_true) or _is_sparse(y_score):
        return None  # sparse input: the general checks (and their messages) apply
    y = _as_array(y_true, "y_true")
    s = _as_array(y_score, "y_score")
    if y.ndim == 0 or s.ndim == 0 or y.shape[0] != 0 or s.shape[0] != 0:
        return None
    if s.dtype not in SCORE_DTYPES:
        raise TypeError(f"y_score: expected float32 or float64 scores, got dtype {s.dtype}")
    if y.dtype not in LABEL_DTYPES and y.dtype.kind != "f":
        raise TypeError(
            f"y_true: expected 0/1 labels of dtype bool, uint8, int8, int32, int64 or float, got dtype {y.dtype}"
        )
    for a, name in ((y, "y_true"), (s, "y_score")):
        if a.ndim not in (1, 2):
            raise ValueError(f"{name}: expected shape (0,) or (0, n_labels), got {a.ndim}-D shape {a.shape}")
    if y.shape != s.shape:
        raise ValueError(f"y_true and y_score: expected the same shape, got {y.shape} and {s.shape}")
    n_cols = s.shape[1] if s.ndim == 2 else 1
    return np.zeros((0, n_cols), np.uint8), s.reshape(0, n_cols)
