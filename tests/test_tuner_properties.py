"""Property test: any batching of any small data, tuned exactly, equals one-shot tuning; bounded mode brackets it."""

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from f1tune.thresholds import tune_thresholds
from f1tune.tuner import ThresholdTuner


@st.composite
def batched_data(draw):
    n = draw(st.integers(1, 60))
    L = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    y = (rng.random((n, L)) < draw(st.floats(0.0, 1.0))).astype(np.uint8)
    levels = draw(st.integers(1, 12))  # few levels: many ties
    lo, hi = draw(st.sampled_from([(0.0, 1.0), (-3.0, 3.0), (0.45, 0.55)]))
    s = np.round(rng.uniform(lo, hi, (n, L)) * levels) / levels
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    cuts = sorted(set(draw(st.lists(st.integers(1, max(1, n - 1)), max_size=4)))) if n > 1 else []
    return y, s.astype(dtype), cuts


@settings(max_examples=120, deadline=None)
# weighted upper bound with zero_division=nan and a label without positives (its weight is 0)
@example((np.array([[0, 1]], np.uint8), np.array([[0.0, 0.0]], np.float32), []), "weighted", 1.0, np.nan, 2)
@given(
    batched_data(),
    st.sampled_from(["macro", "weighted", None, "micro", "global"]),
    st.sampled_from([1.0, 0.5, 2.0, 3.0]),
    st.sampled_from([0.0, 1.0, np.nan]),
    st.sampled_from([2, 16, 2048]),
)
def test_any_batching_equals_one_shot(d, average, beta, zero_division, bins):
    y, s, cuts = d
    exact = ThresholdTuner(y.shape[1], bins=bins, score_range=(0.0, 1.0))
    bounded = ThresholdTuner(y.shape[1], exact=False, bins=bins)
    for ys, ss in zip(np.split(y, cuts), np.split(s, cuts)):
        exact.update(ys, ss)
        bounded.update(ys, ss)
    ref = tune_thresholds(y, s, average=average, beta=beta, zero_division=zero_division)
    got = exact.tune(average=average, beta=beta, zero_division=zero_division)
    assert np.array_equal(got.thresholds, ref.thresholds)
    for k in ("tp", "fp", "fn", "tn"):
        assert np.array_equal(getattr(got, k), getattr(ref, k))
    b = bounded.tune(average=average, beta=beta, zero_division=zero_division)
    pred = s >= b.thresholds
    assert np.array_equal((pred & (y == 1)).sum(0), b.tp) and np.array_equal(pred.sum(0), b.tp + b.fp)
    lo, hi, opt = (np.asarray(v, dtype=float) for v in (b.score, b.upper_bound, ref.score))
    ok = ~np.isnan(opt)
    assert (lo[ok] <= opt[ok] + 1e-12).all() and (opt[ok] <= hi[ok] + 1e-12).all()
