"""Argument checks shared by every public entry point.

Each check runs once at the public boundary and raises a ``TypeError`` or ``ValueError`` whose
message names the argument, what was expected and what was received. Value checks that would
need an extra pass over large inputs (targets outside {0, 1}, NaN or inf scores) are done by the
compiled kernels during their single pass and reported by :func:`raise_for_flags` (called by
``f1tune._native``, the front of the core, for every kernel result).
Nothing is copied or modified: the returned arrays are views of the inputs.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any, Protocol

import numpy as np

from f1tune.exceptions import UndefinedMetricWarning

LABEL_DTYPES = (np.dtype(np.bool_), np.dtype(np.uint8), np.dtype(np.int8), np.dtype(np.int32), np.dtype(np.int64))
SCORE_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
AVERAGES = ("micro", "macro", "weighted", "samples", None)


def _is_sparse(value: Any) -> bool:
    """Return whether ``value`` is a scipy.sparse matrix or array (recognized without importing scipy)."""
    return hasattr(value, "toarray") and hasattr(value, "nnz") and hasattr(value, "tocsr")


def _torch_tensor_as_array(value: Any, name: str) -> np.ndarray:
    """View a CPU torch tensor as numpy (no copy), or raise naming what to do instead."""
    if getattr(value, "requires_grad", False):
        raise TypeError(f"{name}: expected an array, got a torch tensor that requires grad; pass tensor.detach()")
    if getattr(getattr(value, "device", None), "type", "cpu") != "cpu":
        raise TypeError(f"{name}: expected a CPU array, got a torch tensor on {value.device}; pass tensor.cpu()")
    if str(value.dtype) in ("torch.bfloat16", "torch.float16"):
        raise TypeError(
            f"{name}: expected float32 or float64, got a {value.dtype} tensor; convert, e.g. tensor.float()"
        )
    return np.asarray(value)


def _as_array(value: Any, name: str) -> np.ndarray:
    if isinstance(value, np.ndarray):
        a = value
    elif type(value).__module__.split(".")[0] in ("dask", "dask_expr"):  # recognized without importing dask
        raise TypeError(
            f"{name}: expected an in-memory array, got a dask {type(value).__name__} (it would be loaded whole); "
            "use f1tune.dask.tune_thresholds / confusion / fbeta_score, which work chunk by chunk"
        )
    elif type(value).__module__.startswith("torch"):
        a = _torch_tensor_as_array(value, name)
    elif hasattr(value, "__array__") or isinstance(value, (list, tuple, memoryview)):
        try:
            a = np.asarray(value)
        except ValueError as err:  # ragged nested lists
            raise ValueError(f"{name}: expected a rectangular array, got {type(value).__name__} ({err})") from None
        if a.dtype == object and hasattr(value, "dtypes"):
            target = "np.int8" if name == "y_true" else "np.float32"
            raise TypeError(
                f"{name}: expected numeric columns, got a {type(value).__name__} of object or nullable dtypes "
                f"(pandas' Int64/boolean/Float64; missing values?); convert explicitly, e.g. "
                f"df.to_numpy(dtype={target})"
            )
    else:
        raise TypeError(f"{name}: expected an array-like, got {type(value).__name__}")
    # The kernels read elements in place: a byte-offset view is copied once to aligned memory.
    return a if a.flags.aligned else np.require(a, requirements="A")


def _check_ndim(a: np.ndarray, name: str) -> None:
    if a.ndim not in (1, 2):
        raise ValueError(
            f"{name}: expected shape (n_samples,) or (n_samples, n_labels), got {a.ndim}-D shape {a.shape}"
        )
    if a.size == 0:
        raise ValueError(f"{name}: expected a non-empty array, got shape {a.shape}")


def check_y_score(y_score: Any, name: str = "y_score") -> np.ndarray:
    """Return ``y_score`` as a float32/float64 array of 1 or 2 dimensions, without copying.

    Dense only: a scipy.sparse matrix of scores is rejected (most scores are not zero, and the
    kernels read scores in place).
    """
    if _is_sparse(y_score):
        raise TypeError(
            f"{name}: expected a dense array of scores, got a sparse {type(y_score).__name__}; pass .toarray()"
        )
    a = _as_array(y_score, name)
    if a.dtype not in SCORE_DTYPES:
        raise TypeError(
            f"{name}: expected float32 or float64 scores, got dtype {a.dtype}"
            + ("; convert explicitly, e.g. y_score.astype(np.float32)" if a.dtype.kind in "biuf" else "")
        )
    _check_ndim(a, name)
    return a


def _labels_from_values(values: np.ndarray, name: str) -> None:
    """Raise unless every value is 0 or 1 (for label inputs the kernels do not read directly)."""
    if not np.isin(values, (0, 1)).all():
        raise ValueError(f"{name}: expected values in {{0, 1}}, found other values")


def check_y_true(y_true: Any, name: str = "y_true") -> np.ndarray:
    """Return ``y_true`` as a bool/uint8/int8/int32/int64 array of 1 or 2 dimensions.

    Integer and bool arrays are returned without copying (the kernels check their values).
    As in scikit-learn, a scipy.sparse indicator matrix and a float array holding only 0.0 and
    1.0 are accepted too: their values are checked here, and they are converted to a new uint8
    array (labels only; the input is never modified).
    """
    if _is_sparse(y_true):
        sparse = y_true.tocsr()
        _labels_from_values(sparse.data, name)
        a = sparse.toarray().astype(np.uint8)
    else:
        a = _as_array(y_true, name)
        if a.dtype.kind == "f":
            _labels_from_values(a, name)
            a = a.astype(np.uint8)
    if a.dtype not in LABEL_DTYPES:
        hint = "; convert explicitly, e.g. y_true.astype(np.int8)" if a.dtype.kind in "biuf" else ""
        raise TypeError(
            f"{name}: expected 0/1 labels of dtype bool, uint8, int8, int32, int64 or float, got dtype {a.dtype}{hint}"
        )
    _check_ndim(a, name)
    return a


def check_targets_and_scores(y_true: Any, y_score: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    """Check a (y_true, y_score) pair and return 2-D views of shape (n, L) and whether the input was 1-D.

    A 1-D pair is one label: it is viewed as shape (n, 1), and callers drop the label axis again.
    """
    y = check_y_true(y_true)
    s = check_y_score(y_score)
    if y.shape != s.shape:
        raise ValueError(f"y_true and y_score: expected the same shape, got {y.shape} and {s.shape}")
    one_label = s.ndim == 1
    if one_label:
        y, s = y[:, None], s[:, None]
    if y.dtype == np.bool_:
        y = y.view(np.uint8)
    return y, s, one_label


def _is_weak_scalar(value: Any) -> bool:
    """Return whether ``value`` is a Python int or float (not a NumPy scalar), which NumPy 2 compares in the array's dtype."""
    return isinstance(value, (int, float)) and not isinstance(value, (bool, np.generic))


def check_thresholds(thresholds: Any, n_labels: int, one_label: bool, score_dtype: np.dtype) -> tuple[np.ndarray, bool]:
    """Return thresholds as a C-contiguous float64 array of shape (T, n_labels) and whether it is a batch.

    Accepted: a scalar; a per-label vector (L,); a batch (T, L), or (T, 1) shared by all labels.
    For one-label input (1-D y_score), a vector (T,) is a batch of T thresholds.

    Comparison rule, NumPy's: a threshold given as a Python int or float is first rounded to the
    scores' dtype (``float32_scores >= 0.7`` compares with ``float32(0.7)``), while NumPy scalars
    and arrays compare exactly. So ``y_score >= thresholds`` means here what it means in NumPy.
    """
    if _is_weak_scalar(thresholds):
        try:
            with np.errstate(over="ignore"):
                thresholds = np.asarray(float(thresholds), dtype=score_dtype)
        except OverflowError:
            raise ValueError(f"thresholds: expected a number within float64's range, got {thresholds!r}") from None
    t = _as_array(thresholds, "thresholds") if not isinstance(thresholds, numbers.Real) else np.asarray(thresholds)
    if t.dtype.kind not in "iuf":
        raise TypeError(f"thresholds: expected real numbers, got dtype {t.dtype}")
    if t.size and np.isnan(t).any():
        raise ValueError("thresholds: expected numbers, got NaN")
    L = n_labels
    if t.ndim == 0:
        return np.full((1, L), float(t), dtype=np.float64), False
    if t.size == 0:
        raise ValueError(f"thresholds: expected at least one threshold, got shape {t.shape}")
    if t.ndim == 1 and one_label:
        return np.ascontiguousarray(t, dtype=np.float64).reshape(-1, 1), True
    if t.ndim == 1:
        if t.shape[0] != L:
            raise ValueError(
                f"thresholds: expected a scalar, a per-label vector of shape ({L},) or a batch of shape (T, {L}) "
                f"or (T, 1), got shape {t.shape}; for a batch of thresholds shared by all labels pass thresholds[:, None]"
            )
        return np.ascontiguousarray(t, dtype=np.float64).reshape(1, L), False
    if t.ndim == 2 and t.shape[1] in (1, L):
        return np.ascontiguousarray(np.broadcast_to(t, (t.shape[0], L)), dtype=np.float64), True
    raise ValueError(f"thresholds: expected a scalar, shape ({L},), (T, {L}) or (T, 1), got shape {t.shape}")


MAX_BETA = 1e100  # (1 + beta²) * count stays far inside float64's range


def check_beta(beta: Any) -> float:
    """Return ``beta`` as a float after checking it is a number in (0, MAX_BETA].

    Larger beta would overflow the ``(1 + beta²)`` factor of F-beta (1e155² is inf), giving NaN;
    at 1e100 F-beta already equals recall to double precision.
    """
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
        raise TypeError(f"beta: expected a positive real number, got {type(beta).__name__}")
    b = float(beta)
    if not (np.isfinite(b) and 0 < b <= MAX_BETA):
        raise ValueError(f"beta: expected a finite number > 0 and <= {MAX_BETA:g}, got {beta!r}")
    return b


def check_average(average: Any, allowed: tuple[Any, ...] = AVERAGES) -> Any:
    """Return ``average`` after checking it is one of ``allowed``."""
    if average not in allowed or (average is not None and not isinstance(average, str)):
        raise ValueError(f"average: expected one of {', '.join(repr(a) for a in allowed)}, got {average!r}")
    return average


def check_zero_division(zero_division: Any) -> tuple[float, bool]:
    """Return (value used when a score is undefined, whether to warn) for ``zero_division``.

    As in scikit-learn: 0, 1, ``np.nan``, or ``"warn"`` (acts as 0 and warns).
    """
    if isinstance(zero_division, str):
        if zero_division == "warn":
            return 0.0, True
    elif isinstance(zero_division, numbers.Real) and not isinstance(zero_division, bool):
        z = float(zero_division)
        if z in (0.0, 1.0) or np.isnan(z):
            return z, False
    raise ValueError(f"zero_division: expected 0, 1, np.nan or 'warn', got {zero_division!r}")


def check_int(value: Any, name: str, low: int) -> int:
    """Return ``value`` as an int after checking it is an integer >= ``low`` (bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name}: expected an integer >= {low}, got {value!r}")
    return int(value)


def check_float(
    value: Any, name: str, low: float, high: float, *, low_open: bool = False, high_open: bool = False
) -> float:
    """Return ``value`` as a float after checking it is finite and within the given interval."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(float(value)):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    v = float(value)
    if (v < low or (low_open and v == low)) or (v > high or (high_open and v == high)):
        lo, hi = "(" if low_open else "[", ")" if high_open else "]"
        raise ValueError(f"{name}: expected a number in {lo}{low}, {high}{hi}, got {value!r}")
    return v


def check_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    """Return ``value`` after checking it is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, choices))}, got {value!r}")
    return str(value)


def check_bool(value: Any, name: str) -> bool:
    """Return ``value`` after checking it is a bool (or numpy bool): strings such as "no" are rejected."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {value!r}")
    return bool(value)


def check_finite_scores(s: np.ndarray, name: str = "y_score") -> None:
    """NumPy-path check that scores are finite, for entry points that do not call a kernel."""
    if not np.isfinite(s).all():
        raise ValueError(f"{name}: expected finite scores, found NaN or inf")


def check_label_values(y: np.ndarray, name: str = "y_true") -> None:
    """NumPy-path check that labels are 0 or 1, for entry points that do not call a kernel."""
    bad = (y > 1).any() if y.dtype == np.uint8 else ((y != 0) & (y != 1)).any()
    if bad:
        raise ValueError(f"{name}: expected values in {{0, 1}}, found other values")


def check_n_threads(n_threads: Any) -> int:
    """Return the thread count for the core: 0 means all cores."""
    if n_threads is None:
        return 0
    if isinstance(n_threads, bool) or not isinstance(n_threads, numbers.Integral) or n_threads < 1:
        raise ValueError(f"n_threads: expected None (all cores) or an integer >= 1, got {n_threads!r}")
    return int(n_threads)


class KernelFlags(Protocol):
    """What a kernel found during its pass over the data (``f1tune._core.InputFlags``)."""

    @property
    def bad_label(self) -> bool: ...
    @property
    def bad_score(self) -> bool: ...


def raise_for_flags(flags: KernelFlags) -> None:
    """Raise for the value problems a kernel found during its pass over the data."""
    if flags.bad_label:
        raise ValueError("y_true: expected values in {0, 1}, found other values")
    if flags.bad_score:
        raise ValueError("y_score: expected finite scores, found NaN or inf")


def warn_undefined(what: str) -> None:
    """Warn, as scikit-learn does for zero_division='warn', that a score was undefined and set to 0."""
    warnings.warn(
        f"{what} is ill-defined and being set to 0.0; use zero_division to control this",
        UndefinedMetricWarning,
        stacklevel=3,
    )
