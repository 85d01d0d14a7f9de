"""tune_thresholds / fbeta_curve / ThresholdResult against brute force over all distinct cuts."""

from __future__ import annotations

import json

import numpy as np
import pytest

import f1tune
from _threshold_oracle import best_global, best_label, best_micro_bruteforce, cuts, fbeta, micro_dinkelbach
from f1tune import metrics

BETAS = (0.5, 1.0, 2.0)


def check_placement(y_score, thresholds):
    """The exactness contract for the placement of each threshold."""
    s2 = y_score.reshape(len(y_score), -1)
    for j, t in enumerate(np.broadcast_to(thresholds, (s2.shape[1],))):
        col = s2[:, j]
        ge, gt = col >= t, col > t
        if ge.any() and (~ge).any() and np.nextafter(col[~ge].max(), np.inf) == col[ge].min():
            assert t == col[ge].min()  # adjacent doubles: nothing lies strictly between them
        else:
            assert np.array_equal(ge, gt), "'>=' and '>' must agree on the tuning data"
        # float32 data compared with a Python float (numpy rounds it to float32)
        assert np.array_equal(col >= float(t), ge)
        if col.dtype == np.float32:
            assert np.array_equal(col >= np.float32(t), ge)
        if ge.any() and (~ge).any():
            lowest, below = col[ge].min(), col[~ge].max()
            assert below < t <= lowest
            mid = (float(below) + float(lowest)) / 2
            if col.dtype == np.float64 and below < mid < lowest:
                assert t == mid
        elif not ge.any():  # predict none: just above the maximum
            assert t == float(np.nextafter(col.max(), np.inf))
        else:  # predict all: just below the minimum
            assert t == float(np.nextafter(col.min(), -np.inf))


def counts_at(y, s, thr):
    pred = s >= thr
    return (pred & (y == 1)).sum(0), pred.sum(0)


def random_case(rng, n, L, dtype, kind="uniform"):
    p = rng.uniform(0.05, 0.6, L)
    y = (rng.random((n, L)) < p).astype(np.int8)
    if kind == "uniform":
        s = rng.random((n, L))
    elif kind == "ties":
        s = np.round(rng.random((n, L)) * rng.integers(1, 6)) / 4
    elif kind == "logits":
        s = rng.normal(y * 1.5, 2.0) * 10
    elif kind == "wide":
        s = np.sign(rng.normal(size=(n, L))) * 10.0 ** rng.uniform(-30, 30, (n, L))
    elif kind == "signed_zero":
        s = rng.choice([-0.0, 0.0, 1.0, -1.0, 0.5], size=(n, L))
    elif kind == "sorted":
        s = np.sort(rng.random((n, L)), axis=0)
    elif kind == "constant":
        s = np.full((n, L), 0.25)
    elif kind == "separable":
        s = y + rng.random((n, L)) * 0.5
    else:
        raise ValueError(kind)
    return y, s.astype(dtype)


KINDS = ("uniform", "ties", "logits", "wide", "signed_zero", "sorted", "constant", "separable")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", KINDS)
def test_macro_matches_brute_force(rng, dtype, kind):
    for n in (1, 2, 7, 60, 700):
        y, s = random_case(rng, n, 3, dtype, kind)
        for beta in BETAS:
            res = f1tune.tune_thresholds(y, s, beta=beta)
            tp, pp = counts_at(y, s, res.thresholds)
            assert np.array_equal(tp, res.tp) and np.array_equal(pp, res.tp + res.fp)
            for j in range(3):
                f, btp, bpp = best_label(y[:, j], s[:, j], beta * beta)
                assert (res.tp[j], res.tp[j] + res.fp[j]) == (btp, bpp), (n, j, beta)
                assert res.fbeta[j] == pytest.approx(f, abs=1e-12)
            check_placement(s, res.thresholds)
            assert res.score == pytest.approx(np.mean([best_label(y[:, j], s[:, j], beta * beta)[0] for j in range(3)]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", KINDS)
def test_global_matches_brute_force(rng, dtype, kind):
    for n in (1, 5, 40, 400):
        y, s = random_case(rng, n, 3, dtype, kind)
        for beta in BETAS:
            res = f1tune.tune_thresholds(y, s, average="global", beta=beta)
            assert np.all(res.thresholds == res.thresholds[0])
            f, btp, bpp = best_global(y, s, beta * beta)
            assert (res.tp.sum(), (res.tp + res.fp).sum()) == (btp, bpp)
            assert res.score == pytest.approx(f, abs=1e-12)
            tp, pp = counts_at(y, s, res.thresholds)
            assert np.array_equal(tp, res.tp) and np.array_equal(pp, res.tp + res.fp)
            check_placement(s.ravel(), res.thresholds[0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_micro_matches_all_combinations(rng, dtype):
    for trial in range(60):
        n, L = int(rng.integers(1, 9)), int(rng.integers(1, 4))
        y, s = random_case(rng, n, L, dtype, KINDS[trial % len(KINDS)])
        for beta in BETAS:
            res = f1tune.tune_thresholds(y, s, average="micro", beta=beta)
            f, fewest_pp = best_micro_bruteforce(y, s, beta * beta)
            assert res.score == pytest.approx(f, abs=1e-12)
            assert (res.tp + res.fp).sum() == fewest_pp  # ties: fewest predicted positives
            tp, pp = counts_at(y, s, res.thresholds)
            assert np.array_equal(tp, res.tp) and np.array_equal(pp, res.tp + res.fp)
            check_placement(s, res.thresholds)


@pytest.mark.parametrize("kind", ["uniform", "ties", "logits", "wide"])
def test_micro_mid_size_matches_dinkelbach_oracle(rng, kind):
    y, s = random_case(rng, 3000, 6, np.float32, kind)
    for beta in BETAS:
        res = f1tune.tune_thresholds(y, s, average="micro", beta=beta)
        assert res.score == pytest.approx(micro_dinkelbach(y, s, beta * beta), abs=1e-12)
        assert res.score >= f1tune.tune_thresholds(y, s, average="global", beta=beta).score - 1e-12
        macro_thr = f1tune.tune_thresholds(y, s, beta=beta).thresholds
        assert res.score >= metrics.fbeta_score(y, s, beta=beta, thresholds=macro_thr) - 1e-12


@pytest.mark.parametrize("kind", ["uniform", "logits", "sorted", "ties"])
def test_large_input_refinement_path(rng, kind):
    """Enough rows that buckets hold many scores: the refine path must stay exact."""
    y, s = random_case(rng, 200_000, 2, np.float32, kind)
    res = f1tune.tune_thresholds(y, s)
    for j in range(2):
        order = np.argsort(-s[:, j], kind="stable")
        ss, yy = s[order, j], y[order, j]
        last = np.r_[ss[1:] != ss[:-1], True]  # last index of each tie group
        tp = np.cumsum(yy)[last]
        pp = np.flatnonzero(last) + 1
        P = yy.sum()
        f = np.r_[0.0, 2.0 * tp / (P + pp)]
        i = int(np.argmax(f))
        assert (res.tp[j], res.tp[j] + res.fp[j]) == ((0, 0) if i == 0 else (tp[i - 1], pp[i - 1]))
    check_placement(s, res.thresholds)


@pytest.mark.parametrize("kind", ["uniform", "logits", "wide", "ties"])
def test_large_input_micro_and_global(rng, kind):
    y, s = random_case(rng, 40_000, 3, np.float32, kind)
    for beta in (0.5, 2.0):
        res = f1tune.tune_thresholds(y, s, average="micro", beta=beta)
        assert res.score == pytest.approx(micro_dinkelbach(y, s, beta * beta), abs=1e-12)
        tp, pp = counts_at(y, s, res.thresholds)
        assert np.array_equal(tp, res.tp) and np.array_equal(pp, res.tp + res.fp)
        glob = f1tune.tune_thresholds(y, s, average="global", beta=beta)
        f, btp, bpp = best_global(y, s, beta * beta)
        assert (glob.tp.sum(), (glob.tp + glob.fp).sum()) == (btp, bpp)
        check_placement(s.ravel(), glob.thresholds[0])


@pytest.mark.parametrize("average", ["macro", "weighted", None])
def test_averages_share_per_label_thresholds_and_score_like_sklearn(rng, average):
    import sklearn.metrics as sk

    y, s = random_case(rng, 300, 4, np.float64, "uniform")
    res = f1tune.tune_thresholds(y, s, average=average, beta=2.0)
    assert np.array_equal(res.thresholds, f1tune.tune_thresholds(y, s, beta=2.0).thresholds)
    expected = sk.fbeta_score(y, s >= res.thresholds, beta=2.0, average=average, zero_division=0)
    np.testing.assert_allclose(res.score, expected, rtol=1e-12)
    ours = metrics.fbeta_score(y, s, beta=2.0, thresholds=res.thresholds, average=average)
    np.testing.assert_allclose(res.score, ours, rtol=1e-12)


def test_micro_and_global_scores_match_metrics(rng):
    y, s = random_case(rng, 500, 5, np.float32, "logits")
    for average in ("micro", "global"):
        res = f1tune.tune_thresholds(y, s, average=average)
        assert res.score == pytest.approx(metrics.fbeta_score(y, s, beta=1.0, thresholds=res.thresholds), abs=1e-12)


@pytest.mark.parametrize("average", ["macro", "micro", "global"])
def test_zero_division_and_degenerate_labels(average):
    y = np.array([[0, 1, 1], [0, 1, 0], [0, 1, 1], [0, 1, 0]], dtype=np.int8)  # no positives, all positives, mixed
    s = np.array([[0.9, 0.1, 0.8], [0.2, 0.3, 0.1], [0.5, 0.7, 0.6], [0.4, 0.2, 0.4]])
    for zd in (0.0, 1.0, np.nan):
        res = f1tune.tune_thresholds(y, s, average=average, zero_division=zd)
        if average == "global":
            continue
        assert res.tp[0] == 0 and res.fp[0] == 0  # no positives: predict none
        assert res.thresholds[0] > s[:, 0].max()
        if average == "macro":
            assert res.fp[1] == 0 and res.fn[1] == 0  # all positives: predict all
            assert res.thresholds[1] < s[:, 1].min()
            np.testing.assert_equal(res.fbeta[0], zd)
    # no positives anywhere: predict none everywhere, score zero_division
    y0 = np.zeros((3, 2), dtype=np.int8)
    s0 = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
    res = f1tune.tune_thresholds(y0, s0, average=average, zero_division=1.0)
    assert res.score == 1.0 and res.tp.sum() == 0 and res.fp.sum() == 0
    assert np.all(res.thresholds > s0.max(axis=0 if average != "global" else None))


def test_one_sample_and_one_label():
    res = f1tune.tune_thresholds(np.array([1]), np.array([0.3]))
    assert res.thresholds.shape == (1,) and res.score == 1.0 and res.thresholds[0] < 0.3
    res = f1tune.tune_thresholds(np.array([0]), np.array([0.3], dtype=np.float32))
    assert res.thresholds[0] > 0.3 and res.tp[0] == res.fp[0] == 0
    y = np.array([1, 0, 1, 1, 0])
    s = np.array([0.9, 0.8, 0.7, 0.2, 0.1])
    res = f1tune.tune_thresholds(y, s)
    assert res.predict(s).shape == (5,)
    assert np.array_equal(res.predict(s), s >= 0.15)
    assert res.thresholds[0] == pytest.approx(0.15)


def test_float32_adjacent_scores_stay_separated():
    a = np.float32(0.5)
    b = np.nextafter(a, np.float32(1))  # adjacent float32 values
    s = np.array([a, b, b, a], dtype=np.float32)
    y = np.array([0, 1, 1, 0], dtype=np.int8)
    res = f1tune.tune_thresholds(y, s)
    t = res.thresholds[0]
    assert a < t < b
    assert np.float32(t) == b  # rounds to the lowest positive, never to the score below
    assert np.array_equal(s >= t, y == 1) and np.array_equal(s >= float(t), y == 1)
    assert np.array_equal(s >= np.float32(t), y == 1)


def test_extreme_values():
    big = np.finfo(np.float32).max
    s = np.array([big, -big, 0.0, big], dtype=np.float32)
    y = np.array([1, 0, 0, 1], dtype=np.int8)
    res = f1tune.tune_thresholds(y, s)
    assert np.array_equal(res.predict(s), y == 1)
    check_placement(s, res.thresholds)
    res = f1tune.tune_thresholds(np.zeros(2, np.int8), np.array([big, 1.0], dtype=np.float32), zero_division=1)
    assert res.thresholds[0] == np.inf and not res.predict(np.array([big], np.float32)).any()


@pytest.mark.parametrize("ydtype", [np.bool_, np.uint8, np.int8, np.int32, np.int64])
@pytest.mark.parametrize("sdtype", [np.float32, np.float64])
def test_dtypes_and_layouts_agree(rng, ydtype, sdtype):
    y, s = random_case(rng, 400, 5, sdtype, "ties")
    y = y.astype(ydtype)
    for average in ("macro", "micro", "global"):
        ref = f1tune.tune_thresholds(y, s, average=average)
        for yy, ss in (
            (np.asfortranarray(y), np.asfortranarray(s)),
            (np.repeat(y, 2, axis=1)[:, ::2], np.repeat(s, 2, axis=1)[:, ::2]),
            (y[::-1][::-1], s.T.copy().T),
        ):
            other = f1tune.tune_thresholds(yy, ss, average=average)
            assert np.array_equal(other.thresholds, ref.thresholds)
            assert other.score == ref.score


def test_n_threads_gives_same_result(rng):
    y, s = random_case(rng, 300_000, 2, np.float32, "logits")
    for average in ("macro", "micro", "global"):
        a = f1tune.tune_thresholds(y, s, average=average, n_threads=1)
        b = f1tune.tune_thresholds(y, s, average=average, n_threads=2)
        assert np.array_equal(a.thresholds, b.thresholds)


def test_predict_and_json_round_trip(rng, tmp_path):
    y, s = random_case(rng, 200, 3, np.float32, "wide")
    for average in ("macro", None, "micro", "global"):
        res = f1tune.tune_thresholds(y, s, average=average, zero_division=np.nan)
        assert np.array_equal(res.predict(s), s >= res.thresholds)
        back = f1tune.ThresholdResult.from_json(res.to_json())
        assert np.array_equal(back.thresholds, res.thresholds)
        np.testing.assert_equal(back.score, res.score)
        assert back.average == res.average and back.beta == res.beta and np.isnan(back.zero_division)
        for k in ("tp", "fp", "fn", "tn", "fbeta"):
            np.testing.assert_array_equal(getattr(back, k), getattr(res, k))
        res.save(tmp_path / "thr.json")
        loaded = f1tune.ThresholdResult.load(tmp_path / "thr.json")
        assert np.array_equal(loaded.predict(s), res.predict(s))
    d = json.loads(res.to_json())
    assert d["format"] == "f1tune.ThresholdResult" and d["version"] == 3
    json.loads(res.to_json(), parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))


def test_json_rejects_foreign_files(tmp_path):
    with pytest.raises(ValueError, match="f1tune.ThresholdResult"):
        f1tune.ThresholdResult.from_json('{"thresholds": [0.5]}')
    with pytest.raises(ValueError, match="invalid JSON"):
        f1tune.ThresholdResult.from_json("not json")
    with pytest.raises(ValueError, match="version"):
        f1tune.ThresholdResult.from_json('{"format": "f1tune.ThresholdResult", "version": 99}')
    with pytest.raises(ValueError, match="malformed"):
        f1tune.ThresholdResult.from_json('{"format": "f1tune.ThresholdResult", "version": 1}')


def test_predict_checks_its_input():
    res = f1tune.tune_thresholds(np.array([[1, 0], [0, 1]]), np.array([[0.9, 0.2], [0.1, 0.8]]))
    with pytest.raises(ValueError, match="y_score"):
        res.predict(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="y_score"):
        res.predict(np.zeros(3))
    with pytest.raises(TypeError, match="y_score"):
        res.predict(np.zeros((3, 2), dtype=np.int64))


@pytest.mark.parametrize(
    ("kwargs", "exc", "name"),
    [
        ({"average": "samples"}, ValueError, "average"),
        ({"average": "binary"}, ValueError, "average"),
        ({"beta": 0.0}, ValueError, "beta"),
        ({"beta": "1"}, TypeError, "beta"),
        ({"zero_division": 2}, ValueError, "zero_division"),
        ({"n_threads": 0}, ValueError, "n_threads"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        f1tune.tune_thresholds(np.array([1, 0]), np.array([0.5, 0.2]), **kwargs)


def test_bad_values_are_found_by_the_kernels():
    y = np.array([[1, 0], [0, 1]], dtype=np.int8)
    s = np.array([[0.9, 0.2], [0.1, 0.8]])
    for average in ("macro", "micro", "global"):
        with pytest.raises(ValueError, match="y_score"):
            f1tune.tune_thresholds(y, np.where(s > 0.85, np.nan, s), average=average)
        with pytest.raises(ValueError, match="y_score"):
            f1tune.tune_thresholds(y, np.where(s > 0.85, np.inf, s), average=average)
        with pytest.raises(ValueError, match="y_true"):
            f1tune.tune_thresholds(np.where(y == 1, 2, 0).astype(np.int8), s, average=average)
        with pytest.raises(ValueError, match="y_true"):
            f1tune.tune_thresholds(-y, s, average=average)
    with pytest.raises(ValueError, match="shape"):
        f1tune.tune_thresholds(y, s[:1])
    with pytest.raises(TypeError, match="y_score"):
        f1tune.tune_thresholds(y, s.astype(np.float16))
    with pytest.raises(ValueError, match="y_score"):
        f1tune.fbeta_curve(np.array([1, 0]), np.array([np.nan, 0.1]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fbeta_curve_matches_brute_force(rng, dtype):
    for kind in KINDS:
        y, s = random_case(rng, 300, 1, dtype, kind)
        y, s = y[:, 0], s[:, 0]
        for beta in BETAS:
            c = f1tune.fbeta_curve(y, s, beta=beta)
            tp, pp = cuts(y, s)
            P = (y == 1).sum()
            assert len(c.thresholds) == len(np.unique(s)) + 1
            assert np.all(np.diff(c.thresholds) < 0)
            expected = [fbeta(a, b, P, beta * beta) for a, b in zip(tp, pp)]
            np.testing.assert_allclose(c.fbeta, expected, rtol=1e-12, atol=0)
            for t, a, b in zip(c.thresholds, tp, pp):
                pred = s >= t
                assert pred.sum() == b and (pred & (y == 1)).sum() == a
                assert np.array_equal(pred, s > t)
            np.testing.assert_allclose(c.recall, tp / P if P else 0 * tp)
            assert c.precision[0] == 1.0
            assert c.fbeta.max() == pytest.approx(f1tune.tune_thresholds(y, s, beta=beta).score, abs=1e-12)


def test_fbeta_curve_matches_sklearn(rng):
    import sklearn.metrics as sk

    y, s = random_case(rng, 500, 1, np.float64, "ties")
    y, s = y[:, 0], s[:, 0]
    c = f1tune.fbeta_curve(y, s)
    prec, rec, thr = sk.precision_recall_curve(y, s)
    # sklearn: one point per distinct score, increasing, then (precision 1, recall 0) for "none"
    assert len(thr) == len(c.thresholds) - 1
    np.testing.assert_allclose(c.precision[::-1], prec, rtol=1e-12)
    np.testing.assert_allclose(c.recall[::-1], rec, rtol=1e-12)
    assert np.all((s[:, None] >= thr[None, :]).sum(0) == (s[:, None] >= c.thresholds[1:][::-1][None, :]).sum(0))


def test_fbeta_curve_rejects_several_labels():
    with pytest.raises(ValueError, match="one label"):
        f1tune.fbeta_curve(np.zeros((3, 2), np.int8), np.zeros((3, 2)))


def test_predict_rejects_nan_scores():
    res = f1tune.tune_thresholds(np.array([[1, 0], [0, 1]]), np.array([[0.9, 0.2], [0.3, 0.8]]))
    with pytest.raises(ValueError, match="y_score: expected finite"):
        res.predict(np.array([[np.nan, 0.5]]))
