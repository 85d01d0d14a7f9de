"""f1tune.dask against the in-memory functions on the same rows, on a real 2-process LocalCluster.

The oracle is in-memory :func:`f1tune.tune_thresholds` (itself tested against brute force and
scikit-learn): the dask results must be identical, thresholds and counts bit for bit.
"""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys
import warnings

import dask
import dask.array as da
import numpy as np
import pytest
from dask.delayed import Delayed
from distributed import Client, LocalCluster

import f1tune.dask as f1dask
from conftest import random_case
from f1tune._threshold_result import ThresholdResult
from f1tune.dask._arrays import check_row_chunks
from f1tune.dask._tune import _Plan, tune_rounds
from f1tune.exceptions import UndefinedMetricWarning
from f1tune.metrics import confusion, fbeta_score
from f1tune.thresholds import tune_thresholds
from f1tune.tuner import ThresholdTuner

AVERAGES = ["macro", "weighted", None, "micro", "global"]


@pytest.fixture(scope="module")
def client():
    """Two worker processes on loopback, one thread each; closed after the module."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # start-up chatter (ports, tornado) is not what we test
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        )
        c = Client(cluster)
    yield c
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c.close()
        cluster.close()


def chunked(y, s, rows_y, rows_s):
    return da.from_array(y, chunks=(rows_y, y.shape[1])), da.from_array(s, chunks=(rows_s, s.shape[1]))


def assert_same(res, ref):
    assert isinstance(res, ThresholdResult)
    np.testing.assert_array_equal(res.thresholds, ref.thresholds)
    for name in ("tp", "fp", "fn", "tn", "fbeta"):
        np.testing.assert_array_equal(getattr(res, name), getattr(ref, name))
    np.testing.assert_array_equal(res.score, ref.score)
    assert (res.average, res.beta, res.zero_division) == (ref.average, ref.beta, ref.zero_division)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tune_on_cluster_equals_in_memory(client, dtype):
    # Uneven chunks (y_true chunked differently from y_score: rechunked), every average, beta != 1.
    y, s = random_case(np.random.default_rng(1), 3001, 7, dtype=dtype)
    dy, ds = chunked(y, s, 700, [1000, 1, 999, 1, 1000])
    for average, beta in [(average, 1.0) for average in AVERAGES] + [("micro", 0.5)]:
        ref = tune_thresholds(y, s, average=average, beta=beta)
        assert_same(f1dask.tune_thresholds(dy, ds, average=average, beta=beta), ref)


def test_single_chunk_on_cluster(client):
    y, s = random_case(np.random.default_rng(2), 500, 3, ties=True)
    dy, ds = chunked(y, s, 500, 500)
    for average in ("macro", "micro", "global"):
        assert_same(f1dask.tune_thresholds(dy, ds, average=average), tune_thresholds(y, s, average=average))


def test_one_row_chunks_and_ties():
    # Every chunk one row (its histograms one count per label), heavy ties: still the same answer.
    y, s = random_case(np.random.default_rng(2), 40, 3, ties=True)
    dy, ds = chunked(y, s, 1, 1)
    with dask.config.set(scheduler="sync"):
        for average in AVERAGES:
            assert_same(f1dask.tune_thresholds(dy, ds, average=average), tune_thresholds(y, s, average=average))


def test_micro_second_gather_round():
    # A case (found by search) where Dinkelbach's iteration leaves the buckets planned from the
    # histograms: finish asks for more once (rounds counted on the driver); the answer stays exact.
    y, s = random_case(np.random.default_rng(79), 300, 8, p_pos=0.1)
    dy, ds = chunked(y, s, 70, 70)
    pair = check_row_chunks(dy, ds)
    plan = _Plan(pair, 64, (0.0, 1.0), None)
    with dask.config.set(scheduler="sync"):
        res, rounds = tune_rounds(plan, ("micro", 1.0, 0.0), lambda v: dask.compute(v)[0])
    assert rounds >= 2
    assert_same(res, tune_thresholds(y, s, average="micro"))


def test_zero_row_chunks_are_skipped():
    y, s = random_case(np.random.default_rng(14), 40, 3)
    rows = (10, 0, 20, 0, 10)
    dy, ds = da.from_array(y, chunks=(rows, 3)), da.from_array(s, chunks=(rows, 3))
    with dask.config.set(scheduler="sync"):
        for average in ("macro", "micro", "global"):
            assert_same(f1dask.tune_thresholds(dy, ds, average=average), tune_thresholds(y, s, average=average))
        np.testing.assert_array_equal(f1dask.confusion(dy, ds, 0.5).tn, confusion(y, s, 0.5).tn)


@pytest.mark.parametrize("bins", [2, 64, 2048])
def test_any_bins_and_scores_outside_the_range_stay_exact(bins):
    rng = np.random.default_rng(3)
    y, s = random_case(rng, 900, 4, dtype=np.float64)
    s = s * 3 - 1  # a third of the scores below the range, a third above
    dy, ds = chunked(y, s, 200, 200)
    with dask.config.set(scheduler="sync"):
        for average in AVERAGES:
            res = f1dask.tune_thresholds(dy, ds, average=average, bins=bins, score_range=(0.0, 1.0))
            assert_same(res, tune_thresholds(y, s, average=average))


def test_one_label_bool_labels_and_numpy_partner():
    rng = np.random.default_rng(4)
    y, s = random_case(rng, 500, 1)
    y1, s1 = y[:, 0].astype(bool), s[:, 0]
    with dask.config.set(scheduler="sync"):
        res = f1dask.tune_thresholds(y1, da.from_array(s1, chunks=77))  # y_true in memory: rechunked
    assert_same(res, tune_thresholds(y1, s1))


def test_zero_division_warns_like_in_memory():
    y, s = random_case(np.random.default_rng(5), 300, 3)
    y[:, 1] = 0  # a label without positives: undefined macro F-beta
    # macro: one label undefined; micro: no positives at all, so the pooled score is undefined.
    for average, labels in (("macro", y), ("micro", np.zeros_like(y))):
        with pytest.warns(UndefinedMetricWarning):
            ref = tune_thresholds(labels, s, average=average, zero_division="warn")
        with dask.config.set(scheduler="sync"), pytest.warns(UndefinedMetricWarning):
            res = f1dask.tune_thresholds(*chunked(labels, s, 100, 100), average=average, zero_division="warn")
        assert_same(res, ref)


def test_compute_false_returns_delayed(client):
    y, s = random_case(np.random.default_rng(6), 800, 5)
    dy, ds = chunked(y, s, 150, 150)
    lazy = f1dask.tune_thresholds(dy, ds, average="micro", compute=False)
    assert isinstance(lazy, Delayed)
    assert_same(lazy.compute(), tune_thresholds(y, s, average="micro"))  # rounds scheduled from a worker task
    with dask.config.set(scheduler="sync"):
        assert_same(lazy.compute(), tune_thresholds(y, s, average="micro"))
    lazy_counts = f1dask.confusion(dy, ds, 0.4, compute=False)
    np.testing.assert_array_equal(lazy_counts.compute().tp, confusion(y, s, 0.4).tp)


def test_numpy_inputs_delegate():
    y, s = random_case(np.random.default_rng(7), 200, 3)
    assert_same(f1dask.tune_thresholds(y, s, average="global"), tune_thresholds(y, s, average="global"))
    assert f1dask.fbeta_score(y, s, beta=2.0) == fbeta_score(y, s, beta=2.0)
    lazy = f1dask.tune_thresholds(y, s, compute=False)
    assert_same(lazy.compute(scheduler="sync"), tune_thresholds(y, s))


def check_counts_and_scores(dy, ds, y, s, thresholds, averages):
    got_c, want_c = f1dask.confusion(dy, ds, thresholds), confusion(y, s, thresholds)
    assert type(got_c) is type(want_c)
    for got, want in zip(got_c, want_c, strict=True):
        np.testing.assert_array_equal(got, want, strict=True)
    for average in averages:
        got = f1dask.fbeta_score(dy, ds, beta=0.7, thresholds=thresholds, average=average)
        want = fbeta_score(y, s, beta=0.7, thresholds=thresholds, average=average)
        assert type(got) is type(want) and np.shape(got) == np.shape(want)  # a float stays a float
        if average == "samples":  # per-row F-beta summed per chunk: the same terms, another order
            np.testing.assert_allclose(got, want, rtol=1e-12)
        else:
            np.testing.assert_array_equal(got, want)


def test_confusion_and_fbeta_equal_numpy():
    rng = np.random.default_rng(8)
    y, s = random_case(rng, 1500, 6)
    dy, ds = chunked(y, s, 400, [500, 1, 699, 300])
    batch = rng.random((4, 6))
    with dask.config.set(scheduler="sync"):
        for thresholds in (0.5, rng.random(6), batch, batch[:, :1]):
            check_counts_and_scores(dy, ds, y, s, thresholds, ("micro", "macro", "weighted", None, "samples"))


def test_confusion_and_fbeta_on_cluster(client):
    rng = np.random.default_rng(15)
    y, s = random_case(rng, 1500, 6, dtype=np.float64)
    dy, ds = chunked(y, s, 400, [500, 1, 699, 300])
    check_counts_and_scores(dy, ds, y, s, rng.random((3, 6)), ("macro", "samples"))


def test_one_label_confusion_shapes_like_numpy():
    y, s = random_case(np.random.default_rng(9), 300, 1)
    dy, ds = da.from_array(y[:, 0], chunks=50), da.from_array(s[:, 0], chunks=70)
    with dask.config.set(scheduler="sync"):
        for thresholds in (0.3, np.array([0.2, 0.5, 0.9])):
            got, want = f1dask.confusion(dy, ds, thresholds), confusion(y[:, 0], s[:, 0], thresholds)
            for a, b in zip(got, want):
                assert np.shape(a) == np.shape(b)
                np.testing.assert_array_equal(a, b)


def test_bad_inputs_give_clear_errors():
    y, s = random_case(np.random.default_rng(10), 100, 4)
    dy, ds = chunked(y, s, 50, 50)
    with pytest.raises(ValueError, match=r"y_score: expected all 4 label columns in one chunk.*\(2, 2\)"):
        f1dask.tune_thresholds(dy, da.from_array(s, chunks=(50, 2)))
    with pytest.raises(ValueError, match=r"y_true and y_score: expected the same shape, got \(100, 3\) and \(100, 4\)"):
        f1dask.tune_thresholds(dy[:, :3], ds)
    with pytest.raises(TypeError, match="y_score: expected float32 or float64 scores, got dtype float16"):
        f1dask.tune_thresholds(dy, ds.astype(np.float16))
    with pytest.raises(TypeError, match="y_true: expected 0/1 labels"):
        f1dask.confusion(ds.astype(np.complex64), ds)
    with pytest.raises(ValueError, match="y_score: expected known chunk sizes"):
        f1dask.tune_thresholds(dy, ds[ds[:, 0] > 0.5])
    with pytest.raises(ValueError, match="y_true: expected a non-empty array"):
        f1dask.tune_thresholds(dy[:0], ds[:0])
    with pytest.raises(ValueError, match="bins"):
        f1dask.tune_thresholds(dy, ds, bins=1)
    with pytest.raises(ValueError, match="average"):
        f1dask.tune_thresholds(dy, ds, average="samples")
    with pytest.raises(TypeError, match="compute"):
        f1dask.tune_thresholds(dy, ds, compute="no")
    bad = s.copy()
    bad[77, 2] = np.nan  # found by the core inside the chunk's task; the error reaches the caller
    with dask.config.set(scheduler="sync"):
        with pytest.raises(ValueError, match="y_score: expected finite scores, found NaN or inf"):
            f1dask.tune_thresholds(dy, da.from_array(bad, chunks=(50, 4)))
        with pytest.raises(ValueError, match="y_true: expected values in"):
            f1dask.fbeta_score(da.from_array(y * 2, chunks=(50, 4)), ds, beta=1.0)


def test_nan_error_reaches_the_driver_from_a_worker(client):
    y, s = random_case(np.random.default_rng(11), 100, 4)
    s[99, 0] = np.nan
    with pytest.raises(ValueError, match="y_score: expected finite scores"):
        f1dask.tune_thresholds(*chunked(y, s, 30, 30))


def test_numpy_entry_points_refuse_dask_arrays():
    y, s = random_case(np.random.default_rng(12), 50, 2)
    dy, ds = chunked(y, s, 25, 25)
    for call in (
        lambda: tune_thresholds(y, ds),
        lambda: confusion(dy, s),
        lambda: fbeta_score(y, ds, beta=1.0),
        lambda: ThresholdTuner(2).update(y, ds),
    ):
        with pytest.raises(TypeError, match=r"dask Array.*use f1tune\.dask"):
            call()


@pytest.mark.parametrize("name", ["f1tune.dask._tune", "f1tune.dask._metrics"])
def test_docstring_examples(name):
    with dask.config.set(scheduler="sync"):
        result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_import_f1tune_leaves_dask_alone():
    # f1tune.dask must not shadow the real dask, and `import f1tune` must not import dask.
    assert "f1tune" not in dask.__file__
    code = "import sys, f1tune; assert 'dask' not in sys.modules; import f1tune.dask; assert 'distributed' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
