"""``TunedThresholdsClassifierCV.fit``: validate, make OOF scores, [stack], tune, refit."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import KFold
from sklearn.utils.validation import _num_samples, check_is_fitted

from f1tune._bootstrap import check_n_bootstrap
from f1tune._sklearn_cv import check_cv_refit, make_splits, out_of_fold_scores
from f1tune._sklearn_scores import check_multilabel_targets, label_scores, response_method
from f1tune._threshold_result import ThresholdResult
from f1tune._validation import check_beta
from f1tune.metrics import fbeta_score
from f1tune.thresholds import tune_thresholds

AVERAGES = ("micro", "macro", "weighted", "global")
SCORE_AVERAGE = {"micro": "micro", "macro": "macro", "weighted": "weighted", "global": "micro"}
STACKER_FOLDS = 5


def _check_params(est: Any) -> None:
    if not isinstance(est.average, str) or est.average not in AVERAGES:
        raise ValueError(f"average: expected one of {', '.join(map(repr, AVERAGES))}, got {est.average!r}")
    check_beta(est.beta)
    check_n_bootstrap(est.n_bootstrap)
    if not isinstance(est.store_cv_results, (bool, np.bool_)):
        raise ValueError(f"store_cv_results: expected True or False, got {est.store_cv_results!r}")
    st = est.stretcher
    ok = st is None or (st == "logistic" if isinstance(st, str) else hasattr(st, "fit") and hasattr(st, "transform"))
    if not ok:
        raise ValueError(
            f"stretcher: expected None, 'logistic' or an object with fit and transform (a Stretcher), got {st!r}"
        )
    check_cv_refit(est.cv, est.refit)


def _stacker(stretcher: Any) -> Any:
    if isinstance(stretcher, str):
        from f1tune._stacking import LogisticStacker

        return LogisticStacker()
    return clone(stretcher)


def _transform(stacker: Any, s: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(stacker.transform(s), dtype=np.float64)


def stack(stretcher: Any, scores: np.ndarray, y: np.ndarray, random_state: Any) -> tuple[np.ndarray, Any]:
    """Out-of-fold stacker outputs (inner K-fold of the OOF rows) and the stacker refitted on all of them."""
    n = scores.shape[0]
    k = min(STACKER_FOLDS, n)
    if k < 2:
        raise ValueError(f"stretcher: needs at least 2 tuning rows for its inner split, got {n}")
    out = np.empty_like(scores)
    for tr, te in KFold(n_splits=k, shuffle=True, random_state=random_state).split(scores):
        out[te] = _transform(_stacker(stretcher).fit(scores[tr], y[tr]), scores[te])
    return out, _stacker(stretcher).fit(scores, y)


def _tune(est: Any, y: np.ndarray, s: np.ndarray, random_state: Any) -> ThresholdResult:
    return tune_thresholds(
        y, s, average=est.average, beta=est.beta, n_bootstrap=est.n_bootstrap, random_state=random_state
    )


def fit_tuned(est: Any, X: Any, y: Any, fit_params: dict[str, Any]) -> None:
    """Fit ``est`` (a TunedThresholdsClassifierCV) in place."""
    _check_params(est)
    Y = check_multilabel_targets(y)
    n, L = Y.shape
    n_x = _num_samples(X)
    if n_x != n:
        raise ValueError(f"X and y: expected the same number of rows, got {n_x} and {n}")
    method = response_method(est.estimator)
    rs = est.random_state
    if est.cv == "prefit":
        check_is_fitted(est.estimator)
        estimator_ = est.estimator
        scores = label_scores(estimator_, X, method, L)
        rows = np.arange(n)
        folds = [rows]
    else:
        splits = make_splits(est.cv, X, Y, rs)
        if len(splits) > 1 and not est.refit:
            raise ValueError(f"refit: when cv has several folds ({len(splits)}), refit cannot be False")
        oof, rows, fold_estimators = out_of_fold_scores(est.estimator, X, Y, splits, method, est.n_jobs, fit_params)
        scores = oof[rows]
        folds = [te for _, te in splits]
        estimator_ = clone(est.estimator).fit(X, Y, **fit_params) if est.refit else fold_estimators[0]
    y_tune = Y[rows]
    stretcher_ = None
    if est.stretcher is not None:
        scores, stretcher_ = stack(est.stretcher, scores, y_tune, rs)
    result = _tune(est, y_tune, scores, rs)

    est.estimator_ = estimator_
    est.stretcher_ = stretcher_
    est.response_method_ = method
    est.threshold_result_ = result
    est.thresholds_ = result.thresholds
    est.best_score_ = float(result.score)
    est.classes_ = np.arange(L)
    if est.store_cv_results:
        est.cv_results_ = _cv_results(est, y_tune, scores, rows, folds, result)


def _cv_results(
    est: Any, y: np.ndarray, s: np.ndarray, rows: np.ndarray, folds: list[np.ndarray], result: ThresholdResult
) -> dict[str, Any]:
    avg = SCORE_AVERAGE[est.average]
    fold_thresholds, fold_best, fold_score = [], [], []
    for te in folds:
        pos = np.searchsorted(rows, te)
        own = tune_thresholds(y[pos], s[pos], average=est.average, beta=est.beta)
        fold_thresholds.append(own.thresholds)
        fold_best.append(float(own.score))
        fold_score.append(float(fbeta_score(y[pos], s[pos], beta=est.beta, thresholds=result.thresholds, average=avg)))
    out: dict[str, Any] = {
        "test_indices": [np.asarray(te) for te in folds],
        "fold_thresholds": np.array(fold_thresholds),
        "fold_best_score": np.array(fold_best),
        "fold_score": np.array(fold_score),
        "oof_scores": s,
    }
    if result.threshold_std is not None:
        out["bootstrap_threshold_std"] = result.threshold_std
    return out
