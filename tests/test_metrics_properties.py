"""Hypothesis property tests: counting equals NumPy's brute force for any data and thresholds."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import f1tune

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, width=32)


@st.composite
def cases(draw):
    n = draw(st.integers(1, 40))
    L = draw(st.integers(1, 6))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    # Few distinct values make ties likely.
    values = draw(st.lists(finite, min_size=1, max_size=6))
    s = np.asarray(draw(arrays(np.int64, (n, L), elements=st.integers(0, len(values) - 1))))
    s = np.asarray(values, dtype=dtype)[s]
    y = draw(arrays(np.int8, (n, L), elements=st.integers(0, 1)))
    T = draw(st.integers(1, 5))
    pool = values + [v + 0.5 for v in values] + [-np.inf, np.inf]
    thr = np.asarray(draw(st.lists(st.sampled_from(pool), min_size=T * L, max_size=T * L)), dtype=np.float64).reshape(
        T, L
    )
    return y, s, thr


def brute(y, s, t):
    p = s >= t  # NumPy compares float32 with float64 exactly (promotes to float64)
    return ((p & (y == 1)).sum(0), (p & (y == 0)).sum(0), (~p & (y == 1)).sum(0), (~p & (y == 0)).sum(0))


@settings(max_examples=200, deadline=None)
@given(cases())
def test_confusion_equals_brute_force(case):
    y, s, thr = case
    batch = f1tune.confusion(y, s, thr)
    for i, t in enumerate(thr):
        single = f1tune.confusion(y, s, t)
        for got_single, got_batch, want in zip(single, batch, brute(y, s.astype(np.float64), t)):
            np.testing.assert_array_equal(got_single, want)
            np.testing.assert_array_equal(got_batch[i], want)


@settings(max_examples=100, deadline=None)
@given(cases(), st.sampled_from([0.5, 1.0, 3.0]))
def test_micro_fbeta_formula(case, beta):
    y, s, thr = case
    tp, fp, fn, _ = brute(y, s.astype(np.float64), thr[0])
    b2 = beta * beta
    denom = (1 + b2) * tp.sum() + b2 * fn.sum() + fp.sum()
    want = (1 + b2) * tp.sum() / denom if denom else 0.0
    assert np.isclose(f1tune.fbeta_score(y, s, beta=beta, thresholds=thr[0]), want, rtol=1e-12, atol=0)
