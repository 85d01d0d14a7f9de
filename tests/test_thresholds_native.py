"""The front of the compiled core (f1tune._native): named results, flags, derived cells, layouts."""

from __future__ import annotations

import numpy as np
import pytest

from f1tune import _core, _native
from f1tune._validation import check_targets_and_scores, check_thresholds
from f1tune.thresholds import tune_thresholds


def case(rng, n=500, L=6):
    y = (rng.random((n, L)) < 0.3).astype(np.int8)
    s = (np.round(rng.random((n, L)) * 20) / 20).astype(np.float32)
    return y, s


def brute_counts(y, s, thr):
    pred = s >= thr
    tp = (pred & (y == 1)).sum(-2)
    pp = pred.sum(-2)
    return tp, pp, (y == 1).sum(-2)


@pytest.mark.parametrize("batched", [False, True])
def test_counts_and_derived_cells_match_brute_force(rng, batched):
    y, s = case(rng)
    thr, is_batch = check_thresholds(np.array([[0.2], [0.5], [0.95]]) if batched else 0.5, s.shape[1], False, s.dtype)
    assert is_batch == batched
    c = _native.count(y, s, thr, batched, 0)
    tp, pp, pos = brute_counts(y[None], s[None], thr[:, None, :])
    assert np.array_equal(c.tp, tp) and np.array_equal(c.pp, pp) and np.array_equal(c.pos, pos[0])
    n = s.shape[0]
    pred = s[None] >= thr[:, None, :]
    truth = (y == 1)[None]
    assert np.array_equal(c.fp, (pred & ~truth).sum(1))
    assert np.array_equal(c.fn, (~pred & truth).sum(1))
    assert np.array_equal(c.tn, (~pred & ~truth).sum(1))
    assert np.array_equal(c.tp + c.fp + c.fn + c.tn, np.full(c.tp.shape, n))


@pytest.mark.parametrize("average", ["macro", "micro", "global"])
def test_tune_result_is_named_and_keeps_refine_passes(rng, average):
    y, s = case(rng, 3000, 4)
    tuned = _native.tune(y, s, average, 1.0, 0.0, 0)
    public = tune_thresholds(y, s, average=average)
    assert np.array_equal(tuned.thresholds, public.thresholds)
    assert np.array_equal(tuned.counts.tp, public.tp) and np.array_equal(tuned.counts.fp, public.fp)
    assert tuned.refine_passes >= 1
    tp, pp, pos = brute_counts(y, s, tuned.thresholds)
    assert np.array_equal(tuned.counts.tp, tp) and np.array_equal(tuned.counts.pp, pp)
    assert np.array_equal(tuned.counts.pos, pos)


def test_core_results_are_classes_with_arrays_built_once(rng):
    y, s = case(rng)
    r = _core.tune_per_label(y, s, 1.0, 0.0)
    assert isinstance(r, _core.TuneResult) and isinstance(r.flags, _core.InputFlags)
    assert r.tp is r.tp and r.thresholds is r.thresholds  # no new array per attribute access
    assert isinstance(r.thresholds, np.ndarray) and r.thresholds.dtype == np.float64 and r.thresholds.shape == (6,)
    assert not r.flags.bad_label and not r.flags.bad_score
    c = _core.count_at_thresholds(y, s, np.full(6, 0.5))
    assert isinstance(c, _core.LabelCounts) and c.tp.dtype == np.int64 and c.tp.shape == (6,)
    assert not isinstance(c, tuple)


@pytest.mark.parametrize("bad", ["label", "score"])
def test_every_kernel_reports_bad_values_through_the_front(rng, bad):
    y, s = case(rng)
    if bad == "label":
        y[3, 2] = 2
    else:
        s[3, 2] = np.nan
    # The kernels report bad input as a flag on a named result, never None-filled.
    r = _core.tune_micro(y, s, 1.0, 0.0)
    assert (r.flags.bad_label, r.flags.bad_score) == (bad == "label", bad == "score")
    assert r.thresholds.shape == (0,)
    name = "y_true" if bad == "label" else "y_score"
    thr = np.full((1, 6), 0.5)
    calls = [
        lambda: _native.count(y, s, thr, False, 0),
        lambda: _native.count(y, s, np.vstack([thr, thr]), True, 0),
        lambda: _native.sample_fbeta_sums(y, s, thr, 1.0, 0),
        lambda: _native.tune(y, s, "macro", 1.0, 0.0, 0),
        lambda: _native.tune(y, s, "micro", 1.0, 0.0, 0),
        lambda: _native.tune(y, s, "global", 1.0, 0.0, 0),
        lambda: _native.label_curve(y[:, 2:3], s[:, 2:3]),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=name):
            call()


def layouts(y, s):
    """The same data in every layout the core reads: C, Fortran, strided, reversed, one row, one label."""
    yield "C", y, s
    yield "F", np.asfortranarray(y), np.asfortranarray(s)
    yield "strided", np.repeat(y, 2, axis=1)[:, ::2], np.repeat(s, 2, axis=1)[:, ::2]
    yield "reversed", y[::-1].copy()[::-1], s[::-1].copy()[::-1]
    yield "rows_strided", np.repeat(y, 2, axis=0)[::2], np.repeat(s, 2, axis=0)[::2]


@pytest.mark.parametrize("shape", [(700, 5), (700, 1), (1, 5), (1, 1)])
def test_every_layout_gives_the_same_counts_and_thresholds(rng, shape):
    y, s = case(rng, *shape)
    thr = np.array([[0.1], [0.5], [0.9]]) * np.ones((1, shape[1]))
    ref_tp, ref_pp, _ = brute_counts(y[None], s[None], thr[:, None, :])
    ref = {a: _native.tune(y, s, a, 1.0, 0.0, 0).thresholds for a in ("macro", "micro", "global")}
    for name, yy, ss in layouts(y, s):
        yv, sv, _ = check_targets_and_scores(yy, ss)
        c = _native.count(yv, sv, thr[:1], False, 0)
        assert np.array_equal(c.tp, ref_tp[:1]) and np.array_equal(c.pp, ref_pp[:1]), name
        cb = _native.count(yv, sv, thr, True, 0)
        assert np.array_equal(cb.tp, ref_tp) and np.array_equal(cb.pp, ref_pp), name
        for a, t in ref.items():
            assert np.array_equal(_native.tune(yv, sv, a, 1.0, 0.0, 0).thresholds, t), (name, a)


def test_per_label_score_does_not_alias_fbeta(rng):
    y, s = case(rng)
    res = tune_thresholds(y, s, average=None)
    assert np.array_equal(res.score, res.fbeta)
    assert not np.shares_memory(res.score, res.fbeta)


def adversarial_scores(dtype, lo, hi, bins, n, L, rng):
    """Scores at and next to every kind of bucket edge of the map of [lo, hi], plus signed zeros,
    denormals, values far outside the range and the extremes, shuffled into (n, L)."""
    f = np.dtype(dtype).type
    lo_s, hi_s = f(lo), f(hi)
    scale = f(min(bins / (float(hi_s) - float(lo_s)), float(np.finfo(dtype).max)))
    edges = lo_s + np.arange(-2, bins + 3, dtype=dtype) / scale  # near each edge, in S's arithmetic
    near = np.concatenate([edges, np.nextafter(edges, f(np.inf)), np.nextafter(edges, f(-np.inf))])
    tiny = np.finfo(dtype).smallest_subnormal
    special = np.array(
        [0.0, -0.0, tiny, -tiny, tiny * 3, np.finfo(dtype).tiny, lo_s, hi_s, np.nextafter(hi_s, f(np.inf))]
        + [np.finfo(dtype).max, -np.finfo(dtype).max, 1e30, -1e30, lo - 5.0, hi + 5.0],
        dtype=dtype,
    )
    pool = np.concatenate([near.astype(dtype), special])
    return rng.choice(pool, size=(n, L)).astype(dtype)


def oracle_histograms(y, s, lo, hi, bins):
    """pos and tot (L, bins) with linear_bucket's arithmetic in the scores' own precision:
    floor((v - lo) * scale) clamped to [0, bins - 1] (NumPy's float32 ops are IEEE float32)."""
    f = s.dtype.type
    lo_s, hi_s = f(lo), f(hi)
    scale = f(min(bins / (float(hi_s) - float(lo_s)), float(np.finfo(s.dtype).max)))
    with np.errstate(over="ignore"):
        x = (s - lo_s) * scale
    x = np.where(x > 0, x, f(0))
    x = np.where(x < f(bins - 1), x, f(bins - 1))
    b = x.astype(np.int64)
    L = s.shape[1]
    tot = np.zeros((L, bins), np.int64)
    pos = np.zeros((L, bins), np.int64)
    for col in range(L):
        tot[col] = np.bincount(b[:, col], minlength=bins)
        pos[col] = np.bincount(b[:, col], weights=(y[:, col] == 1), minlength=bins).astype(np.int64)
    return pos, tot


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("score_range", [(0.0, 1.0), (-3.25, 7.5), (-1e-30, 1e-30)])
def test_histogram_buckets_bit_identical_on_adversarial_values(rng, dtype, score_range):
    # 2048 bins take build_histograms (the AVX2 slot kernels for float32 + one-byte labels on
    # CPUs that have them); 27 labels exercise the 16-wide, 8-wide and scalar tails of a row.
    lo, hi = score_range
    n, L, bins = 700, 27, 2048
    s = adversarial_scores(dtype, lo, hi, bins, n, L, rng)
    y8 = (rng.random((n, L)) < 0.4).astype(np.uint8)
    want_pos, want_tot = oracle_histograms(y8, s, lo, hi, bins)
    layouts = {
        "C uint8": (y8, s),
        "C bool": (y8.astype(bool), s),
        "C int8": (y8.astype(np.int8), s),
        "C int32 (scalar kernel)": (y8.astype(np.int32), s),
        "Fortran uint8": (np.asfortranarray(y8), np.asfortranarray(s)),
        "strided (scalar kernel)": (np.repeat(y8, 2, axis=1)[:, ::2], np.repeat(s, 2, axis=1)[:, ::2]),
        "one row at a time": (y8[:1], s[:1]),
    }
    for name, (y, sc) in layouts.items():
        for threads in (1, 2):
            pos, tot, smin, smax = _native.tuner_histograms(y, sc, score_range, bins, threads)
            rows = sc.shape[0]
            wp, wt = (want_pos, want_tot) if rows == n else oracle_histograms(y8[:rows], s[:rows], lo, hi, bins)
            assert np.array_equal(tot, wt), name
            assert np.array_equal(pos, wp), name
            assert np.array_equal(smin, sc.min(0).astype(np.float64)), name
            assert np.array_equal(smax, sc.max(0).astype(np.float64)), name


@pytest.mark.parametrize("layout", ["C", "F"])
@pytest.mark.parametrize("L", [5, 8, 16, 27])
def test_histogram_pass_rejects_bad_values_in_every_lane(rng, layout, L):
    # A bad value in any position of a row (vector body or tail) or any row of a column.
    n = 37
    y = (rng.random((n, L)) < 0.5).astype(np.int8)
    s = rng.random((n, L)).astype(np.float32)
    order = "C" if layout == "C" else "F"
    for col in range(L):
        for bad in (np.nan, np.inf, -np.inf):
            t = s.copy()
            t[col % n, col] = bad
            with pytest.raises(ValueError, match="y_score"):
                _native.tuner_histograms(np.array(y, order=order), np.array(t, order=order), (0.0, 1.0), 2048, 1)
        for bad_label in (2, -1):
            u = y.copy()
            u[(3 * col) % n, col] = bad_label
            with pytest.raises(ValueError, match="y_true"):
                _native.tuner_histograms(np.array(u, order=order), np.array(s, order=order), (0.0, 1.0), 2048, 1)
    pos, tot, _, _ = _native.tuner_histograms(np.array(y, order=order), np.array(s, order=order), (0.0, 1.0), 2048, 1)
    assert np.array_equal(pos.sum(1), (y == 1).sum(0)) and np.array_equal(tot.sum(1), np.full(L, n))
