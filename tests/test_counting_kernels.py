"""confusion's counting kernels (scalar, per-label, batched) against brute-force NumPy counts.

The float32 + one-byte-label inputs run the AVX2 kernels where the CPU has them (byte counters
flushed every 255 rows, periods of lcm(L, 32) elements, 32-label groups with an overlapping last
group, column chunks; batches through a bucket index with an 8-value window); the other dtypes
run the scalar kernels. Every shape below is chosen to hit one of those seams.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import f1tune

F32_MAX = float(np.finfo(np.float32).max)
F32_EPS = float(np.finfo(np.float32).eps)


def brute_counts(y, s, thresholds):
    """tp, pp (T, L) and pos (L,) of s >= thresholds[j], compared exactly in float64."""
    thr = np.asarray(thresholds, dtype=np.float64).reshape(-1, s.shape[1])
    pred = s.astype(np.float64)[None] >= thr[:, None, :]  # (T, n, L)
    yb = y.astype(bool)
    return (pred & yb).sum(1), pred.sum(1), yb.sum(0)


def assert_counts(y, s, thresholds, n_threads=None):
    """confusion(y, s, thresholds) as a batch equals the brute-force counts."""
    thr = np.asarray(thresholds, dtype=np.float64)
    c = f1tune.confusion(y, s, thr, n_threads=n_threads)
    tp, pp, pos = brute_counts(y, s, thr)
    if thr.ndim == 1:  # per-label thresholds: no setting axis
        tp, pp = tp[0], pp[0]
    np.testing.assert_array_equal(c.tp, tp)
    np.testing.assert_array_equal(c.tp + c.fp, pp)
    np.testing.assert_array_equal(c.tp + c.fn, np.broadcast_to(pos, c.tp.shape))
    np.testing.assert_array_equal(c.tp + c.fp + c.fn + c.tn, np.full(c.tp.shape, s.shape[0]))


def make(rng, n, L, order="C", label_dtype=np.uint8):
    """Scores with many ties at 0.5 and labels of the given dtype, in the given memory order."""
    s = rng.random((n, L), dtype=np.float32)
    s[rng.random((n, L)) < 0.1] = 0.5
    y = (rng.random((n, L)) < 0.3).astype(label_dtype)
    return np.asarray(y, order=order), np.asarray(s, order=order)


# (rows, labels): one row / one label; L below, at and above the 32-label group and the 8-lane
# locate; L whose period lcm(L, 32) is short (flat kernel) or long (row kernel, overlapping group);
# rows not a multiple of the period, and more than 255 periods / rows / column chunks per thread.
SHAPES = [(1, 1), (1, 100), (100, 1), (37, 3), (300, 31), (300, 32), (300, 33), (301, 100), (2041, 100),
          (600, 7), (40, 1000), (9001, 2), (260, 40)]  # fmt: skip


@pytest.mark.parametrize(("n", "L"), SHAPES)
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("label_dtype", [bool, np.uint8, np.int8, np.int32])
def test_scalar_and_per_label_thresholds(rng, n, L, order, label_dtype):
    y, s = make(rng, n, L, order, label_dtype)
    assert_counts(y, s, rng.random(L))
    assert_counts(y, s, np.full(L, 0.5))  # equal to the tied scores: counted positive
    c = f1tune.confusion(y, s, 0.5)
    tp, pp, _ = brute_counts(y, s, np.full(L, 0.5))
    np.testing.assert_array_equal(c.tp, tp[0])
    np.testing.assert_array_equal(c.tp + c.fp, pp[0])


@pytest.mark.parametrize(("n", "L"), SHAPES)
@pytest.mark.parametrize("order", ["C", "F"])
def test_batches(rng, n, L, order):
    y, s = make(rng, n, L, order)
    T = 23
    flat = s.ravel()
    batches = {
        "shared grid": np.linspace(0, 1, T)[:, None] * np.ones((1, L)),
        "per-label": rng.random((T, L)),
        "duplicates": rng.choice([0.1, 0.5, 0.5, 0.9], size=(T, L)),
        "equal to scores": flat[rng.integers(0, flat.size, size=(T, L))].astype(np.float64),
        "infinite": np.where(rng.random((T, L)) < 0.4, np.inf, -np.inf),
        "signed zeros": np.where(rng.random((T, L)) < 0.5, -0.0, 0.0),
        "float32 extremes": rng.choice([-F32_MAX, F32_MAX, -np.inf, 0.5], size=(T, L)),
        "between float32 values": 0.5 + rng.integers(-4, 5, size=(T, L)) * (F32_EPS / 4),
        "huge span": np.where(rng.random((T, L)) < 0.5, rng.random((T, L)) * 1e-30, rng.random((T, L)) * 1e30),
    }
    for thr in batches.values():
        assert_counts(y, s, thr)


def test_many_settings_and_a_single_setting(rng):
    y, s = make(rng, 500, 13)
    assert_counts(y, s, rng.random((1000, 13)))
    assert_counts(y, s, np.sort(rng.random((1000, 1)), axis=0) * np.ones((1, 13)))
    assert_counts(y, s, rng.random((1, 13)))


def test_clustered_thresholds_beyond_the_bucket_index(rng):
    """Hundreds of distinct thresholds a few float32 steps apart next to a huge one: no linear
    bucket map separates them into windows of 8, so the general path counts them."""
    y, s = make(rng, 400, 5)
    close = 0.5 + np.arange(300) * 2.0**-24  # consecutive float32 values
    thr = np.r_[close, 1e30][:, None] * np.ones((1, 5))
    s[:200] = close[rng.integers(0, 300, size=(200, 5))].astype(np.float32)
    assert_counts(y, s, thr)


@pytest.mark.parametrize("n_threads", [1, 2, 3])
def test_threads_and_16_bit_bin_flush(rng, n_threads):
    """More than 65535 rows per thread: the batch's 16-bit bins are flushed before they wrap."""
    y, s = make(rng, 140_000, 2)
    assert_counts(y, s, rng.random((5, 2)), n_threads=n_threads)
    assert_counts(y, s, rng.random(2), n_threads=n_threads)


def test_strided_views(rng):
    """Views with row and column strides take the general kernels or the row kernel in place."""
    y, s = make(rng, 600, 80)
    for sl in (np.s_[::2, :], np.s_[:, ::2], np.s_[::3, 5:70], np.s_[:, 3:40]):
        assert_counts(y[sl], s[sl], rng.random(s[sl].shape[1]))
        assert_counts(y[sl], s[sl], rng.random((7, s[sl].shape[1])))


@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("where", [(0, 0), (2040, 99), (1017, 37), (2040, 3)])
def test_bad_values_anywhere_raise(rng, batched, order, where):
    """NaN/inf scores and labels outside {0, 1} at the first, last, a tail or a middle element."""
    y, s = make(rng, 2041, 100)
    thr = rng.random((4, 100)) if batched else 0.5
    for bad in (np.nan, np.inf, -np.inf):
        s2 = s.copy()
        s2[where] = bad
        with pytest.raises(ValueError, match="y_score"):
            f1tune.confusion(y, np.asarray(s2, order=order), thr)
    y2 = y.copy()
    y2[where] = 2
    with pytest.raises(ValueError, match="y_true"):
        f1tune.confusion(np.asarray(y2, order=order), s, thr)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 80),
    L=st.integers(1, 40),
    T=st.integers(1, 12),
    seed=st.integers(0, 2**32 - 1),
    fortran=st.booleans(),
    from_scores=st.booleans(),
)
def test_batches_property(n, L, T, seed, fortran, from_scores):
    """Any small batch (thresholds often equal to scores) counts like brute force."""
    rng = np.random.default_rng(seed)
    y, s = make(rng, n, L, "F" if fortran else "C")
    s = np.asarray(np.round(s * 8) / 8, order="F" if fortran else "C")  # few distinct scores: many ties
    if from_scores:
        thr = s.ravel()[rng.integers(0, s.size, size=(T, L))].astype(np.float64)
    else:
        thr = np.round(rng.normal(0.5, 0.4, size=(T, L)) * 8) / 8
    assert_counts(y, s, thr)
