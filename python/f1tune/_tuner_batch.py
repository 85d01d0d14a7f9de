"""Checks of one batch for a ThresholdTuner: shape, label count, dtypes (values are checked by the core)."""

from __future__ import annotations

from typing import Any

import numpy as np

from f1tune._validation import check_targets_and_scores


def check_batch(y_true: Any, y_score: Any, n_labels: int, dtype: np.dtype | None) -> tuple[np.ndarray, np.ndarray]:
    """Return 2-D (n, n_labels) views of a batch; float32 scores become float64 for a float64 state.

    A float64 batch for a float32 state is refused: converting it would round the scores (and one-shot
    tuning of the concatenation would tune float64 scores).
    """
    y, s, _ = check_targets_and_scores(y_true, y_score)
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
