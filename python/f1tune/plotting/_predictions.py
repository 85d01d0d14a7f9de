"""The checks both per-label displays run first: 2-D arrays, drawn labels, names, marked thresholds."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from f1tune.metrics import confusion
from f1tune.plotting._labels import check_label_names, check_labels, check_marked_thresholds
from f1tune.thresholds import tune_thresholds


class DrawnPredictions(NamedTuple):
    """The checked input of a per-label display.

    Attributes
    ----------
    y_true, y_score : ndarray of shape (n_samples, n_labels)
        The input, 1-D input viewed as one label.
    drawn : list of int
        Indices of the labels to draw.
    label_names : list of str
        One name per drawn label.
    marked : ndarray of shape (n_drawn,) or None
        Threshold to mark per drawn label.
    """

    y_true: np.ndarray
    y_score: np.ndarray
    drawn: list[int]
    label_names: list[str]
    marked: np.ndarray | None


def check_drawn_predictions(
    y_true: Any, y_score: Any, *, thresholds: Any, labels: Any, label_names: Any, beta: float
) -> DrawnPredictions:
    """Check a display's input and resolve what it marks.

    Parameters
    ----------
    y_true, y_score : array-like of shape (n_samples, n_labels) or (n_samples,)
        Targets and scores; the drawn labels' values are checked by f1tune's own counting or tuning.
    thresholds : "tuned", None, float, array-like of shape (n_labels,) or ThresholdResult
        "tuned" marks each drawn label's own best F-beta threshold; None marks nothing.
    labels : list of int or None
        Indices of the labels to draw (None: all).
    label_names : list of str or None
        Names of all ``n_labels`` labels.
    beta : float
        The F-beta's beta for ``thresholds="tuned"``.

    Returns
    -------
    DrawnPredictions
    """
    y, s = two_dimensional(y_true, "y_true"), two_dimensional(y_score, "y_score")
    if y.shape != s.shape:
        raise ValueError(f"y_true and y_score: expected the same shape, got {y.shape} and {s.shape}")
    n_labels = s.shape[1]
    drawn = check_labels(labels, n_labels)
    names = check_label_names(label_names, n_labels)
    marked: np.ndarray | None
    if isinstance(thresholds, str):
        if thresholds != "tuned":
            raise ValueError(f'thresholds: expected "tuned", None, numbers or a ThresholdResult, got {thresholds!r}')
        marked = tune_thresholds(y[:, drawn], s[:, drawn], average=None, beta=beta).thresholds
    else:
        full = check_marked_thresholds(thresholds, n_labels)
        marked = None if full is None else full[drawn]
        # The values of the drawn labels get the library's own checks (NaN, labels outside {0, 1},
        # non-float scores), as tune_thresholds gives them on the "tuned" path: one counting pass.
        confusion(y[:, drawn], s[:, drawn], 0.5)
    return DrawnPredictions(y, s, drawn, [names[j] for j in drawn], marked)


def two_dimensional(a: Any, name: str) -> np.ndarray:
    """View 1-D input as one label; the array itself is checked by f1tune's own functions."""
    arr = np.asarray(a)
    if arr.ndim == 1:
        return arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected shape (n_samples, n_labels) or (n_samples,), got shape {arr.shape}")
    return arr
