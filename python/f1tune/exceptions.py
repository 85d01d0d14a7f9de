"""Exceptions and warnings raised by f1tune.

Both mirror scikit-learn's so that code catching scikit-learn's conditions reads the same here.
"""

from __future__ import annotations

__all__ = ["NotFittedError", "UndefinedMetricWarning"]


class NotFittedError(ValueError, AttributeError):
    """Raised when a method that needs a fitted estimator is called before ``fit``."""


class UndefinedMetricWarning(UserWarning):
    """Warned when a score is undefined (0/0) and ``zero_division="warn"`` sets it to 0."""
