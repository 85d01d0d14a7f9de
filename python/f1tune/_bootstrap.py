"""Bootstrap-aggregated exact thresholds: the regularized version of :func:`f1tune.tune_thresholds`.

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
from typing import Any

import numpy as np

from f1tune._threshold_result import ThresholdResult
from f1tune.metrics import confusion, fbeta_score
from f1tune.thresholds import tune_thresholds


def _rng(random_state: Any) -> np.random.Generator:
    """Return a Generator from None, an int, a Generator or a legacy RandomState (as scikit-learn passes)."""
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**32 - 1, dtype=np.int64))
    if random_state is None or isinstance(random_state, np.random.Generator):
        return np.random.default_rng(random_state)
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool) and random_state >= 0:
        return np.random.default_rng(int(random_state))
    raise ValueError(
        f"random_state: expected None, an integer >= 0, a numpy Generator or RandomState, got {random_state!r}"
    )


def _check_n_bootstrap(n_bootstrap: Any) -> int:
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, numbers.Integral) or n_bootstrap < 1:
        raise ValueError(f"n_bootstrap: expected an integer >= 1, got {n_bootstrap!r}")
    return int(n_bootstrap)


def cut_at_rate(column: np.ndarray, rate: float) -> float:
    """Return the threshold on ``column``'s own cuts whose predicted-positive fraction is nearest ``rate``.

    Cuts are placed as :func:`f1tune.tune_thresholds` places them: strictly above the lower
    distinct score and at or below the upper one, in the scores' own precision (so ``>=`` and
    ``>`` agree on ``column``); above the maximum for "predict none", below the minimum for
    "predict all". Among equally near cuts the one predicting fewer positives wins.
    """
    desc = np.sort(column)[::-1]
    n = desc.shape[0]
    # Valid cut sizes k (rows predicted positive): 0, n, and every k where a distinct value ends.
    ends = np.flatnonzero(desc[:-1] > desc[1:]) + 1
    ks = np.concatenate(([0], ends, [n]))
    k = int(ks[np.argmin(np.abs(ks - rate * n))])  # argmin takes the first (smallest k) of ties
    dtype = column.dtype
    if k == 0:
        return float(np.nextafter(desc[0], dtype.type(np.inf)))
    if k == n:
        return float(np.nextafter(desc[-1], dtype.type(-np.inf)))
    hi, lo = desc[k - 1], desc[k]
    mid = dtype.type(lo / 2 + hi / 2)  # halves first: no overflow near the float range
    return float(mid if lo < mid <= hi else hi)


def positive_rates(column: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Fraction of ``column`` at or above each threshold: the thresholds in score-rank space."""
    asc = np.sort(column)
    return (asc.shape[0] - np.searchsorted(asc, thresholds, side="left")) / asc.shape[0]


def bootstrap_thresholds(
    y_true: Any,
    y_score: Any,
    *,
    average: str | None = "macro",
    beta: float = 1.0,
    zero_division: Any = 0.0,
    n_bootstrap: int = 100,
    random_state: Any = None,
    n_threads: int | None = None,
) -> ThresholdResult:
    """Exact thresholds aggregated over bootstrap resamples of ``(y_true, y_score)``.

    Each of ``n_bootstrap`` resamples (rows drawn with replacement, as many as there are) is
    tuned exactly by :func:`f1tune.tune_thresholds` with the same ``average``; the per-label
    thresholds are averaged in score-rank space (see the module docstring) and mapped back to a
    cut of the given data.

    Parameters
    ----------
    y_true, y_score, average, beta, zero_division, n_threads
        As in :func:`f1tune.tune_thresholds`. For ``average="global"`` the rank space is that
        of all labels' scores pooled, and the result is one shared threshold.
    n_bootstrap : int, default=100
        Number of resamples B (>= 1).
    random_state : None, int, numpy Generator or RandomState, default=None
        Seed of the resampling.

    Returns
    -------
    ThresholdResult
        The aggregated ``thresholds`` with the counts, per-label F-beta and ``score`` they reach
        on the given data, ``n_bootstrap`` and ``threshold_std`` (the per-label standard
        deviation of the resamples' exact thresholds, in score units).

    Notes
    -----
    Threshold contract: a label is predicted positive iff ``y_score >= threshold``; each
    threshold lies strictly between two adjacent distinct scores of its label on the given data
    (above the maximum for "predict none", below the minimum for "predict all"), so ``>=`` and
    ``>`` agree on it. The result can score below the exact optimum on the given data: that is
    the point (it is chosen to do better on data not seen).

    Examples
    --------
    >>> import numpy as np
    >>> from f1tune._bootstrap import bootstrap_thresholds
    >>> rng = np.random.default_rng(0)
    >>> y = rng.random((500, 3)) < 0.3
    >>> s = np.clip(y + rng.normal(0, 0.6, y.shape), 0, 1)
    >>> res = bootstrap_thresholds(y, s, n_bootstrap=20, random_state=0)
    >>> res.thresholds.shape, res.n_bootstrap, res.threshold_std.shape
    ((3,), 20, (3,))
    """
    B = _check_n_bootstrap(n_bootstrap)
    rng = _rng(random_state)
    # The exact tuner validates every argument; its result is also the B = 0 reference.
    tune_thresholds(y_true, y_score, average=average, beta=beta, zero_division=zero_division, n_threads=n_threads)
    y = np.asarray(y_true)
    s = np.asarray(y_score)
    one_label = s.ndim == 1
    y2, s2 = (y[:, None], s[:, None]) if one_label else (y, s)
    n, L = s2.shape
    quiet_zd = 0.0 if isinstance(zero_division, str) else zero_division  # warn once, on the final scores
    boot = np.empty((B, L), dtype=np.float64)
    for b in range(B):
        rows = rng.integers(0, n, size=n)
        boot[b] = tune_thresholds(
            y2[rows], s2[rows], average=average, beta=beta, zero_division=quiet_zd, n_threads=n_threads
        ).thresholds

    if average == "global":
        pooled = s2.ravel()
        thresholds = np.full(L, cut_at_rate(pooled, float(positive_rates(pooled, boot[:, 0]).mean())))
    else:
        thresholds = np.array(
            [cut_at_rate(s2[:, j], float(positive_rates(s2[:, j], boot[:, j]).mean())) for j in range(L)]
        )

    counts = confusion(y2, s2, thresholds, n_threads=n_threads)
    fbeta = fbeta_score(
        y2, s2, beta=beta, thresholds=thresholds, average=None, zero_division=quiet_zd, n_threads=n_threads
    )
    score_average = "micro" if average in ("micro", "global") else average
    score = fbeta_score(
        y2,
        s2,
        beta=beta,
        thresholds=thresholds,
        average=score_average,
        zero_division=zero_division,
        n_threads=n_threads,
    )
    return ThresholdResult(
        thresholds=thresholds,
        score=float(score) if np.ndim(score) == 0 else np.asarray(score),
        average=average,
        beta=float(beta),
        zero_division=float(quiet_zd),
        tp=counts.tp,
        fp=counts.fp,
        fn=counts.fn,
        tn=counts.tn,
        fbeta=np.asarray(fbeta, dtype=np.float64),
        n_bootstrap=B,
        threshold_std=boot.std(axis=0, ddof=1) if B > 1 else np.zeros(L),
    )
