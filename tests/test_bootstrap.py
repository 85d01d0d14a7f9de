"""Bootstrap-aggregated thresholds against a hand-written resampling loop."""

from __future__ import annotations

import numpy as np
import pytest

from f1tune._bootstrap import cut_at_rate, positive_rates
from f1tune.metrics import fbeta_score
from f1tune.thresholds import tune_thresholds


def case(seed=0, n=300, L=4, dtype=np.float64):
    rng = np.random.default_rng(seed)
    y = (rng.random((n, L)) < [0.05, 0.2, 0.4, 0.6][:L]).astype(np.uint8)
    s = np.round(np.clip(y + rng.normal(0, 0.7, y.shape), 0, 1), 2).astype(dtype)  # ties on purpose
    return y, s


def oracle(y, s, average, B, seed):
    """Resample, tune exactly, average the predicted-positive fraction, take the nearest cut."""
    rng = np.random.default_rng(seed)
    n, L = s.shape
    boot = np.array(
        [tune_thresholds(y[r], s[r], average=average).thresholds for r in (rng.integers(0, n, n) for _ in range(B))]
    )
    cols = [s.ravel()] * L if average == "global" else [s[:, j] for j in range(L)]
    out = []
    for j, c in enumerate(cols):
        rate = np.mean([(c >= t).mean() for t in boot[:, j]])
        best = None
        for t in np.concatenate(([np.inf], np.unique(c)[::-1])):  # cuts: none, then each distinct value
            k = (c >= t).sum()
            if best is None or abs(k - rate * c.size) < abs(best[0] - rate * c.size):
                best = (k, t)
        out.append(best[0])
    return boot, np.array(out)


@pytest.mark.parametrize("average", ["macro", "micro", "global"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_the_resampling_oracle(average, dtype):
    y, s = case(dtype=dtype)
    res = tune_thresholds(y, s, average=average, n_bootstrap=15, random_state=4)
    boot, k = oracle(y, s, average, 15, 4)
    cols = [s.ravel()] * 4 if average == "global" else [s[:, j] for j in range(4)]
    for j, c in enumerate(cols):
        assert (c >= res.thresholds[j]).sum() == k[j]  # the cut nearest the mean rate
        assert (c >= res.thresholds[j]).sum() == (c > res.thresholds[j]).sum() or res.thresholds[
            j
        ] < c.min()  # separates
    np.testing.assert_allclose(res.threshold_std, boot.std(axis=0, ddof=1))
    assert res.n_bootstrap == 15 and res.average == average
    f = fbeta_score(y, s, beta=1.0, thresholds=res.thresholds, average="micro" if average == "global" else average)
    assert res.score == pytest.approx(f)
    np.testing.assert_array_equal(res.tp + res.fn, y.sum(0))
    if average == "global":
        assert (res.thresholds == res.thresholds[0]).all()


def test_invariant_to_monotone_transforms_and_deterministic():
    y, s = case(1)
    a = tune_thresholds(y, s, n_bootstrap=10, random_state=0)
    b = tune_thresholds(y, np.log(s + 0.5), n_bootstrap=10, random_state=0)
    np.testing.assert_array_equal(a.predict(s), b.predict(np.log(s + 0.5)))
    np.testing.assert_array_equal(a.thresholds, tune_thresholds(y, s, n_bootstrap=10, random_state=0).thresholds)


def test_predict_none_and_all_placements():
    c = np.array([0.1, 0.5, 0.5, 0.9])
    assert cut_at_rate(c, 0.0) > 0.9 and (c >= cut_at_rate(c, 0.0)).sum() == 0
    assert cut_at_rate(c, 1.0) < 0.1 and (c >= cut_at_rate(c, 1.0)).sum() == 4
    assert (c >= cut_at_rate(c, 0.4)).sum() == 1  # 1.6 rows: 1 is nearer than 3 (ties are one step)
    np.testing.assert_array_equal(positive_rates(c, np.array([0.05, 0.5, 1.0])), [1.0, 0.75, 0.0])
    # a label without positives: every resample predicts none, so does the aggregate
    y = np.zeros((50, 1), np.uint8)
    s = np.random.default_rng(0).random((50, 1))
    assert tune_thresholds(y, s, n_bootstrap=5, random_state=0).thresholds[0] > s.max()


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3"])
def test_bad_n_bootstrap(bad):
    y, s = case()
    with pytest.raises(ValueError, match="n_bootstrap"):
        tune_thresholds(y, s, n_bootstrap=bad)


def test_bad_random_state_and_inputs_are_named():
    y, s = case()
    with pytest.raises(ValueError, match="random_state"):
        tune_thresholds(y, s, n_bootstrap=2, random_state=-1)
    with pytest.raises(ValueError, match="average"):
        tune_thresholds(y, s, n_bootstrap=2, average="samples")
    with pytest.raises(ValueError, match="y_true and y_score"):
        tune_thresholds(y[:-1], s, n_bootstrap=2)
