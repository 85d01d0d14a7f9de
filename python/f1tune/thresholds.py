"""Exact F-beta threshold tuning and exact F-beta curves, computed by the core.

Prediction rule: a label is predicted positive iff ``y_score >= threshold``.

Every distinct score is a candidate cut (ties are one step), and so are "predict none" and
"predict all". A returned threshold sits midway between the lowest score predicted positive and
the next lower distinct score, so ``>=`` and ``>`` give the same predictions on the tuning data;
"predict none" is the next representable value above the maximum score and "predict all" the
next one below the minimum (in the scores' own precision). For float32 scores the threshold
also separates the two scores after rounding to float32. Among equally good cuts the highest
threshold (fewest predicted positives) wins.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from f1tune import _native
from f1tune._scoring import per_label_fbeta, score_fbeta
from f1tune._threshold_result import ThresholdResult
from f1tune._validation import (
    check_average,
    check_beta,
    check_n_threads,
    check_targets_and_scores,
    check_zero_division,
)

TUNE_AVERAGES = ("macro", "weighted", None, "micro", "global")


def tune_thresholds(
    y_true: Any,
    y_score: Any,
    *,
    average: str | None = "macro",
    beta: float = 1.0,
    zero_division: Any = 0.0,
    n_threads: int | None = None,
) -> ThresholdResult:
    """Find the thresholds that maximize F-beta on the given data, exactly.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, n_labels) or (n_samples,)
        0/1 targets; dtype bool, uint8, int8, int32 or int64.
    y_score : array-like of shape (n_samples, n_labels) or (n_samples,)
        Scores, float32 or float64, any memory layout (read in place, never copied).
    average : {"macro", "weighted", None, "micro", "global"}, default="macro"
        What to maximize:

        - "macro", "weighted", None: each label's own best F-beta threshold (this maximizes the
          macro and the weighted mean, and every label's score).
        - "micro": per-label thresholds that jointly maximize micro F-beta (the global optimum,
          found by Dinkelbach's iteration on exact per-label searches).
        - "global": one threshold shared by all labels that maximizes micro F-beta.
    beta : float, default=1.0
        Weight of recall relative to precision; finite and > 0.
    zero_division : {0, 1, np.nan, "warn"}, default=0.0
        Value of an undefined F-beta (no positives, none predicted), as in scikit-learn. A label
        without positives gets "predict none" (it scores ``zero_division`` there and 0 elsewhere).
    n_threads : int, optional
        Worker threads; default all cores.

    Returns
    -------
    ThresholdResult
        ``thresholds`` (float64, shape (n_labels,)), the ``score`` they reach under ``average``
        ("global" is scored as micro F-beta; per label for None), per-label counts and F-beta;
        ``predict(y_score)`` applies the thresholds, ``to_json``/``save`` keep them.

    Notes
    -----
    Two passes over the data: a per-label histogram of the scores gives exact counts at bucket
    edges and bounds inside buckets; only the few buckets that can hold the optimum are gathered
    and searched in memory. No full sort.

    Examples
    --------
    >>> import numpy as np, f1tune
    >>> y_true = np.array([[1, 0], [0, 1], [1, 1]])
    >>> y_score = np.array([[0.9, 0.2], [0.6, 0.4], [0.3, 0.8]])
    >>> res = f1tune.tune_thresholds(y_true, y_score)
    >>> res.thresholds
    array([0.3, 0.3])
    >>> round(res.score, 4)
    0.9
    >>> f1tune.tune_thresholds(y_true, y_score, average="global").thresholds
    array([0.25, 0.25])
    """
    avg = check_average(average, TUNE_AVERAGES)
    b = check_beta(beta)
    zd, warn = check_zero_division(zero_division)
    nt = check_n_threads(n_threads)
    y, s, _ = check_targets_and_scores(y_true, y_score)
    tuned = _native.tune(y, s, avg, b, zd, nt)
    c = tuned.counts
    score_avg = "micro" if avg in ("micro", "global") else avg
    f = score_fbeta(c.tp, c.pp, c.pos, beta=b, average=score_avg, zero_division=zd, warn=warn, per_label=True)
    assert f.per_label is not None  # asked for with per_label=True
    return ThresholdResult(
        thresholds=tuned.thresholds,
        # average=None: the score is the per-label F-beta; a copy, so that score and fbeta never alias.
        score=float(f.score) if np.ndim(f.score) == 0 else np.array(f.score),
        average=avg,
        beta=b,
        zero_division=zd,
        tp=c.tp,
        fp=c.fp,
        fn=c.fn,
        tn=c.tn,
        fbeta=f.per_label,
    )


class FbetaCurve(NamedTuple):
    """An exact F-beta curve: one entry per distinct cut, highest threshold first."""

    thresholds: np.ndarray
    fbeta: np.ndarray
    precision: np.ndarray
    recall: np.ndarray


def fbeta_curve(y_true: Any, y_score: Any, *, beta: float = 1.0) -> FbetaCurve:
    """F-beta, precision and recall of one label at every distinct cut.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, 1)
        0/1 targets of one label; dtype bool, uint8, int8, int32 or int64.
    y_score : array-like of shape (n_samples,) or (n_samples, 1)
        Scores, float32 or float64.
    beta : float, default=1.0
        Weight of recall relative to precision; finite and > 0.

    Returns
    -------
    FbetaCurve
        Named tuple of float64 arrays of shape (n_distinct_scores + 1,), ordered by decreasing
        threshold: ``thresholds`` (first "predict none", last "predict all"; placed as in
        :func:`tune_thresholds`, so ``y_score >= thresholds[i]`` gives cut i), ``fbeta``,
        ``precision`` and ``recall``. Undefined values: precision with nothing predicted is 1
        (as scikit-learn's ``precision_recall_curve``), recall and F-beta without positives are 0.

    Examples
    --------
    >>> import numpy as np, f1tune
    >>> c = f1tune.fbeta_curve([1, 0, 1, 0], np.array([0.9, 0.7, 0.7, 0.1]))
    >>> c.thresholds
    array([0.9, 0.8, 0.4, 0.1])
    >>> c.fbeta.round(3)
    array([0.   , 0.667, 0.8  , 0.667])
    """
    b = check_beta(beta)
    y, s, _ = check_targets_and_scores(y_true, y_score)
    if s.shape[1] != 1:
        raise ValueError(f"y_score: expected one label, shape (n_samples,) or (n_samples, 1), got shape {s.shape}")
    c = _native.label_curve(y, s)
    tp, pp, P = c.tp, c.pp, c.pos
    tpf = tp.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(pp > 0, tpf / pp, 1.0)
        recall = tpf / P if P > 0 else np.zeros_like(tpf)
    fbeta, _ = per_label_fbeta(tp, pp, np.full_like(tp, P), b, 0.0)
    return FbetaCurve(thresholds=c.thresholds, fbeta=fbeta, precision=precision, recall=recall)
