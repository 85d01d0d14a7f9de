"""Turn the meta-estimator's ``cv`` argument into train/test row splits, and fit the folds."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import KFold, ShuffleSplit
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import _num_samples

from f1tune._sklearn_scores import label_scores


def check_cv_refit(cv: Any, refit: Any) -> None:
    """Reject the combinations scikit-learn's TunedThresholdClassifierCV rejects, and bad ``cv``/``refit`` values."""
    if not isinstance(refit, (bool, np.bool_)):
        raise ValueError(f"refit: expected True or False, got {refit!r}")
    if isinstance(cv, str):
        if cv != "prefit":
            raise ValueError(
                f"cv: expected an int >= 2, a float in (0, 1), 'prefit', a splitter or an iterable, got {cv!r}"
            )
        if refit:
            raise ValueError("refit: when cv='prefit', refit cannot be True (the estimator is used as it is)")
        return
    if isinstance(cv, bool):
        raise ValueError(
            f"cv: expected an int >= 2, a float in (0, 1), 'prefit', a splitter or an iterable, got {cv!r}"
        )
    if isinstance(cv, numbers.Integral):
        if cv < 2:
            raise ValueError(f"cv: expected an int >= 2 (number of folds), got {cv!r}")
        if not refit:
            raise ValueError(
                "refit: when cv has several folds, refit cannot be False (which fold's model would predict?)"
            )
    elif isinstance(cv, numbers.Real):
        if not 0 < float(cv) < 1:
            raise ValueError(f"cv: expected a float in (0, 1) (the fraction of rows used to tune), got {cv!r}")
    elif not (hasattr(cv, "split") or hasattr(cv, "__iter__")):
        raise ValueError(f"cv: expected an int, a float in (0, 1), 'prefit', a splitter or an iterable, got {cv!r}")


def make_splits(
    cv: Any, X: Any, y: np.ndarray, random_state: Any, groups: Any = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return the list of (train, test) row indices ``cv`` stands for.

    An int k is ``KFold(k, shuffle=True, random_state=random_state)``; a float f in (0, 1) is one
    shuffled split that tunes on a fraction f of the rows; a splitter's ``split(X, y, groups)`` and
    an iterable of pairs are used as they are.
    """
    n = _num_samples(X)
    if isinstance(cv, numbers.Integral):
        if cv > n:
            raise ValueError(f"cv: expected at most n_samples={n} folds, got cv={cv}")
        splitter: Any = KFold(n_splits=int(cv), shuffle=True, random_state=random_state)
    elif isinstance(cv, numbers.Real):
        splitter = ShuffleSplit(n_splits=1, test_size=float(cv), random_state=random_state)
    else:
        splitter = cv
    splits = list(splitter.split(X, y, groups) if hasattr(splitter, "split") else splitter)
    if not splits:
        raise ValueError("cv: expected at least one (train, test) split, got none")
    return [(np.asarray(tr), np.asarray(te)) for tr, te in splits]


def _index(a: Any, rows: np.ndarray) -> Any:
    from sklearn.utils import _safe_indexing

    return _safe_indexing(a, rows)


def _fold_params(fit_params: dict[str, Any], n: int, rows: np.ndarray) -> dict[str, Any]:
    """Per-row fit parameters (sample_weight ...) restricted to the fold's rows; others as they are."""
    out = {}
    for k, v in fit_params.items():
        per_row = v is not None and hasattr(v, "__len__") and not isinstance(v, str) and _num_samples(v) == n
        out[k] = _index(v, rows) if per_row else v
    return out


def _fit_fold(
    estimator: Any, X: Any, y: np.ndarray, train: np.ndarray, test: np.ndarray, method: str, fit_params: dict[str, Any]
) -> tuple[Any, np.ndarray]:
    est = clone(estimator).fit(_index(X, train), y[train], **_fold_params(fit_params, y.shape[0], train))
    return est, label_scores(est, _index(X, test), method, y.shape[1])


def out_of_fold_scores(
    estimator: Any,
    X: Any,
    y: np.ndarray,
    splits: list[tuple[np.ndarray, np.ndarray]],
    method: str,
    n_jobs: Any,
    fit_params: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Fit a clone per split and collect its scores on the held-out rows.

    Returns the scores (n_samples, n_labels) with NaN on rows no split held out, the sorted row
    indices that were held out (each at most once), and the fold estimators.
    """
    n, L = y.shape
    covered = np.concatenate([te for _, te in splits])
    if np.unique(covered).size != covered.size:
        raise ValueError("cv: expected each row in at most one test fold (the out-of-fold scores are pooled)")
    results = Parallel(n_jobs=n_jobs)(
        delayed(_fit_fold)(estimator, X, y, tr, te, method, fit_params) for tr, te in splits
    )
    scores = np.full((n, L), np.nan)
    for (_, te), (_, s) in zip(splits, results):
        scores[te] = s
    return scores, np.sort(covered), [est for est, _ in results]
