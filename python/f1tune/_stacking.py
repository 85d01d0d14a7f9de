"""The "logistic" stacker: one logistic regression per label on all labels' scores.

This is the linear reference for stacking steps (``TunedThresholdsClassifierCV(stretcher=
"logistic")``) and the baseline the Stretcher is measured against; it is defined only here.
It uses label dependence that no threshold can: label j's output is a logistic regression on
every label's score, so a label that is, say, the union of two others can borrow their evidence.

It follows the Stretcher's interface: ``fit(y_score, y_true)`` then ``transform(y_score)`` gives
probabilities of shape (n_samples, n_labels). scikit-learn is imported by this module.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

_EPS = 1e-6


class LogisticStacker(BaseEstimator):
    """Per-label logistic regression on all labels' scores.

    Probability-like scores (all in [0, 1]) are first mapped to log-odds, clipped at
    ``logit(1e-6)``, so the model is linear in the evidence; other scores (decision values) are
    used as they are. Features are then standardized with the training mean and standard
    deviation. A label constant in the training rows predicts that constant.

    Parameters
    ----------
    C : float, default=1.0
        Inverse L2 regularization strength of every per-label regression.
    max_iter : int, default=1000
        Iteration cap of the lbfgs solver.

    Attributes
    ----------
    n_labels_ : int
        Number of labels (the scores' columns).
    logit_ : bool
        Whether the training scores were probabilities, mapped to log-odds.
    mean_, scale_ : ndarray of shape (n_labels,)
        Standardization of the (mapped) scores.
    coef_ : ndarray of shape (n_labels, n_labels)
        Row j: the weights of label j's regression on all labels' standardized scores.
    intercept_ : ndarray of shape (n_labels,)
        Intercepts; a constant label has zero weights and an intercept of +-inf.
    """

    def __init__(self, C: float = 1.0, max_iter: int = 1000) -> None:
        self.C = C
        self.max_iter = max_iter

    def _features(self, y_score: np.ndarray) -> np.ndarray:
        s = np.asarray(y_score, dtype=np.float64)
        if self.logit_:
            p = np.clip(s, _EPS, 1 - _EPS)
            s = np.log(p) - np.log1p(-p)
        return (s - self.mean_) / self.scale_

    def fit(self, y_score: Any, y_true: Any) -> LogisticStacker:
        """Fit one regression per label on ``y_score`` (n, L) against ``y_true`` (n, L)."""
        s = np.asarray(y_score, dtype=np.float64)
        y = np.asarray(y_true)
        if s.ndim != 2 or y.shape != s.shape:
            raise ValueError(f"y_score and y_true: expected the same 2-D shape, got {s.shape} and {y.shape}")
        self.n_labels_ = s.shape[1]
        self.logit_ = bool(((s >= 0) & (s <= 1)).all())
        self.mean_ = np.zeros(self.n_labels_)
        self.scale_ = np.ones(self.n_labels_)
        z = self._features(s)
        self.mean_ = z.mean(axis=0)
        sd = z.std(axis=0)
        self.scale_ = np.where(sd > 0, sd, 1.0)
        z = (z - self.mean_) / self.scale_
        self.coef_ = np.zeros((self.n_labels_, self.n_labels_))
        self.intercept_ = np.zeros(self.n_labels_)
        for j in range(self.n_labels_):
            yj = y[:, j].astype(np.int8)
            if yj.min() == yj.max():
                self.intercept_[j] = np.inf if yj[0] == 1 else -np.inf
                continue
            lr = LogisticRegression(C=self.C, max_iter=self.max_iter).fit(z, yj)
            self.coef_[j] = lr.coef_[0]
            self.intercept_[j] = lr.intercept_[0]
        return self

    def transform(self, y_score: Any) -> np.ndarray:
        """Stacked probabilities of shape (n_samples, n_labels)."""
        check_is_fitted(self, "coef_")
        z = self._features(y_score)
        if z.ndim != 2 or z.shape[1] != self.n_labels_:
            raise ValueError(f"y_score: expected shape (n_samples, {self.n_labels_}), got shape {z.shape}")
        with np.errstate(over="ignore", invalid="ignore"):
            logits = z @ self.coef_.T + self.intercept_
            return 1.0 / (1.0 + np.exp(-logits))
