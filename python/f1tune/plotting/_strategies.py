"""The four threshold strategies a user chooses between, tuned on one part and scored on another."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from f1tune.metrics import fbeta_score
from f1tune.thresholds import tune_thresholds

# name -> the tune_thresholds average that finds it (None: the fixed default 0.5).
STRATEGIES: dict[str, str | None] = {
    "0.5": None,
    "global": "global",
    "per label": "macro",
    "micro": "micro",
}
STRATEGY_TITLES = {
    "0.5": "0.5 for every label",
    "global": "one tuned threshold for all labels",
    "per label": "each label's own best threshold",
    "micro": "per-label thresholds maximizing micro F-beta",
}


class StrategyScores(NamedTuple):
    """Thresholds of each strategy and the F-beta they reach on the scoring data."""

    thresholds: dict[str, np.ndarray]
    per_label: dict[str, np.ndarray]
    micro: dict[str, float]
    macro: dict[str, float]


def compare_strategies(
    y_tune: Any, s_tune: Any, *, beta: float = 1.0, y_eval: Any = None, s_eval: Any = None, tuned: Any = None
) -> StrategyScores:
    """Tune each strategy's thresholds on ``(y_tune, s_tune)`` and score them on the eval data.

    Parameters
    ----------
    y_tune, s_tune : array-like of shape (n_samples, n_labels)
        Data the thresholds are tuned on.
    beta : float, default=1.0
        Weight of recall relative to precision.
    y_eval, s_eval : array-like of shape (m_samples, n_labels), optional
        Data the thresholds are scored on (default the tuning data: optimistic).
    tuned : ThresholdResult, optional
        A result already tuned on ``(y_tune, s_tune)`` with this ``beta``; the strategy with its
        ``average`` reuses its thresholds instead of tuning again (unless it is bootstrap-aggregated).

    Returns
    -------
    StrategyScores
        Per strategy ("0.5", "global", "per label", "micro"): the thresholds, per-label F-beta,
        micro and macro F-beta, all computed by :func:`f1tune.fbeta_score`.
    """
    if (y_eval is None) != (s_eval is None):
        raise ValueError("y_eval and s_eval: expected both or neither")
    if y_eval is None:
        y_eval, s_eval = y_tune, s_tune
    n_labels = np.shape(s_tune)[1] if np.ndim(s_tune) == 2 else 1
    thresholds, per_label, micro, macro = {}, {}, {}, {}
    for name, average in STRATEGIES.items():
        if average is None:
            t = np.full(n_labels, 0.5)
        elif _exact_result_for(tuned, average, beta):
            t = tuned.thresholds
        else:
            t = tune_thresholds(y_tune, s_tune, average=average, beta=beta).thresholds
        thresholds[name] = t
        per_label[name], micro[name], macro[name] = score_thresholds(y_eval, s_eval, t, beta=beta)
    return StrategyScores(thresholds, per_label, micro, macro)


def score_thresholds(y: Any, s: Any, thresholds: Any, *, beta: float) -> tuple[np.ndarray, float, float]:
    """Return the per-label, micro and macro F-beta of ``s >= thresholds`` against ``y``.

    Returns
    -------
    per_label : ndarray of shape (n_labels,)
    micro, macro : float
    """
    per_label = np.atleast_1d(
        np.asarray(fbeta_score(y, s, beta=beta, thresholds=thresholds, average=None), dtype=np.float64)
    )
    micro = float(fbeta_score(y, s, beta=beta, thresholds=thresholds, average="micro"))
    macro = float(fbeta_score(y, s, beta=beta, thresholds=thresholds, average="macro"))
    return per_label, micro, macro


def _exact_result_for(tuned: Any, average: str, beta: float) -> bool:
    """Whether ``tuned`` holds the exact thresholds ``tune_thresholds(average=average, beta=beta)`` finds."""
    return (
        tuned is not None
        and tuned.n_bootstrap == 0
        and tuned.upper_bound is None
        and tuned.average == average
        and tuned.beta == beta
    )
