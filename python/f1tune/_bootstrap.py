"""Bootstrap-aggregated exact thresholds (``tune_thresholds(..., n_bootstrap=B)``): the rank-space math.

The exact optimum of a small tuning set over-fits it: the F-beta curve near its peak is flat and
noisy, so the arg-max jumps between distant cuts from one sample to the next. Averaging the
exact optima of bootstrap resamples smooths that jump (bagging the arg-max). The average is
taken in score-rank space, which is what makes it robust:

- every resample's threshold for a label is mapped to the fraction of the tuning rows it
  predicts positive (0 for "predict none", 1 for "predict all"), a number in [0, 1] whatever
  the scale of the scores; a resample that degenerates to "predict none/all" moves the mean by
  at most 1/B;
- the mean fraction is mapped back to the tuning data's own cut (between adjacent distinct
  scores) nearest to it, placed exactly as :func:`f1tune.tune_thresholds` places cuts.

So the result obeys the same threshold contract as the exact tuner, and a monotone transform of
the scores (probabilities vs logits) transforms the thresholds with it, never the predictions.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from f1tune import _native


def check_random_state(random_state: Any) -> np.random.Generator:
    """Return a Generator from None, an int, a Generator or a legacy RandomState (as scikit-learn passes)."""
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**32 - 1, dtype=np.int64))
    if random_state is None or isinstance(random_state, np.random.Generator):
        return np.random.default_rng(random_state)
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool) and int(random_state) >= 0:
        return np.random.default_rng(int(random_state))
    raise ValueError(
        f"random_state: expected None, an integer >= 0, a numpy Generator or RandomState, got {random_state!r}"
    )


def check_n_bootstrap(n_bootstrap: Any) -> int:
    """Return ``n_bootstrap`` as an int after checking it is an integer >= 0 (0: the exact optimum)."""
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, numbers.Integral) or int(n_bootstrap) < 0:
        raise ValueError(f"n_bootstrap: expected an integer >= 0, got {n_bootstrap!r}")
    return int(n_bootstrap)


def cut_at_rate(column: np.ndarray, rate: float) -> float:
    """Return the threshold on ``column``'s own cuts whose predicted-positive fraction is nearest ``rate``.

    The cuts and their thresholds are the core's (:func:`f1tune.fbeta_curve`'s, placed exactly as
    :func:`f1tune.tune_thresholds` places them): above the maximum for "predict none", below the
    minimum for "predict all", otherwise between two adjacent distinct scores. Among equally
    near cuts the one predicting fewer positives wins.
    """
    scores = column.reshape(-1, 1)
    curve = _native.label_curve(np.zeros(scores.shape, dtype=np.uint8), scores)
    k = int(np.argmin(np.abs(curve.pp - rate * scores.shape[0])))  # first of ties: fewest positives
    return float(curve.thresholds[k])


def positive_rates(column: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Fraction of ``column`` at or above each threshold: the thresholds in score-rank space."""
    asc = np.sort(column)
    return (asc.shape[0] - np.searchsorted(asc, thresholds, side="left")) / asc.shape[0]


def bootstrap_thresholds(
    tune_rows: Callable[[np.ndarray], np.ndarray],
    y_score: np.ndarray,
    *,
    shared: bool,
    n_bootstrap: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Aggregate the exact thresholds of ``n_bootstrap`` resamples in score-rank space.

    Parameters
    ----------
    tune_rows : callable
        ``tune_rows(rows)`` returns the exact thresholds, shape (n_labels,), of the validated
        data's rows ``rows`` (indices drawn with replacement).
    y_score : ndarray of shape (n_samples, n_labels)
        The validated scores the thresholds are cuts of.
    shared : bool
        One threshold shared by all labels (``average="global"``): the rank space is that of all
        labels' scores pooled.
    n_bootstrap : int
        Number of resamples B >= 1.
    rng : numpy.random.Generator
        Draws the resamples.

    Returns
    -------
    thresholds : ndarray of shape (n_labels,)
        The aggregated cuts of ``y_score``.
    threshold_std : ndarray of shape (n_labels,)
        Standard deviation of the resamples' exact thresholds (score units; 0 for B = 1).
    """
    n, L = y_score.shape
    boot = np.empty((n_bootstrap, L), dtype=np.float64)
    for b in range(n_bootstrap):
        boot[b] = tune_rows(np.asarray(rng.integers(0, n, size=n)))
    if shared:
        pooled = y_score.ravel()
        thresholds = np.full(L, cut_at_rate(pooled, float(positive_rates(pooled, boot[:, 0]).mean())))
    else:
        thresholds = np.array(
            [cut_at_rate(y_score[:, j], float(positive_rates(y_score[:, j], boot[:, j]).mean())) for j in range(L)]
        )
    std = boot.std(axis=0, ddof=1) if n_bootstrap > 1 else np.zeros(L)
    return thresholds, std
