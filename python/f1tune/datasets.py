"""Synthetic data sets for examples, tests and the demo."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from f1tune._validation import check_int

__all__ = ["SeedToy", "make_seed_toy"]


class SeedToy(NamedTuple):
    """The seed article's toy problem: soft predictions of a base model and their labels.

    Attributes
    ----------
    X_train : ndarray of shape (n_train, n_labels), float32
        Training scores, uniform on [0, 1).
    y_train : ndarray of shape (n_train, n_labels), uint8
        Training labels, ``X_train > thresholds``.
    X_test : ndarray of shape (n_test, n_labels), float32
        Test scores, uniform on [0, 1).
    y_test : ndarray of shape (n_test, n_labels), uint8
        Test labels, ``X_test > thresholds``.
    thresholds : ndarray of shape (n_labels,), float64
        The hidden per-label thresholds, uniform on [0, 1).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    thresholds: np.ndarray


def make_seed_toy(
    n_train: int = 100_000,
    n_test: int = 10_000,
    n_labels: int = 100,
    random_state: int | np.random.Generator | None = 0,
) -> SeedToy:
    """Make the toy multi-label problem of the "NN stretching" seed article.

    Each label ``j`` has a hidden threshold ``t_j`` drawn uniformly from [0, 1); the scores are
    uniform on [0, 1) and a label is positive iff its score exceeds its threshold. A single
    global threshold is therefore a poor rule (the article reports micro-F1 0.79), while one
    threshold per label, or a learned re-mapping of the scores, can be nearly perfect.

    Parameters
    ----------
    n_train : int, default=100_000
        Number of training rows.
    n_test : int, default=10_000
        Number of test rows.
    n_labels : int, default=100
        Number of labels.
    random_state : int, numpy.random.Generator or None, default=0
        Seed (or generator) for the thresholds and scores; the same seed gives the same data.

    Returns
    -------
    SeedToy
        Named tuple ``(X_train, y_train, X_test, y_test, thresholds)``; scores are float32 of
        shape (n, n_labels), labels uint8 of the same shape, thresholds float64 of shape
        (n_labels,).

    Examples
    --------
    >>> from f1tune.datasets import make_seed_toy
    >>> data = make_seed_toy(n_train=1000, n_test=100, n_labels=5)
    >>> data.X_train.shape, data.y_test.shape, data.thresholds.shape
    ((1000, 5), (100, 5), (5,))
    """
    n_train = check_int(n_train, "n_train", 1)
    n_test = check_int(n_test, "n_test", 1)
    n_labels = check_int(n_labels, "n_labels", 1)
    rng = np.random.default_rng(random_state)
    thresholds = rng.random(n_labels)
    X_train = rng.random((n_train, n_labels), dtype=np.float32)
    X_test = rng.random((n_test, n_labels), dtype=np.float32)
    y_train = (X_train > thresholds).astype(np.uint8)
    y_test = (X_test > thresholds).astype(np.uint8)
    return SeedToy(X_train, y_train, X_test, y_test, thresholds)
