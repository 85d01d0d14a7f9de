"""The compiled core trusts no caller: every ``f1tune._core`` function checks the shapes,
alignment and values its kernel relies on and raises a clear ValueError (called directly here,
past the Python validation that normally comes first)."""

from __future__ import annotations

import numpy as np
import pytest

from f1tune import _core


def _thr(L: int, T: int | None = None) -> np.ndarray:
    return np.full((L,) if T is None else (T, L), 0.5)


# Each function as call(y, s) with valid extra arguments for shape (n, L).
CALLS = {
    "count_at_thresholds": lambda y, s: _core.count_at_thresholds(y, s, _thr(s.shape[-1])),
    "count_batch": lambda y, s: _core.count_batch(y, s, _thr(s.shape[-1], 2)),
    "sample_fbeta_sums": lambda y, s: _core.sample_fbeta_sums(y, s, _thr(s.shape[-1], 2), 1.0),
    "tune_per_label": lambda y, s: _core.tune_per_label(y, s, 1.0, 0.0),
    "tune_micro": lambda y, s: _core.tune_micro(y, s, 1.0, 0.0),
    "tune_global": lambda y, s: _core.tune_global(y, s, 1.0, 0.0),
    "label_curve": lambda y, s: _core.label_curve(y, s),
}


def unaligned(a: np.ndarray) -> np.ndarray:
    """A copy of ``a`` whose data starts one byte past an aligned address (a byte-offset view)."""
    buf = np.zeros(a.nbytes + 1, np.uint8)
    v = buf[1:].view(a.dtype).reshape(a.shape)
    v[...] = a
    assert not v.flags.aligned
    return v


@pytest.mark.parametrize("name", CALLS)
@pytest.mark.parametrize("shape", [(0, 3), (4, 0), (0, 0)])
def test_empty_rows_or_columns_raise(name, shape):
    y, s = np.zeros(shape, np.int8), np.zeros(shape, np.float32)
    with pytest.raises(
        ValueError, match=rf"at least one row and one label column, got shape \({shape[0]}, {shape[1]}\)"
    ):
        CALLS[name](y, s)


@pytest.mark.parametrize("name", CALLS)
def test_mismatched_or_1d_inputs_raise(name):
    y, s = np.zeros((4, 2), np.int8), np.zeros((4, 3), np.float32)
    with pytest.raises(ValueError, match=r"same shape, got \(4, 2\) and \(4, 3\)"):
        CALLS[name](y, s)
    with pytest.raises(ValueError, match="same shape"):
        CALLS[name](np.zeros(4, np.int8), np.zeros(4, np.float32))


def test_thresholds_shape_is_checked():
    y, s = np.zeros((5, 3), np.int8), np.zeros((5, 3), np.float32)
    with pytest.raises(ValueError, match=r"thresholds: expected shape \(3,\), got \(2,\)"):
        _core.count_at_thresholds(y, s, _thr(2))
    with pytest.raises(ValueError, match=r"thresholds: expected shape \(2, 3\), got \(2, 4\)"):
        _core.count_batch(y, s, _thr(4, 2))
    with pytest.raises(ValueError, match=r"T >= 1, got shape \(0, 3\)"):
        _core.count_batch(y, s, _thr(3, 0))
    with pytest.raises(ValueError, match=r"thresholds: expected a 2-D"):
        _core.sample_fbeta_sums(y, s, _thr(3), 1.0)


@pytest.mark.parametrize("name", CALLS)
@pytest.mark.parametrize("which", ["y_true", "y_score"])
@pytest.mark.parametrize("score_dtype, label_dtype", [(np.float32, np.int32), (np.float64, np.int64)])
def test_unaligned_views_are_refused(name, which, score_dtype, label_dtype):
    rng = np.random.default_rng(0)
    y = (rng.random((6, 2)) < 0.5).astype(label_dtype)
    s = rng.random((6, 2)).astype(score_dtype)
    args = (unaligned(y), s) if which == "y_true" else (y, unaligned(s))
    with pytest.raises(ValueError, match=rf"{which}: expected an aligned array.*requirements='A'"):
        CALLS[name](*args)
    # The aligned copy the message suggests works and agrees with the original arrays.
    fixed = [np.require(a, requirements="A") for a in args]
    r, expected = CALLS[name](*fixed), CALLS[name](y, s)
    for field in ("tp", "pp", "thresholds", "fbeta_sum"):
        if hasattr(expected, field):
            np.testing.assert_array_equal(getattr(r, field), getattr(expected, field))


def test_unaligned_thresholds_are_refused():
    y, s = np.zeros((5, 3), np.int8), np.zeros((5, 3), np.float32)
    with pytest.raises(ValueError, match="thresholds: expected an aligned array"):
        _core.count_at_thresholds(y, s, unaligned(_thr(3)))
    with pytest.raises(ValueError, match="thresholds: expected an aligned array"):
        _core.count_batch(y, s, unaligned(_thr(3, 2)))


@pytest.mark.parametrize("beta", [0.0, -1.0, float("nan"), float("inf"), 1e200])
def test_beta_is_checked(beta):
    y, s = np.ones((3, 2), np.int8), np.ones((3, 2), np.float32)
    for tune in (_core.tune_per_label, _core.tune_micro, _core.tune_global):
        with pytest.raises(ValueError, match="beta: expected a finite number"):
            tune(y, s, beta, 0.0)
    with pytest.raises(ValueError, match="beta: expected a finite number"):
        _core.sample_fbeta_sums(y, s, _thr(2, 1), beta)


def test_negative_n_threads_is_refused():
    y, s = np.ones((3, 2), np.int8), np.ones((3, 2), np.float32)
    with pytest.raises(ValueError, match="n_threads: expected 0"):
        _core.tune_per_label(y, s, 1.0, 0.0, -1)
    with pytest.raises(ValueError, match="n_threads: expected 0"):
        _core.count_batch(y, s, _thr(2, 1), -2)


def test_smallest_valid_input_is_counted_exactly():
    # One row, one label: the positive scores 0.7, so thresholds 0.5 / 0.9 predict it / do not.
    y, s = np.array([[1]], np.int8), np.array([[0.7]], np.float32)
    c = _core.count_batch(y, s, np.array([[0.5], [0.9]]))
    np.testing.assert_array_equal(c.tp, [[1], [0]])
    np.testing.assert_array_equal(c.pp, [[1], [0]])
    curve = _core.label_curve(y, s)
    np.testing.assert_array_equal(curve.tp, [0, 1])
    np.testing.assert_array_equal(curve.pp, [0, 1])
    r = _core.tune_micro(y, s, 1.0, 0.0)
    assert r.thresholds[0] <= 0.7 and r.tp[0] == 1 and r.pp[0] == 1
