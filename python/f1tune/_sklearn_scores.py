"""One (n_samples, n_labels) score matrix from whatever a multi-label scikit-learn classifier returns."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.utils.multiclass import type_of_target

RESPONSE_METHODS = ("predict_proba", "decision_function")


def response_method(estimator: Any) -> str:
    """Return the method whose output is thresholded: ``predict_proba`` if the estimator has it, else ``decision_function``."""
    for name in RESPONSE_METHODS:
        if hasattr(estimator, name):
            return name
    raise TypeError(
        f"estimator: expected a classifier with predict_proba or decision_function, got {type(estimator).__name__}"
        " which has neither"
    )


def _positive_column(proba: np.ndarray, classes: Any, label: int) -> np.ndarray:
    """Probability of class 1 from one label's (n, k) predict_proba block (k = 1 if constant in training)."""
    proba = np.asarray(proba)
    if proba.ndim != 2:
        raise ValueError(
            f"estimator: predict_proba gave label {label} an array of shape {proba.shape}, expected (n, 1|2)"
        )
    cls = None if classes is None else np.asarray(classes)
    if cls is not None and cls.shape == (proba.shape[1],):
        hits = np.flatnonzero(cls == 1)
        # A label seen constant in training has one class: its probability is 1 for class 1, 0 otherwise.
        return proba[:, hits[0]] if hits.size else np.zeros(proba.shape[0])
    if proba.shape[1] == 2:
        return proba[:, 1]
    raise ValueError(
        f"estimator: predict_proba gave label {label} shape {proba.shape} and no classes_ to tell which column is class 1"
    )


def label_scores(estimator: Any, X: Any, method: str, n_labels: int) -> np.ndarray:
    """Scores of shape (n_samples, n_labels), float64, C-contiguous, from a fitted estimator.

    Handles an (n, L) array (OneVsRestClassifier, MLPClassifier), a list of L (n, 2) arrays
    (MultiOutputClassifier, multi-output forests and k-NN), with (n, 1) blocks for labels that
    were constant in the training rows, and a sparse matrix.
    """
    out = getattr(estimator, method)(X)
    if isinstance(out, list):
        if len(out) != n_labels:
            raise ValueError(f"estimator: {method} returned {len(out)} outputs, expected one per label ({n_labels})")
        classes = getattr(estimator, "classes_", None)
        if not isinstance(classes, list) or len(classes) != n_labels:
            classes = [None] * n_labels
        cols = [_positive_column(p, c, j) for j, (p, c) in enumerate(zip(out, classes))]
        scores = np.column_stack(cols)
    else:
        scores = out.toarray() if sp.issparse(out) else np.asarray(out)
        if scores.ndim == 1 and n_labels == 1:
            scores = scores[:, None]
        elif n_labels == 1 and scores.ndim == 2 and scores.shape[1] == 2 and method == "predict_proba":
            # one label of shape (n, 1) is a binary target to most estimators: (n, 2) probabilities
            scores = _positive_column(scores, getattr(estimator, "classes_", None), 0)[:, None]
    if scores.ndim != 2 or scores.shape[1] != n_labels:
        raise ValueError(
            f"estimator: {method} returned shape {np.shape(scores)}, expected (n_samples, {n_labels}); "
            "is it a multi-label classifier (e.g. wrapped in OneVsRestClassifier or MultiOutputClassifier)?"
        )
    scores = np.ascontiguousarray(scores, dtype=np.float64)
    if not np.isfinite(scores).all():
        raise ValueError(f"estimator: {method} returned NaN or infinite scores")
    return scores


def check_multilabel_targets(y: Any) -> np.ndarray:
    """Return ``y`` as a dense uint8 indicator matrix (n_samples, n_labels); never modifies the input.

    Accepted: 2-D 0/1 arrays of any bool, integer or float dtype, and scipy.sparse matrices.
    """
    if y is None:
        raise ValueError(
            "y: this estimator requires y to be passed, but the target y is None; expected a multi-label "
            "indicator matrix of shape (n_samples, n_labels)"
        )
    if sp.issparse(y):
        a = y.toarray()
    else:
        a = np.asarray(y)
    if a.ndim != 2:
        kind = type_of_target(a) if a.ndim == 1 and a.size else f"{a.ndim}-D"
        raise ValueError(
            f"y: expected a multi-label indicator matrix of shape (n_samples, n_labels), got shape {a.shape} "
            f"({kind} target); for one binary target use sklearn.model_selection.TunedThresholdClassifierCV"
        )
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"y: expected a non-empty indicator matrix, got shape {a.shape}")
    if a.dtype.kind not in "biuf":
        raise ValueError(f"y: expected 0/1 values of a bool, integer or float dtype, got dtype {a.dtype}")
    if not ((a == 0) | (a == 1)).all():
        others = np.unique(a[(a != 0) & (a != 1)])[:5]
        raise ValueError(
            f"y: expected 0/1 values (a multi-label indicator matrix), found {others.tolist()}; "
            "multiclass-multioutput targets are not supported"
        )
    return a.astype(np.uint8)
