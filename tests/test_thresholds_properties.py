"""Hypothesis properties of tune_thresholds: optimal against brute force, placement contract."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import f1tune
from _threshold_oracle import best_global, best_label, best_micro_bruteforce

# Scores from a small pool (many ties, signed zeros, extremes) or any finite float.
POOL = [-1e30, -2.5, -1.0, -0.0, 0.0, 1e-40, 0.25, 0.5, 0.5000001, 0.75, 1.0, 3.0, 1e30]


@st.composite
def cases(draw, max_n=40, max_l=3):
    n = draw(st.integers(1, max_n))
    L = draw(st.integers(1, max_l))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    y = draw(hnp.arrays(np.int8, (n, L), elements=st.integers(0, 1)))
    if draw(st.booleans()):
        s = draw(hnp.arrays(np.float64, (n, L), elements=st.sampled_from(POOL))).astype(dtype)
    else:
        width = 32 if dtype == np.float32 else 64
        s = draw(hnp.arrays(dtype, (n, L), elements=st.floats(allow_nan=False, allow_infinity=False, width=width)))
    beta = draw(st.sampled_from([0.5, 1.0, 2.0, 3.0]))
    return y, s, beta


def assert_contract(y, s, res):
    pred = res.predict(s)
    for j, t in enumerate(res.thresholds):
        col = s[:, j]
        if not np.array_equal(pred[:, j], col > t):
            # The one exception to ">= and > agree": float64 scores whose cut lies between two
            # adjacent doubles, where no threshold strictly between them exists (t is the lower
            # bound of the predicted scores itself).
            lowest, below = col[pred[:, j]].min(), col[~pred[:, j]].max()
            assert col.dtype == np.float64 and t == lowest and np.nextafter(below, np.inf) == lowest
    assert np.array_equal(pred, s >= res.thresholds.astype(s.dtype)) or s.dtype == np.float64
    tp = (pred & (y == 1)).sum(0)
    assert np.array_equal(tp, res.tp) and np.array_equal(pred.sum(0), res.tp + res.fp)
    assert np.array_equal(res.fn, (y == 1).sum(0) - res.tp)
    assert np.array_equal(res.tp + res.fp + res.fn + res.tn, np.full(s.shape[1], s.shape[0]))


@settings(max_examples=150, deadline=None)
@given(cases())
def test_macro_is_each_labels_best_cut(case):
    y, s, beta = case
    res = f1tune.tune_thresholds(y, s, beta=beta)
    assert_contract(y, s, res)
    for j in range(s.shape[1]):
        f, tp, pp = best_label(y[:, j], s[:, j], beta * beta)
        assert (res.tp[j], res.tp[j] + res.fp[j]) == (tp, pp)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_global_is_the_best_shared_cut(case):
    y, s, beta = case
    res = f1tune.tune_thresholds(y, s, average="global", beta=beta)
    assert_contract(y, s, res)
    f, tp, pp = best_global(y, s, beta * beta)
    assert (res.tp.sum(), (res.tp + res.fp).sum()) == (tp, pp)


@settings(max_examples=80, deadline=None)
@given(cases(max_n=7, max_l=3))
def test_micro_is_the_best_combination(case):
    y, s, beta = case
    res = f1tune.tune_thresholds(y, s, average="micro", beta=beta)
    assert_contract(y, s, res)
    f, _ = best_micro_bruteforce(y, s, beta * beta)
    assert res.score == pytest.approx(f, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(cases(max_n=30, max_l=1))
def test_curve_contains_the_optimum(case):
    y, s, beta = case
    c = f1tune.fbeta_curve(y[:, 0], s[:, 0], beta=beta)
    assert np.all(np.diff(c.thresholds) < 0)
    res = f1tune.tune_thresholds(y[:, 0], s[:, 0], beta=beta)
    i = int(np.argmax(c.fbeta))
    assert c.thresholds[i] == res.thresholds[0]


@pytest.mark.parametrize(
    ("y", "s", "average"),
    [
        # Found by Hypothesis: cuts between adjacent doubles, where only t == lowest separates.
        ([[1], [0]], [[np.finfo(np.float64).max], [np.nextafter(np.finfo(np.float64).max, 0)]], "macro"),
        ([[1], [0]], [[5e-324], [0.0]], "global"),
    ],
)
def test_cut_between_adjacent_doubles(y, s, average):
    y, s = np.array(y, np.int8), np.array(s, np.float64)
    res = f1tune.tune_thresholds(y, s, average=average)
    assert res.thresholds[0] == s[0, 0] and res.score == 1.0
    assert_contract(y, s, res)
