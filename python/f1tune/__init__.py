"""f1tune: the best F1 (F-beta) out of multi-label classifiers.

Exact threshold tuning and fast confusion counting on a compiled core, soft-F1 losses for
PyTorch (``f1tune.torch``) and the prediction ``Stretcher``. Importing ``f1tune`` loads numpy
and the compiled core only; torch and numba load when their features are first used.

Prediction rule everywhere: a label is predicted positive iff ``y_score >= threshold``.
"""

from __future__ import annotations

from typing import Any

# _native (the front of the compiled core) first: a missing build fails here with a clear message.
from f1tune._native import __version__
from f1tune._threshold_result import ThresholdResult
from f1tune.metrics import Confusion, confusion, f1_score, fbeta_score
from f1tune.thresholds import FbetaCurve, fbeta_curve, tune_thresholds
from f1tune.tuner import ThresholdTuner

__all__ = [
    "Confusion",
    "FbetaCurve",
    "Stretcher",
    "ThresholdResult",
    "ThresholdTuner",
    "__version__",
    "confusion",
    "f1_score",
    "fbeta_curve",
    "fbeta_score",
    "tune_thresholds",
]

# Names whose modules pull in torch: resolved on first access, not at import.
_LAZY = {"Stretcher": "f1tune.stretcher"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'f1tune' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
