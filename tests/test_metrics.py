"""confusion / fbeta_score / f1_score against scikit-learn on the predictions y_score >= t."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import f1_score as sk_f1
from sklearn.metrics import fbeta_score as sk_fbeta
from sklearn.metrics import multilabel_confusion_matrix

import f1tune
from conftest import random_case

AVERAGES = ["micro", "macro", "weighted", "samples", None]


def sk_score(y, s, t, *, beta, average, zero_division):
    """scikit-learn's score of y_score >= t; a single column is scored as one multilabel label."""
    pred = (s >= t).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        if y.ndim == 2 and y.shape[1] == 1:  # sklearn would read a column as binary/multiclass
            if average == "samples":
                return _samples_one_label(y[:, 0], pred[:, 0], zero_division)
            f = sk_fbeta(y[:, 0], pred[:, 0], beta=beta, average="binary", zero_division=zero_division)
            return np.array([f]) if average is None else f
        return sk_fbeta(y, pred, beta=beta, average=average, zero_division=zero_division)


def _samples_one_label(y, pred, zero_division):
    """Per-row F of one label: 1 for a hit, 0 for a miss or false alarm, zero_division otherwise."""
    per_row = np.where((y == 1) & (pred == 1), 1.0, np.where((y == 0) & (pred == 0), zero_division, 0.0))
    return np.nanmean(per_row) if not np.isnan(per_row).all() else np.nan


def edge_cases(rng):
    """Named (y_true, y_score) pairs covering the corners scikit-learn's rules distinguish."""
    y, s = random_case(rng, 50, 6)
    cases = {"random": (y, s)}
    cases["ties"] = random_case(rng, 40, 5, ties=True)
    y0 = y.copy()
    y0[:, [1, 3]] = 0
    cases["all_zero_labels"] = (y0, s)
    y1 = y.copy()
    y1[:, 2] = 1
    cases["all_one_label"] = (y1, s)
    cases["no_positives_at_all"] = (np.zeros_like(y), s)
    cases["one_sample"] = (y[:1], s[:1])
    cases["one_label"] = (y[:, :1], s[:, :1])
    s_low = s * 0.4  # nothing predicted at 0.5
    cases["nothing_predicted"] = (y, s_low.astype(np.float32))
    return cases


@pytest.mark.parametrize("average", AVERAGES)
@pytest.mark.parametrize("zero_division", [0.0, 1.0, np.nan])
@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_fbeta_matches_sklearn_on_edge_cases(rng, average, zero_division, beta):
    for name, (y, s) in edge_cases(rng).items():
        got = f1tune.fbeta_score(y, s, beta=beta, average=average, zero_division=zero_division)
        want = sk_score(y, s, 0.5, beta=beta, average=average, zero_division=zero_division)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, equal_nan=True, err_msg=f"{name} {average}")


@pytest.mark.parametrize("average", AVERAGES)
def test_f1_score_matches_sklearn_per_label_thresholds(rng, average):
    y, s = random_case(rng, 300, 8, dtype=np.float64)
    t = rng.random(8)
    got = f1tune.f1_score(y, s, thresholds=t, average=average)
    want = sk_f1(y, (s >= t).astype(int), average=average, zero_division=0.0)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_confusion_matches_sklearn_multilabel_confusion_matrix(rng):
    y, s = random_case(rng, 500, 7, ties=True)
    for t in (0.0, 0.25, 0.5, 1.0, np.float32(0.75)):
        c = f1tune.confusion(y, s, t)
        mcm = multilabel_confusion_matrix(y, s >= t)
        np.testing.assert_array_equal(c.tp, mcm[:, 1, 1])
        np.testing.assert_array_equal(c.fp, mcm[:, 0, 1])
        np.testing.assert_array_equal(c.fn, mcm[:, 1, 0])
        np.testing.assert_array_equal(c.tn, mcm[:, 0, 0])
        assert c.tp.dtype == np.int64 and c.tp.shape == (7,)


def test_threshold_equal_to_score_counts_as_positive():
    y = np.array([[1], [0], [1]], dtype=np.int8)
    s = np.array([[0.3], [0.3], [0.2]], dtype=np.float32)
    c = f1tune.confusion(y, s, np.float32(0.3))
    assert (c.tp[0], c.fp[0], c.fn[0], c.tn[0]) == (1, 1, 1, 0)


def test_float32_scores_compare_exactly_against_float64_thresholds():
    # 0.7 is not a float32 and float32(0.7) < 0.7: against a NumPy float64 threshold (not a
    # "weak" Python float, see test_input_formats.py) s >= t is decided exactly, as NumPy does.
    s = np.array([np.float32(0.7), np.nextafter(np.float32(0.7), np.float32(1))], dtype=np.float32)
    y = np.array([1, 1], dtype=np.int8)
    c = f1tune.confusion(y, s, np.float64(0.7))
    assert int(c.tp) == int((s >= np.float64(0.7)).sum()) == 1


@pytest.mark.parametrize("batch_shape", ["shared", "per_label"])
def test_batch_equals_separate_calls(rng, batch_shape):
    y, s = random_case(rng, 400, 6, ties=True)
    T = 17
    if batch_shape == "shared":
        grid = np.concatenate([np.linspace(-0.1, 1.1, T - 2), [0.25, 0.25]])[:, None]  # duplicates on purpose
        per_setting = [np.full(6, g[0]) for g in grid]
    else:
        grid = rng.random((T, 6))
        grid[3] = grid[5]
        per_setting = list(grid)
    c = f1tune.confusion(y, s, grid)
    assert c.tp.shape == (T, 6)
    for i, t in enumerate(per_setting):
        ci = f1tune.confusion(y, s, t)
        for a, b in zip(c, ci):
            np.testing.assert_array_equal(a[i], b)
    f = f1tune.fbeta_score(y, s, beta=2.0, thresholds=grid, average="macro")
    assert f.shape == (T,)
    np.testing.assert_allclose(
        f, [sk_score(y, s, t, beta=2.0, average="macro", zero_division=0.0) for t in per_setting]
    )


def test_batch_with_clustered_and_infinite_thresholds(rng):
    y, s = random_case(rng, 300, 4, dtype=np.float64)
    grid = np.array([0.5, 0.5 + 1e-12, 0.5 - 1e-12, 0.5 + 2e-12, -np.inf, np.inf, 0.3])[:, None]
    c = f1tune.confusion(y, s, grid)
    for i, t in enumerate(grid[:, 0]):
        np.testing.assert_array_equal(c.tp[i], ((s >= t) & (y == 1)).sum(0))
        np.testing.assert_array_equal(c.fp[i], ((s >= t) & (y == 0)).sum(0))


@pytest.mark.parametrize("average", AVERAGES)
def test_samples_and_others_in_batch_match_sklearn(rng, average):
    y, s = random_case(rng, 120, 5)
    grid = np.array([[0.2], [0.5], [0.9]])
    got = f1tune.f1_score(y, s, thresholds=grid, average=average)
    for i, t in enumerate(grid[:, 0]):
        want = sk_score(y, s, t, beta=1.0, average=average, zero_division=0.0)
        np.testing.assert_allclose(got[i], want, rtol=1e-12)


def test_one_label_1d_input_is_binary_f(rng):
    y, s = random_case(rng, 200, 1)
    y, s = y[:, 0], s[:, 0]
    for avg in ("micro", "macro", "weighted"):
        got = f1tune.fbeta_score(y, s, beta=0.5, average=avg)
        assert isinstance(got, float)
        assert got == pytest.approx(sk_fbeta(y, s >= 0.5, beta=0.5, average="binary"), abs=1e-12)
    assert isinstance(f1tune.f1_score(y, s, average=None), float)
    c = f1tune.confusion(y, s, 0.5)
    assert c.tp.shape == ()
    batch = f1tune.f1_score(y, s, thresholds=[0.1, 0.5, 0.9])
    assert batch.shape == (3,)
    assert batch[1] == pytest.approx(sk_f1(y, s >= 0.5), abs=1e-12)
    assert f1tune.confusion(y, s, [0.1, 0.5]).tp.shape == (2,)


@pytest.mark.parametrize("label_dtype", [np.bool_, np.uint8, np.int8, np.int32, np.int64])
@pytest.mark.parametrize("score_dtype", [np.float32, np.float64])
def test_dtypes(rng, label_dtype, score_dtype):
    y, s = random_case(rng, 100, 3, dtype=score_dtype)
    c = f1tune.confusion(y.astype(label_dtype), s)
    mcm = multilabel_confusion_matrix(y, s >= 0.5)
    np.testing.assert_array_equal(c.tp, mcm[:, 1, 1])


@pytest.mark.parametrize("layout", ["C", "F", "strided", "reversed", "transposed_view"])
def test_layouts_are_read_in_place(rng, layout):
    y, s = random_case(rng, 300, 9, dtype=np.float64)
    if layout == "F":
        ys, ss = np.asfortranarray(y), np.asfortranarray(s)
    elif layout == "strided":
        big_y, big_s = np.repeat(y, 2, axis=1), np.repeat(s, 2, axis=1)
        ys, ss = big_y[::1, ::2], big_s[::1, ::2]
    elif layout == "reversed":
        ys, ss = y[::-1, ::-1], s[::-1, ::-1]
    elif layout == "transposed_view":
        ys, ss = np.ascontiguousarray(y.T).T, np.ascontiguousarray(s.T).T
    else:
        ys, ss = y, s
    mcm = multilabel_confusion_matrix(ys, ss >= 0.5)
    for grid in (0.5, np.array([[0.3], [0.5]])):
        c = f1tune.confusion(ys, ss, grid)
        tp = c.tp if np.ndim(grid) == 0 else c.tp[1]
        np.testing.assert_array_equal(tp, mcm[:, 1, 1])
    assert f1tune.f1_score(ys, ss, average="samples") == pytest.approx(
        sk_f1(ys, ss >= 0.5, average="samples", zero_division=0.0)
    )


def test_inputs_are_not_modified_or_copied_to_float64(rng):
    y, s = random_case(rng, 50, 3)
    y0, s0 = y.copy(), s.copy()
    f1tune.fbeta_score(y, s, beta=1.0, thresholds=np.array([[0.1], [0.6]]), average="samples")
    f1tune.confusion(y, s, 0.4)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(s, s0)
    assert s.dtype == np.float32


@pytest.mark.parametrize("n_threads", [1, 2, 3])
def test_threads_agree_on_large_input(n_threads):
    rng = np.random.default_rng(1)
    y, s = random_case(rng, 70_000, 8)  # large enough to split across threads
    base = f1tune.confusion(y, s, 0.5, n_threads=1)
    c = f1tune.confusion(y, s, 0.5, n_threads=n_threads)
    grid = np.linspace(0, 1, 9)[:, None]
    for a, b in zip(base, c):
        np.testing.assert_array_equal(a, b)
    cb = f1tune.confusion(y, s, grid, n_threads=n_threads)
    np.testing.assert_array_equal(cb.tp[4], base.tp)
    assert f1tune.f1_score(y, s, average="samples", n_threads=n_threads) == pytest.approx(
        sk_f1(y, s >= 0.5, average="samples", zero_division=0.0), rel=1e-12
    )


def test_zero_division_warn_acts_as_zero_and_warns():
    y = np.zeros((4, 2), dtype=np.int8)
    s = np.zeros((4, 2), dtype=np.float32)
    with pytest.warns(UserWarning, match="ill-defined"):
        assert f1tune.f1_score(y, s, average="macro", zero_division="warn") == 0.0
