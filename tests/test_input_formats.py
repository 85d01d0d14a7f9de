"""Inputs users pass every day, and NumPy's comparison rule for thresholds (issue 10, items 10, 11, 15)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import f1_score as sk_f1_score

import f1tune
from f1tune.metrics import confusion, f1_score, fbeta_score
from f1tune.thresholds import tune_thresholds


# --- item 10: a Python scalar threshold is "weak", as in NumPy 2 -------------------------------
@pytest.mark.parametrize("t", [0.7, 0.1, 0.3, 1 / 3, 2.0000001])
def test_python_float_threshold_compares_like_numpy(t):
    s = np.array(
        [np.float32(t), np.nextafter(np.float32(t), np.float32(0)), np.nextafter(np.float32(t), np.float32(9))]
    )
    y = np.ones(3, dtype=np.int8)
    # NumPy rounds a Python float to the array's dtype first: f1tune must agree with s >= t.
    assert int(confusion(y, s, t).tp) == int((s >= t).sum())
    assert f1_score(y, s, thresholds=t) == pytest.approx(sk_f1_score(y, s >= t, zero_division=0))


def test_the_reported_case():
    assert f1tune.f1_score([1], np.float32([0.7]), thresholds=0.7) == 1.0


@pytest.mark.parametrize("t", [np.float64(0.7), np.array(0.7), np.array([0.7]), [0.7]])
def test_numpy_scalars_and_arrays_compare_exactly(t):
    s = np.array([np.float32(0.7)])
    y = np.ones(1, dtype=np.int8)
    # float32(0.7) < 0.7 in float64: NumPy says False for non-weak thresholds, so does f1tune.
    assert bool(s >= np.asarray(t, dtype=np.float64)) is False
    assert np.all(confusion(y, s, t).tp == 0)


def test_python_int_threshold_is_weak_too():
    s = np.array([np.float32(16777217.0)], dtype=np.float32)  # rounds to 16777216 in float32
    assert int(confusion(np.ones(1, np.int8), s, 16777217).tp) == int((s >= 16777217).sum())


def test_tuned_thresholds_separate_under_both_rules():
    rng = np.random.default_rng(0)
    y = (rng.random((500, 3)) < 0.4).astype(np.int8)
    s = rng.random((500, 3)).astype(np.float32)
    res = tune_thresholds(y, s, average="micro")
    for col in range(3):
        t = res.thresholds[col]
        exact = s[:, col] >= t
        weak = s[:, col] >= float(t)  # the user's Python float
        np.testing.assert_array_equal(exact, weak)
        assert int(confusion(y[:, col], s[:, col], float(t)).tp) == int((exact & (y[:, col] == 1)).sum())


# --- item 11: beta whose square overflows ---------------------------------------------------
@pytest.mark.parametrize("beta", [1e155, 1e200])
def test_beta_whose_square_overflows_is_rejected(beta):
    y = np.array([[1, 0], [0, 1]], np.int8)
    s = np.array([[0.9, 0.1], [0.2, 0.8]], np.float32)
    with pytest.raises(ValueError, match="beta"):
        fbeta_score(y, s, beta=beta)
    with pytest.raises(ValueError, match="beta"):
        tune_thresholds(y, s, beta=beta)


def test_large_but_valid_beta_is_finite_and_tends_to_recall():
    y = np.array([1, 1, 0, 0, 1], np.int8)
    s = np.array([0.9, 0.4, 0.6, 0.1, 0.7], np.float32)
    f = fbeta_score(y, s, beta=1e100)
    assert np.isfinite(f) and f == pytest.approx(2 / 3)


# --- item 15: everyday input types ------------------------------------------------------------
@pytest.fixture
def case():
    rng = np.random.default_rng(1)
    y = (rng.random((200, 6)) < 0.3).astype(np.int8)
    s = rng.random((200, 6)).astype(np.float32)
    return y, s


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_targets(case, fmt):
    y, s = case
    ys = sp.csr_matrix(y).asformat(fmt)
    for average in ("micro", "macro"):
        assert f1_score(ys, s, average=average) == f1_score(y, s, average=average)
    np.testing.assert_array_equal(
        tune_thresholds(ys, s, average="micro").thresholds, tune_thresholds(y, s, average="micro").thresholds
    )
    np.testing.assert_array_equal(confusion(ys, s, 0.5).tp, confusion(y, s, 0.5).tp)


def test_sparse_targets_with_values_outside_01_are_rejected(case):
    y, s = case
    bad = sp.csr_matrix(y * 2)
    with pytest.raises(ValueError, match="y_true: expected values in"):
        f1_score(bad, s)


def test_sparse_scores_are_rejected_with_a_hint(case):
    y, s = case
    with pytest.raises(TypeError, match="y_score: expected a dense array"):
        f1_score(y, sp.csr_matrix(s))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_targets_holding_only_0_and_1(case, dtype):
    y, s = case
    assert f1_score(y.astype(dtype), s, average="macro") == f1_score(y, s, average="macro")
    with pytest.raises(ValueError, match="y_true: expected values in"):
        f1_score(y.astype(dtype) * 0.5, s)


def test_float_targets_are_not_modified(case):
    y, s = case
    yf = y.astype(np.float64)
    before = yf.copy()
    tune_thresholds(yf, s)
    np.testing.assert_array_equal(yf, before)


@pytest.mark.requires("torch")
def test_torch_cpu_tensors(case):
    import torch

    y, s = case
    ts = torch.from_numpy(s)
    ty = torch.from_numpy(y)
    assert f1_score(ty, ts) == f1_score(y, s)
    with pytest.raises(TypeError, match=r"y_score: .*requires grad.*detach"):
        f1_score(ty, ts.clone().requires_grad_(True))
    with pytest.raises(TypeError, match="y_score: .*bfloat16"):
        f1_score(ty, ts.to(torch.bfloat16))


def test_memoryview(case):
    y, s = case
    assert f1_score(memoryview(y), memoryview(s)) == f1_score(y, s)


def test_object_arrays_name_the_argument(case):
    y, s = case
    with pytest.raises(TypeError, match="y_true: expected 0/1 labels"):
        f1_score(y.astype(object), s)


# --- item 4: byte-offset views are read through an aligned copy -------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unaligned_views_give_the_aligned_answer(case, dtype):
    y, s = case
    s = s.astype(dtype)
    raw = np.zeros(s.nbytes + 1, dtype=np.uint8)
    unaligned = np.frombuffer(raw.data, dtype=dtype, count=s.size, offset=1).reshape(s.shape)
    unaligned[...] = s
    assert not unaligned.flags.aligned
    yraw = np.zeros(y.size * 4 + 1, dtype=np.uint8)
    y32 = np.frombuffer(yraw.data, dtype=np.int32, count=y.size, offset=1).reshape(y.shape)
    y32[...] = y
    for average in ("micro", "macro"):
        assert f1_score(y32, unaligned, average=average) == f1_score(y, s, average=average)
    np.testing.assert_array_equal(
        tune_thresholds(y32, unaligned, average="micro").thresholds, tune_thresholds(y, s, average="micro").thresholds
    )


@pytest.mark.requires("pandas")
def test_pandas_dataframes(case):
    import pandas as pd

    y, s = case
    ydf, sdf = pd.DataFrame(y), pd.DataFrame(s)
    assert f1_score(ydf, sdf, average="macro") == f1_score(y, s, average="macro")
    np.testing.assert_array_equal(tune_thresholds(ydf, sdf).thresholds, tune_thresholds(y, s).thresholds)
    nullable = ydf.astype("Int64")
    nullable.iloc[0, 0] = pd.NA
    with pytest.raises(TypeError, match=r"y_true: expected numeric columns.*nullable.*np\.int8"):
        f1_score(nullable, sdf)
    with pytest.raises(TypeError, match=r"y_score: expected numeric columns.*np\.float32"):
        f1_score(ydf, sdf.astype("Float64"))
