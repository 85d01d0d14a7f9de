"""The gather pass and the sorted sweep, judged by the exact rational oracle.

The row-major float32 gather works 8 labels at a time and 64 labels a word, with masked reads for
a partial group; the gathered elements are radix sorted by the span of their keys (11 bits a
pass, a pass skipped when every element shares its digit), falling back to a comparison sort
when float64 keys span more than 63 bits. Label counts on every seam, all one-byte label types,
heavy ties, negative scores and huge spans are checked against every cut in exact arithmetic.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from f1tune.thresholds import tune_thresholds
from test_thresholds_exact import assert_global_exact, assert_micro_exact, f_exact


def best_cut_exact(y: np.ndarray, s: np.ndarray, beta: float) -> tuple[Fraction, int]:
    """Exact best F-beta over every cut of one label and the fewest pp reaching it (negated).

    Every cut is scored in float64 (vectorized); the cuts within 1e-9 of the float maximum (far
    above the rounding error) are then compared in exact arithmetic, so the answer is exact.
    """
    u, inv = np.unique(s, return_inverse=True)
    tot = np.bincount(inv.ravel(), minlength=len(u))[::-1]
    pos_at = np.bincount(inv.ravel(), weights=(y.ravel() == 1), minlength=len(u))[::-1].astype(np.int64)
    return best_cut_of_counts(pos_at, tot, beta)


def best_cut_of_counts(pos_at: np.ndarray, tot: np.ndarray, beta: float) -> tuple[Fraction, int]:
    """best_cut_exact from the positives and totals of each distinct score, highest first."""
    tp = np.r_[0, np.cumsum(pos_at)]
    pp = np.r_[0, np.cumsum(tot)]
    P = int(tp[-1])
    f = (1 + beta**2) * tp / np.maximum(beta**2 * P + pp, 1e-300)
    near = np.flatnonzero(f >= f.max() - 1e-9)
    return max((f_exact(int(tp[i]), int(pp[i]), P, beta), -int(pp[i])) for i in near)


def assert_labels_exact(y: np.ndarray, s: np.ndarray, beta: float, n_threads: int | None = None) -> None:
    res = tune_thresholds(y, s, average=None, beta=beta, n_threads=n_threads)
    pred = s >= res.thresholds[None, :]
    for j in range(s.shape[1]):
        pos = int((y[:, j] == 1).sum())
        f, neg_fewest_pp = best_cut_exact(y[:, j], s[:, j], beta)
        tp, pp = int((pred[:, j] & (y[:, j] == 1)).sum()), int(pred[:, j].sum())
        assert f_exact(tp, pp, pos, beta) == f, (j, beta)
        assert pp == -neg_fewest_pp, (j, beta)  # ties keep the higher cut


def scores_and_labels(rows: int, labels: int, seed: int, label_dtype=np.uint8) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random((rows, labels)) < rng.uniform(0.05, 0.5, labels)).astype(label_dtype)
    s = (rng.normal(0.0, 1.0, (rows, labels)) + 1.5 * y).astype(np.float32)
    return y, s


@pytest.mark.parametrize("labels", [1, 7, 8, 9, 63, 64, 65, 100, 130])
def test_per_label_exact_on_every_lane_seam(labels):
    y, s = scores_and_labels(1500, labels, seed=labels)
    assert_labels_exact(y, s, beta=1.0)


@pytest.mark.parametrize("label_dtype", [np.bool_, np.uint8, np.int8])
def test_one_byte_label_types_gather_the_same_cuts(label_dtype):
    y, s = scores_and_labels(4000, 37, seed=3, label_dtype=label_dtype)
    assert_labels_exact(y, s, beta=2.0)
    wide = tune_thresholds(y.astype(np.int64), s, average=None, beta=2.0)  # the scalar gather
    res = tune_thresholds(y, s, average=None, beta=2.0)
    np.testing.assert_array_equal(res.thresholds, wide.thresholds)


@pytest.mark.parametrize("labels", [5, 66])
def test_global_and_micro_exact_through_the_same_gather(labels):
    y, s = scores_and_labels(300, labels, seed=11)
    assert_global_exact(y, s, beta=1.0)
    y_small, s_small = scores_and_labels(12, 3, seed=12)  # micro's oracle tries every combination
    assert_micro_exact(y_small, s_small, beta=1.0)


def test_heavy_ties_and_negative_scores():
    rng = np.random.default_rng(5)
    y = (rng.random((20000, 9)) < 0.3).astype(np.uint8)
    # few distinct values, straddling zero: long runs of equal keys and keys on both sides of the sign
    s = (np.round(rng.normal(0.0, 1.0, y.shape) + y, 2) - 0.5).astype(np.float32)
    assert_labels_exact(y, s, beta=1.0)
    assert_labels_exact(y, s.astype(np.float64), beta=0.5)


def test_float64_keys_spanning_more_than_63_bits_use_the_comparison_sort():
    rng = np.random.default_rng(7)
    rows = 3000
    y = (rng.random((rows, 2)) < 0.5).astype(np.uint8)
    # magnitudes from 1e-300 to 1e300 of both signs: key spans beyond 2^63, so no radix sort
    s = np.sign(rng.normal(size=(rows, 2))) * 10.0 ** rng.uniform(-300, 300, (rows, 2))
    s[y == 1] = np.abs(s[y == 1])
    assert_labels_exact(y, s, beta=1.0)


def test_maps_raised_by_a_misleading_sample_stay_exact():
    # On inputs of 2^24 elements and more, the bucket maps start where the sample (4096 evenly
    # spaced rows) says the optimum cannot be; here the sample lies: its positives score high,
    # the other rows' low, so the true optimum sits below the raised start (in bucket 0) and must
    # still be found, per label, shared and micro. Scores are multiples of 2^-12 (ties, and
    # oracles from bincounts instead of sorting 16.8M values).
    rng = np.random.default_rng(9)
    n, labels, steps = 40_000, 420, 4096  # 16.8M elements; 420 x 2048 buckets: no label groups
    sampled = np.zeros(n, dtype=bool)
    sampled[np.arange(4096) * (n - 1) // 4095] = True
    y = (rng.random((n, labels), dtype=np.float32) < 0.3).astype(np.uint8)
    code = rng.integers(0, steps // 2, (n, labels))  # scores below 0.5
    in_sample = np.broadcast_to(sampled[:, None], y.shape)
    high = rng.integers(int(0.9 * steps), steps, (n, labels))
    low = rng.integers(int(0.05 * steps), int(0.25 * steps), (n, labels))
    code = np.where(in_sample, np.where(y == 1, high, code * 3 // 5), np.where(y == 1, low, code))
    s = (code / steps).astype(np.float32)  # exact in float32

    def cut_counts(c, yy):  # positives and totals of each score, highest first
        tot = np.bincount(c, minlength=steps)[::-1]
        return np.bincount(c, weights=yy, minlength=steps)[::-1].astype(np.int64), tot

    for beta in (1.0, 3.0):
        res = tune_thresholds(y, s, average=None, beta=beta)
        for j in [0, 1, 209, 419]:
            pred = s[:, j] >= res.thresholds[j]
            f, neg_pp = best_cut_of_counts(*cut_counts(code[:, j], y[:, j]), beta)
            assert f_exact(int((pred & (y[:, j] == 1)).sum()), int(pred.sum()), int(y[:, j].sum()), beta) == f
            assert int(pred.sum()) == -neg_pp
            assert res.thresholds[j] < 0.3  # below every sampled negative: the sample was misleading
    glob = tune_thresholds(y, s, average="global")  # the pooled map is raised the same way
    pred = s >= glob.thresholds[None, :]
    np.testing.assert_array_equal(glob.tp, (pred & (y == 1)).sum(0))
    np.testing.assert_array_equal(glob.tp + glob.fp, pred.sum(0))
    f, neg_pp = best_cut_of_counts(*cut_counts(code.ravel(), y.ravel()), 1.0)
    assert f_exact(int(glob.tp.sum()), int((glob.tp + glob.fp).sum()), int(y.sum()), 1.0) == f
    assert int((glob.tp + glob.fp).sum()) == -neg_pp
    # micro (maps raised by a micro rule of their own) against Dinkelbach over every label's cuts
    counts = [cut_counts(code[:, j], y[:, j]) for j in range(labels)]
    tp = np.array([np.r_[0, np.cumsum(p)] for p, _ in counts])
    pp = np.array([np.r_[0, np.cumsum(t)] for _, t in counts])
    P, lam = int(y.sum()), 0.0
    for _ in range(100):
        pick = np.argmax(2 * tp - lam * pp, axis=1)  # (1 + b² - lam)·tp - lam·(pp - tp), b = 1
        rows = np.arange(labels)
        f = 2 * tp[rows, pick].sum() / (P + pp[rows, pick].sum())
        if f <= lam:
            break
        lam = f
    micro = tune_thresholds(y, s, average="micro")
    assert micro.score == pytest.approx(lam, abs=1e-12)
    pred = s >= micro.thresholds[None, :]
    np.testing.assert_array_equal(micro.tp, (pred & (y == 1)).sum(0))


@pytest.mark.parametrize(("rows", "labels"), [(1500, 1), (1500, 5), (1500, 66), (40000, 2)])
def test_fortran_order_gathers_column_by_column(rows, labels):
    # Contiguous columns are gathered a column block at a time (blocks of 32768 rows, words of 64
    # rows, a masked partial group at each block's end).
    y, s = scores_and_labels(rows, labels, seed=rows + labels)
    y_f, s_f = np.asfortranarray(y), np.asfortranarray(s)
    assert_labels_exact(y_f, s_f, beta=1.0)
    c_order = tune_thresholds(y, s, average=None)
    np.testing.assert_array_equal(tune_thresholds(y_f, s_f, average=None).thresholds, c_order.thresholds)
    assert_global_exact(y_f[:300], s_f[:300], beta=1.0)


@pytest.mark.parametrize(("rows", "labels"), [(80001, 7), (6001, 100)])
def test_second_worker_starts_mid_period(rows, labels):
    # Back-to-back rows are read as one flat run whose labels repeat every lcm(L, 8) elements; with
    # an odd row count the second worker starts mid-period (7 x 40001 = 7 mod 56, 100 x 3001 =
    # 100 mod 200), so its tables are read from an offset. Two workers run even on one core.
    y, s = scores_and_labels(rows, labels, seed=labels)
    assert_labels_exact(y, s, beta=1.0, n_threads=2)
    one = tune_thresholds(y, s, average=None, n_threads=1)
    np.testing.assert_array_equal(tune_thresholds(y, s, average=None, n_threads=2).thresholds, one.thresholds)


@pytest.mark.parametrize("average", ["macro", "micro", "global"])
def test_scores_at_the_largest_double_are_gathered(average):
    # Found by Hypothesis: with scores up to the largest double, a label's map span overflows
    # (every score in bucket 0) or is zero, so no finite score reaches bucket 1; the gather's upper
    # bound then must keep the largest scores (it dropped them: a NaN threshold, wrong counts).
    big = np.finfo(np.float64).max
    s = np.array([[-9.97920155e291, big], [big, big], [0.5, big]])
    for y in (np.zeros((3, 2), np.int8), np.array([[0, 1], [1, 1], [0, 0]], np.int8)):
        res = tune_thresholds(y, s, average=average)
        assert not np.isnan(res.thresholds).any()
        pred = s >= res.thresholds[None, :]
        np.testing.assert_array_equal(res.tp, (pred & (y == 1)).sum(0))
        np.testing.assert_array_equal(res.tp + res.fp, pred.sum(0))
        if average == "macro":
            for j in range(2):
                f, neg_pp = best_cut_exact(y[:, j], s[:, j], 1.0)
                assert f_exact(int(res.tp[j]), int(res.tp[j] + res.fp[j]), int(y[:, j].sum()), 1.0) == f
                assert int(res.tp[j] + res.fp[j]) == -neg_pp
