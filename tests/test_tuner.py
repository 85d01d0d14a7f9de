"""ThresholdTuner: exact mode equals one-shot tuning of the concatenation; bounded mode brackets the optimum."""

import numpy as np
import pytest

from f1tune._tuner_steps import CandidateRanges
from f1tune.exceptions import UndefinedMetricWarning
from f1tune.thresholds import tune_thresholds
from f1tune.tuner import ThresholdTuner

AVERAGES = ["macro", "weighted", None, "micro", "global"]


def data(seed, n=700, L=4, dtype=np.float64, ties=False):
    rng = np.random.default_rng(seed)
    y = (rng.random((n, L)) < rng.uniform(0.05, 0.5, L)).astype(np.uint8)
    s = np.clip(y * 0.3 + rng.normal(0.4, 0.25, (n, L)), 0, 1)
    if ties:
        s = np.round(s, 2)
    return y, s.astype(dtype)


def batches(n, rng):
    cuts = np.sort(rng.choice(np.arange(1, n), size=rng.integers(1, 6), replace=False))
    return np.split(np.arange(n), cuts)


def assert_same(a, b):
    assert np.array_equal(a.thresholds.view(np.int64), b.thresholds.view(np.int64))
    for k in ("tp", "fp", "fn", "tn"):
        assert np.array_equal(getattr(a, k), getattr(b, k))
    assert type(a.score) is type(b.score)  # a float stays a float, per-label scores an array
    np.testing.assert_array_equal(a.score, b.score, strict=True)


@pytest.mark.parametrize("average", AVERAGES)
@pytest.mark.parametrize("beta", [1.0, 0.5, 2.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exact_equals_one_shot(average, beta, dtype):
    for seed in range(3):
        y, s = data(seed, dtype=dtype, ties=seed == 1)
        tuner = ThresholdTuner(y.shape[1])
        buf_y, buf_s = np.empty_like(y), np.empty_like(s)
        for rows in batches(len(y), np.random.default_rng(seed)):
            m = len(rows)
            buf_y[:m], buf_s[:m] = y[rows], s[rows]
            tuner.update(buf_y[:m], buf_s[:m])
            buf_s[:m] = -5  # callers reuse buffers: the tuner keeps copies
        assert_same(tuner.tune(average=average, beta=beta), tune_thresholds(y, s, average=average, beta=beta))


def test_merge_order_and_bytes_round_trip():
    y, s = data(5, n=900)
    parts = [ThresholdTuner(4).update(y[r], s[r]) for r in np.array_split(np.arange(900), 3)]
    ref = tune_thresholds(y, s, average="micro")
    for order in ([0, 1, 2], [2, 0, 1]):
        t = ThresholdTuner(4)
        for i in order:
            t.merge(ThresholdTuner.from_bytes(parts[i].to_bytes()))
        assert_same(t.tune(average="micro"), ref)
    b = ThresholdTuner(4, exact=False, bins=64).update(y, s)
    b2 = ThresholdTuner.from_bytes(b.to_bytes())
    assert np.array_equal(b2._pos, b._pos) and b2.to_bytes() == b.to_bytes()


def test_two_step_api_over_shards():
    y, s = data(7, n=1000, L=5)
    shards = [(y[r], s[r]) for r in np.array_split(np.arange(1000), 4)]
    summary = ThresholdTuner(5, exact=False)
    for shard in shards:
        summary.merge(ThresholdTuner(5, exact=False).update(*shard))
    for average in ("macro", "micro", "global"):
        step = summary.candidate_ranges(average=average)
        rounds = 0
        while isinstance(step, CandidateRanges):
            g = step.gather(*shards[0])
            for shard in shards[1:]:
                g.merge(step.gather(*shard))
            step = summary.finish(g)
            rounds += 1
        assert rounds >= 1
        assert_same(step, tune_thresholds(y, s, average=average))


@pytest.mark.parametrize("average", AVERAGES)
def test_bounded_brackets_the_optimum_and_gap_shrinks(average):
    y, s = data(11, n=3000, L=3)
    exact = tune_thresholds(y, s, average=average)
    gaps = []
    for bins in (8, 64, 512, 4096):
        t = ThresholdTuner(3, exact=False, bins=bins)
        for r in np.array_split(np.arange(3000), 3):
            t.update(y[r], s[r])
        res = t.tune(average=average)
        # score is what the returned thresholds achieve on the data
        again = (s >= res.thresholds).astype(np.int64)
        assert np.array_equal((again * y).sum(0), res.tp) and np.array_equal(again.sum(0) - (again * y).sum(0), res.fp)
        lo, hi, opt = np.asarray(res.score), np.asarray(res.upper_bound), np.asarray(exact.score)
        assert (lo <= opt + 1e-12).all() and (opt <= hi + 1e-12).all()
        gaps.append(float(np.sum(hi - lo)))
    assert gaps[-1] < gaps[0] and gaps == sorted(gaps, reverse=True) or gaps[-1] < 0.01 * max(gaps[0], 1e-9)


def test_bad_inputs_leave_state_unchanged():
    y, s = data(3, n=200)
    t = ThresholdTuner(4).update(y, s)
    before = t.to_bytes()
    bad_y = y.copy()
    bad_y[5, 1] = 2
    bad_s = s.copy()
    bad_s[7, 2] = np.nan
    with pytest.raises(ValueError, match="y_true"):
        t.update(bad_y, s)
    with pytest.raises(ValueError, match="y_score"):
        t.update(y, bad_s)
    with pytest.raises(ValueError, match="n_labels"):
        t.update(y[:, :3], s[:, :3])
    with pytest.raises(ValueError, match="same shape"):
        t.update(y[:10], s[:11])
    with pytest.raises(TypeError, match="y_score"):
        t.update(y, s.astype(np.float16))
    with pytest.raises(ValueError, match="other"):
        t.merge(ThresholdTuner(4, bins=64))
    with pytest.raises(ValueError, match="other"):
        t.merge(ThresholdTuner(4, exact=False))
    f32 = ThresholdTuner(4).update(y, s.astype(np.float32))
    with pytest.raises(TypeError, match="other"):
        t.merge(f32)
    with pytest.raises(TypeError, match="y_score"):
        f32.update(y, s)
    with pytest.raises(TypeError, match="other"):
        t.merge("state")
    assert t.to_bytes() == before
    t.update(y, s.astype(np.float32))  # float32 into a float64 state: converted exactly
    assert t.n_samples == 400


def test_bad_bytes():
    y, s = data(4, n=100)
    good = ThresholdTuner(4).update(y, s).to_bytes()
    for bad in (
        b"",
        b"PK\x03\x04 zip",
        good[:10],
        good[:-1],
        good + b"\0",
        good.replace(b'"bins": 2048', b'"bins": 2047'),
    ):
        with pytest.raises(ValueError, match="data"):
            ThresholdTuner.from_bytes(bad)
    corrupt = bytearray(good)
    corrupt[-1] ^= 0x40  # a stored score no longer matches the histograms
    with pytest.raises(ValueError):
        ThresholdTuner.from_bytes(bytes(corrupt))
    with pytest.raises(TypeError, match="data"):
        ThresholdTuner.from_bytes("text")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"bins": 1}, "bins"),
        ({"score_range": (1, 0)}, "score_range"),
        ({"exact": 1}, "exact"),
        ({"dtype": "int32"}, "dtype"),
    ],
)
def test_bad_settings(kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        ThresholdTuner(2, **kwargs)
    with pytest.raises(ValueError, match="n_labels"):
        ThresholdTuner(0)
    with pytest.raises(ValueError, match="no data"):
        ThresholdTuner(2).tune()


@pytest.mark.parametrize("average", AVERAGES)
def test_finish_asks_for_missing_buckets_and_resumes(average):
    # Start from nothing gathered: finish must ask for ranges (never guess), and the loop must
    # end at the exact answer; micro keeps asking while Dinkelbach reaches new buckets.
    y, s = data(13, n=800, L=6)
    summary = ThresholdTuner(6, exact=False).update(y, s)
    planned = summary.candidate_ranges(average=average)
    empty = np.tile(np.array([0, -1], dtype=np.int64), (6, 1))
    step = type(planned)(empty, planned.score_range, planned.bins, planned.dtype, planned.objective)
    rounds = 0
    while not hasattr(step, "thresholds"):
        g = step.gather(y[:300], s[:300]).merge(step.gather(y[300:], s[300:]))
        step = summary.finish(g)
        rounds += 1
    assert rounds >= 2
    assert_same(step, tune_thresholds(y, s, average=average))


def test_gather_checks_its_shard():
    y, s = data(2, n=50)
    ranges = ThresholdTuner(4).update(y, s).candidate_ranges()
    bad = s.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="y_score"):
        ranges.gather(y, bad)
    with pytest.raises(ValueError, match="n_labels"):
        ranges.gather(y[:, :2], s[:, :2])
    other = ThresholdTuner(4, bins=64).update(y, s).candidate_ranges()
    with pytest.raises(ValueError, match="other"):
        ranges.gather(y, s).merge(other.gather(y, s))


@pytest.mark.parametrize("exact", [True, False])
@pytest.mark.parametrize("average", ["macro", "micro", "global"])
def test_zero_row_batches_are_no_ops(exact, average):
    # Empty DDP ranks and Dask chunks: a (0, n_labels) batch adds nothing, in update and gather alike.
    y, s = data(17, n=400, L=3, dtype=np.float32)
    empty_y, empty_s = y[:0], s[:0]
    with_empty = ThresholdTuner(3, exact=exact).update(empty_y, empty_s)
    assert with_empty.n_samples == 0 and with_empty.dtype is None  # an empty batch fixes no dtype
    with_empty.update(y[:250], s[:250]).update(np.zeros((0, 3), bool), np.zeros((0, 3), np.float32))
    with_empty.update(y[250:], s[250:])
    plain = ThresholdTuner(3, exact=exact).update(y[:250], s[:250]).update(y[250:], s[250:])
    assert with_empty.to_bytes() == plain.to_bytes()
    assert_same(with_empty.tune(average=average), plain.tune(average=average))
    step = ThresholdTuner(3, exact=False).update(y, s).candidate_ranges(average=average)
    while isinstance(step, CandidateRanges):
        nothing = step.gather(empty_y, empty_s)
        assert all(k.size == 0 for k in nothing.keys) and all(v.size == 0 for v in nothing.labels)
        assert len(nothing.keys) == 3
        g = nothing.merge(step.gather(y, s)).merge(step.gather(empty_y, empty_s))
        step = plain.finish(g)
    assert_same(step, tune_thresholds(y, s, average=average))


def test_zero_row_batches_are_still_checked():
    tuner = ThresholdTuner(3)
    with pytest.raises(ValueError, match="n_labels"):
        tuner.update(np.zeros((0, 2), np.uint8), np.zeros((0, 2)))
    with pytest.raises(ValueError, match="same shape"):
        tuner.update(np.zeros((0, 2), np.uint8), np.zeros((0, 3)))
    with pytest.raises(TypeError, match="y_score"):
        tuner.update(np.zeros((0, 3), np.uint8), np.zeros((0, 3), np.int32))
    with pytest.raises(TypeError, match="y_true"):
        tuner.update(np.zeros((0, 3), "U1"), np.zeros((0, 3)))
    with pytest.raises(ValueError, match="y_score"):
        tuner.update(np.zeros((0, 3), np.uint8), np.zeros((0, 3, 1)))
    t32 = ThresholdTuner(3, dtype=np.float32)
    with pytest.raises(TypeError, match="float32"):
        t32.update(np.zeros((0, 3), np.uint8), np.zeros((0, 3)))  # a float64 batch for a float32 state
    # One label: a 1-D empty pair is a (0, 1) batch.
    assert ThresholdTuner(1).update(np.zeros(0, np.uint8), np.zeros(0)).n_samples == 0
    with pytest.raises(ValueError, match="no data"):
        tuner.tune()
    with pytest.raises(ValueError, match="no data"):
        ThresholdTuner(3, exact=False).update(np.zeros((0, 3), np.uint8), np.zeros((0, 3))).tune(average="micro")
    # One-shot tuning still refuses empty input.
    with pytest.raises(ValueError, match="non-empty"):
        tune_thresholds(np.zeros((0, 3), np.uint8), np.zeros((0, 3)))


@pytest.mark.parametrize("label_dtype", [np.bool_, np.int8, np.int64])
def test_kept_batches_copied_on_several_threads_equal_the_input(monkeypatch, label_dtype):
    # Large batches are copied in row blocks on several threads: the copies must equal the input
    # (any row count, labels of any accepted dtype) and tuning must still equal one-shot tuning.
    import f1tune._tuner_copy as tuner_copy

    monkeypatch.setattr(tuner_copy, "_PARALLEL_BYTES", 64)
    y, s = data(23, n=301, L=5, dtype=np.float32)
    yl = y.astype(label_dtype)
    tuner = ThresholdTuner(5, n_threads=3).update(yl[:150], s[:150]).update(yl[150:], s[150:])
    kept_y = np.concatenate([b[0] for b in tuner._batches])
    kept_s = np.concatenate([b[1] for b in tuner._batches])
    assert kept_y.dtype == np.uint8 and np.array_equal(kept_y, y) and np.array_equal(kept_s, s)
    assert_same(tuner.tune(average="micro"), tune_thresholds(y, s, average="micro"))


def _unaligned(a):
    """A copy of ``a`` at an odd byte offset (what a pickled buffer may look like)."""
    raw = np.zeros(a.nbytes + 1, np.uint8)
    out = raw[1:].view(a.dtype).reshape(a.shape)
    out[...] = a
    assert not out.flags.aligned
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_histograms_reduced_elsewhere_rebuild_the_merged_state(dtype):
    # What a collective does: sum pos/tot, min/max the extremes, then finish from the summary.
    y, s = data(11, n=900, L=4, dtype=dtype)
    shards = [(y[r], s[r]) for r in np.array_split(np.arange(900), 3)]
    parts = [ThresholdTuner(4, exact=False).update(*shard).histograms() for shard in shards]
    summary = ThresholdTuner.from_histograms(
        sum(p.pos for p in parts),
        sum(p.tot for p in parts),
        np.min([p.score_min for p in parts], axis=0),
        np.max([p.score_max for p in parts], axis=0),
        dtype=dtype,
    )
    merged = ThresholdTuner(4, exact=False)
    for shard in shards:
        merged.merge(ThresholdTuner(4, exact=False).update(*shard))
    assert summary.to_bytes() == merged.to_bytes()
    for average in ("macro", "micro", "global"):
        step = summary.candidate_ranges(average=average)
        while isinstance(step, CandidateRanges):
            g = step.gather(*shards[0])
            for shard in shards[1:]:
                g.merge(step.gather(*shard))
            step = summary.finish(g)
        assert_same(step, tune_thresholds(y, s, average=average))


def test_histograms_are_copies_and_from_histograms_checks_every_argument():
    y, s = data(12, n=200, L=3)
    tuner = ThresholdTuner(3, exact=False).update(y, s)
    h = tuner.histograms()
    h.pos[...] = 0  # the state must not alias what it hands out
    assert tuner.histograms().pos.sum() == y.sum()
    h = tuner.histograms()
    rebuilt = ThresholdTuner.from_histograms(*h, dtype=np.float64)
    h.tot[...] = 0  # nor what it was built from
    assert rebuilt.to_bytes() == tuner.to_bytes()
    bad = [
        ((h.pos[0], h.tot, h.score_min, h.score_max), "pos"),
        ((h.pos, h.tot[:, :-1], h.score_min, h.score_max), "pos, tot"),
        ((h.pos, h.tot.astype(float), h.score_min, h.score_max), "tot"),
        ((h.pos, h.tot, h.score_min[:2], h.score_max), "score_min"),
        ((-tuner.histograms().pos, tuner.histograms().tot, h.score_min, h.score_max), "pos, tot"),
        ((tuner.histograms().tot, tuner.histograms().pos, h.score_min, h.score_max), "pos, tot"),
    ]
    for args, match in bad:
        with pytest.raises(ValueError, match=match):
            ThresholdTuner.from_histograms(*args, dtype=np.float64)
    good = tuner.histograms()
    uneven = good.tot.copy()
    uneven[0, 0] += 1
    with pytest.raises(ValueError, match="same rows"):
        ThresholdTuner.from_histograms(good.pos, uneven, good.score_min, good.score_max, dtype=np.float64)
    with pytest.raises(ValueError, match="dtype"):
        ThresholdTuner.from_histograms(*good)
    with pytest.raises(ValueError, match="score_min <= score_max"):
        ThresholdTuner.from_histograms(good.pos, good.tot, good.score_max, good.score_min, dtype=np.float64)


def test_unaligned_ranges_after_transport_gather_and_finish():
    y, s = data(13, n=400, L=3)
    summary = ThresholdTuner(3, exact=False).update(y, s)
    ranges = summary.candidate_ranges(average="macro")
    shipped = CandidateRanges(
        _unaligned(ranges.ranges), ranges.score_range, ranges.bins, ranges.dtype, ranges.objective
    )
    step = summary.finish(shipped.gather(y, s))
    assert_same(step, tune_thresholds(y, s, average="macro"))


def test_finish_warns_like_one_shot_and_refuses_another_objective():
    y, s = data(14, n=300, L=3)
    y[:, 2] = 0  # a label without positives: its F-beta is undefined
    summary = ThresholdTuner(3, exact=False).update(y, s)
    ranges = summary.candidate_ranges(average="macro", zero_division="warn")
    gathered = ranges.gather(y, s)
    with pytest.warns(UndefinedMetricWarning):
        expected = tune_thresholds(y, s, average="macro", zero_division="warn")
    with pytest.warns(UndefinedMetricWarning):
        assert_same(summary.finish(gathered, zero_division="warn"), expected)
    with pytest.raises(ValueError, match="zero_division"):
        summary.finish(gathered, zero_division=1.0)


@pytest.mark.parametrize("exact", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_any_memory_layout_gives_the_same_state(exact, dtype):
    # Fortran order (contiguous columns) and strided views take other loops than C order (the
    # per-label extremes of bounded mode among them): the states and results must not differ.
    y, s = data(3, n=900, L=5, dtype=dtype)
    layouts = [
        (y, s),
        (np.asfortranarray(y), np.asfortranarray(s)),
        (np.repeat(y, 2, axis=0)[::2], np.repeat(s, 2, axis=0)[::2]),  # every other row of a copy
    ]
    results = []
    for yy, ss in layouts:
        tuner = ThresholdTuner(5, exact=exact, bins=256)
        tuner.update(yy[:400], ss[:400])
        tuner.update(yy[400:], ss[400:])
        results.append((tuner.to_bytes(), tuner.tune(average="macro")))
    for state, res in results[1:]:
        assert state == results[0][0]
        assert_same(res, results[0][1])
    if not exact:  # bounded: the certified bound still brackets the score
        assert np.all(results[0][1].upper_bound >= results[0][1].score)


def _in_layout(a, layout):
    if layout == "F":
        return np.asfortranarray(a)
    if layout == "strided":  # every other row of a copy: rows not back to back
        return np.repeat(a, 2, axis=0)[::2]
    return a


@pytest.mark.parametrize("layout", ["C", "F", "strided"])
@pytest.mark.parametrize("bad", ["nan", "inf", "label"])
def test_float32_gather_checks_every_value(layout, bad):
    # float32 scores with one-byte labels gather through the one-shot AVX2 kernels, which check
    # each block after gathering it: a bad value anywhere (first cell, last cell in a partial
    # vector, middle) must be refused, and clean shards gather alike in every layout.
    y, s = data(5, n=3001, L=11, dtype=np.float32)
    ranges = ThresholdTuner(11).update(y, s).candidate_ranges()
    clean = ranges.gather(y, s)
    other = ranges.gather(_in_layout(y, layout), _in_layout(s, layout))
    for a, b in zip(clean.keys + clean.labels, other.keys + other.labels):
        np.testing.assert_array_equal(np.sort(a), np.sort(b))
    for i, j in [(0, 0), (3000, 10), (1500, 5)]:
        yy, ss = y.copy(), s.copy()
        if bad == "label":
            yy[i, j] = 2
        else:
            ss[i, j] = np.nan if bad == "nan" else np.inf
        with pytest.raises(ValueError, match="y_true" if bad == "label" else "y_score"):
            ranges.gather(_in_layout(yy, layout), _in_layout(ss, layout))
