"""Confusion counts and F-beta scores of thresholded multi-label scores, computed by the core.

Prediction rule: a label is predicted positive iff ``y_score >= threshold``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from f1tune import _native
from f1tune._scoring import samples_fbeta, score_fbeta
from f1tune._validation import (
    check_average,
    check_beta,
    check_n_threads,
    check_targets_and_scores,
    check_thresholds,
    check_zero_division,
)


class Confusion(NamedTuple):
    """Confusion counts (int64 arrays): true/false positives, false/true negatives."""

    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    tn: np.ndarray


def _squeeze(a: np.ndarray, batched: bool, one_label: bool) -> Any:
    """Drop the axes the caller did not ask for: the setting axis (unbatched), the label axis (1-D input)."""
    if one_label and a.ndim == 2:
        a = a[:, 0]
    if not batched:
        a = a[0]
    return a


def confusion(y_true: Any, y_score: Any, thresholds: Any = 0.5, *, n_threads: int | None = None) -> Confusion:
    """Count true/false positives and negatives of the predictions ``y_score >= thresholds``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, n_labels) or (n_samples,)
        0/1 targets; dtype bool, uint8, int8, int32 or int64.
    y_score : array-like of shape (n_samples, n_labels) or (n_samples,)
        Scores, float32 or float64, any memory layout (read in place, never copied).
    thresholds : float or array-like, default=0.5
        A scalar, one threshold per label of shape (n_labels,), or a batch of T settings of shape
        (T, n_labels) or (T, 1) (one threshold shared by all labels). For 1-D input, a vector
        of shape (T,) is a batch. A batch is counted in one pass over the data.
    n_threads : int, optional
        Worker threads; default all cores.

    Returns
    -------
    Confusion
        Named tuple ``(tp, fp, fn, tn)`` of int64 arrays of shape (n_labels,), or (T, n_labels)
        for a batch; the label axis is dropped for 1-D input.

    Examples
    --------
    >>> import numpy as np, f1tune
    >>> y_true = np.array([[1, 0], [0, 1], [1, 1]])
    >>> y_score = np.array([[0.9, 0.2], [0.6, 0.4], [0.3, 0.8]])
    >>> f1tune.confusion(y_true, y_score, 0.5)
    Confusion(tp=array([1, 1]), fp=array([1, 0]), fn=array([1, 1]), tn=array([0, 1]))
    """
    y, s, one_label = check_targets_and_scores(y_true, y_score)
    thr, batched = check_thresholds(thresholds, s.shape[1], one_label, s.dtype)
    c = _native.count(y, s, thr, batched, check_n_threads(n_threads))
    return Confusion(*(_squeeze(a, batched, one_label) for a in (c.tp, c.fp, c.fn, c.tn)))


def fbeta_score(
    y_true: Any,
    y_score: Any,
    *,
    beta: float,
    thresholds: Any = 0.5,
    average: str | None = "micro",
    zero_division: Any = 0.0,
    n_threads: int | None = None,
) -> Any:
    """F-beta score of the predictions ``y_score >= thresholds``, identical to scikit-learn's.

    Equals ``sklearn.metrics.fbeta_score(y_true, y_score >= thresholds, ...)`` (for 1-D input:
    with ``average="binary"``), ``zero_division`` semantics included, without materializing the
    predictions. With a batch of thresholds, returns one score per setting from one pass.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, n_labels) or (n_samples,)
        0/1 targets; dtype bool, uint8, int8, int32 or int64.
    y_score : array-like of shape (n_samples, n_labels) or (n_samples,)
        Scores, float32 or float64, any memory layout.
    beta : float
        Weight of recall relative to precision; must be finite and > 0.
    thresholds : float or array-like, default=0.5
        As in :func:`confusion`: scalar, per-label (n_labels,), or a batch (T, n_labels) / (T, 1).
    average : {"micro", "macro", "weighted", "samples", None}, default="micro"
        As in scikit-learn. None returns one score per label. For 1-D input all averages except
        "samples" give the label's own F-beta.
    zero_division : {0, 1, np.nan, "warn"}, default=0.0
        Value of a score whose denominator is zero; "warn" gives 0 and warns.
    n_threads : int, optional
        Worker threads; default all cores.

    Returns
    -------
    float or ndarray
        A float; shape (n_labels,) for ``average=None``; a leading axis of length T for a batch.

    Examples
    --------
    >>> import numpy as np, f1tune
    >>> y_true = np.array([[1, 0], [0, 1], [1, 1]])
    >>> y_score = np.array([[0.9, 0.2], [0.6, 0.4], [0.3, 0.8]])
    >>> round(f1tune.fbeta_score(y_true, y_score, beta=1.0), 4)
    0.5714
    >>> f1tune.fbeta_score(y_true, y_score, beta=1.0, thresholds=[[0.25], [0.5]]).round(4)
    array([0.8889, 0.5714])
    """
    b = check_beta(beta)
    avg = check_average(average)
    zd, warn = check_zero_division(zero_division)
    nt = check_n_threads(n_threads)
    y, s, one_label = check_targets_and_scores(y_true, y_score)
    thr, batched = check_thresholds(thresholds, s.shape[1], one_label, s.dtype)
    if avg == "samples":
        sums = _native.sample_fbeta_sums(y, s, thr, b, nt)
        f = samples_fbeta(sums.fbeta_sum, sums.n_undefined, s.shape[0], zd, warn)
    else:
        c = _native.count(y, s, thr, batched, nt)
        f = score_fbeta(c.tp, c.pp, c.pos, beta=b, average=avg, zero_division=zd, warn=warn).score
    if avg is None:
        f = _squeeze(f, batched, one_label)
        return float(f) if np.ndim(f) == 0 else f
    return f if batched else float(f[0])


def f1_score(
    y_true: Any,
    y_score: Any,
    *,
    thresholds: Any = 0.5,
    average: str | None = "micro",
    zero_division: Any = 0.0,
    n_threads: int | None = None,
) -> Any:
    """F1 score of the predictions ``y_score >= thresholds``: :func:`fbeta_score` with ``beta=1``.

    Parameters
    ----------
    y_true, y_score, thresholds, average, zero_division, n_threads
        As in :func:`fbeta_score`.

    Returns
    -------
    float or ndarray
        As in :func:`fbeta_score`.

    Examples
    --------
    >>> import numpy as np, f1tune
    >>> y_true = np.array([[1, 0], [0, 1], [1, 1]])
    >>> y_score = np.array([[0.9, 0.2], [0.6, 0.4], [0.3, 0.8]])
    >>> round(f1tune.f1_score(y_true, y_score, average="macro"), 4)
    0.5833
    """
    return fbeta_score(
        y_true,
        y_score,
        beta=1.0,
        thresholds=thresholds,
        average=average,
        zero_division=zero_division,
        n_threads=n_threads,
    )
