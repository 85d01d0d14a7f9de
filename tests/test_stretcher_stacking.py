"""The Stretcher as a stacking step on real data: beats thresholds where labels depend on each
other, falls back to plain per-label thresholds where they do not, takes extra features, and
keeps reading version-1 files."""

import json

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict, train_test_split
from sklearn.multiclass import OneVsRestClassifier

from f1tune.metrics import f1_score
from f1tune.stretcher import Stretcher
from f1tune.thresholds import tune_thresholds

QUICK = {"hidden": 32, "max_steps": 150, "progress": False}
NO_RESIDUAL = {**QUICK, "residual_min_rows": 10**6}  # for tests not about the residual: linear stages only


@pytest.fixture(scope="module")
def digits():
    """Real data with label dependence: "even", ">= 5", "prime", "closed loop" are unions of digits,
    alongside the ten digits. Base model: one-vs-rest logistic regression; 5-fold OOF scores."""
    d = load_digits()
    t = d.target
    cols = [t % 2 == 0, t >= 5, np.isin(t, [2, 3, 5, 7]), np.isin(t, [0, 6, 8, 9]), *(t == k for k in range(10))]
    Y = np.column_stack(cols).astype(np.uint8)
    X_tr, X_te, Y_tr, Y_te = train_test_split(d.data / 16.0, Y, test_size=0.3, random_state=0)
    base = OneVsRestClassifier(LogisticRegression(max_iter=2000))
    oof = cross_val_predict(base, X_tr, Y_tr, cv=5, method="predict_proba")
    test = base.fit(X_tr, Y_tr).predict_proba(X_te)
    return oof, Y_tr, test, Y_te, X_tr, X_te


@pytest.fixture(scope="module")
def stretched(digits):
    oof, y, *_ = digits
    return Stretcher(tune_threshold="micro", random_state=0, **QUICK).fit(oof, y)


def test_stacking_beats_exact_micro_thresholds_where_labels_depend(digits, stretched):
    oof, y, test, y_te, *_ = digits
    exact = f1_score(y_te, test, thresholds=tune_thresholds(y, oof, average="micro").thresholds)
    assert stretched.stacking_ in ("linear", "nonlinear")
    assert stretched.score(test, y_te) > exact + 0.01


def test_falls_back_to_plain_per_label_thresholds_when_labels_are_independent():
    rng = np.random.default_rng(0)
    s, s_te = rng.random((1500, 5)), rng.random((2000, 5))
    y = (rng.random(s.shape) < s).astype(np.uint8)  # each label depends on its own score only
    st = Stretcher(tune_threshold="micro", random_state=0, **QUICK).fit(s, y)
    assert st.stacking_ == "per_label"
    # Oracle: exact micro thresholds on the scores themselves give the very same predictions.
    exact = tune_thresholds(y, s, average="micro")
    np.testing.assert_array_equal(st.predict(s), exact.predict(s))
    np.testing.assert_array_equal(st.predict(s_te), exact.predict(s_te))


def test_linear_stage_is_the_logistic_regression_optimum():
    from f1tune._stretcher.linear import fit_linear

    rng = np.random.default_rng(1)
    z = rng.standard_normal((400, 4))
    y = (z @ rng.standard_normal((4, 3)) + rng.standard_normal((400, 3)) > 0).astype(np.float64)
    w, b = fit_linear(torch.from_numpy(z), torch.from_numpy(y), alpha=1.0)
    for j in range(3):
        ref = LogisticRegression(C=1.0, tol=1e-10, max_iter=10_000).fit(z, y[:, j])
        np.testing.assert_allclose(w[j].numpy(), ref.coef_[0], atol=2e-4)
        np.testing.assert_allclose(b[j].item(), ref.intercept_[0], atol=2e-4)


def test_residual_starts_at_zero_and_initial_weights_are_scored(digits):
    oof, y, *_ = digits
    st = Stretcher(random_state=0, **{**QUICK, "max_steps": 0, "residual_min_rows": 100}).fit(oof, y)
    assert st.stacking_ != "nonlinear" and st.n_steps_ == 0 and st.history_["step"] == []
    last = st.network_.residual[-1]
    assert not last.weight.any() and not last.bias.any()


def test_residual_history_starts_with_the_initial_weights(stretched):
    assert stretched.n_steps_ > 0 and stretched.history_["step"][0] == 0.0  # the zero residual is scored first


def test_selection_rule_is_paired_cross_validated_fbeta():
    from f1tune._stretcher.training import richer_is_better

    rng = np.random.default_rng(0)
    y = (rng.random((400, 3)) < 0.3).astype(np.uint8)
    noisy = np.clip(y + rng.normal(0, 0.6, y.shape), 0, 1)
    sharp = np.clip(y + rng.normal(0, 0.2, y.shape), 0, 1)
    for average in ("micro", "macro", "global", None):
        kw = {"average": average, "threshold": 0.5, "beta": 1.0}
        assert richer_is_better(y, noisy, sharp, np.random.default_rng(1), **kw)
        assert not richer_is_better(y, sharp, noisy, np.random.default_rng(1), **kw)
        assert not richer_is_better(y, sharp, sharp.copy(), np.random.default_rng(1), **kw)  # ties: keep the simple


def test_features_as_extra_inputs(digits, tmp_path):
    oof, y, test, y_te, X_tr, X_te = digits
    st = Stretcher(tune_threshold="micro", random_state=0, **NO_RESIDUAL).fit(oof, y, features=X_tr)
    assert st.n_features_ == 64 and st.network_.skip.weight.shape == (14, 14 + 64)
    p = st.transform(test, features=X_te)
    assert p.shape == y_te.shape
    st.save(tmp_path / "f.npz")
    loaded = Stretcher.load(tmp_path / "f.npz")
    np.testing.assert_array_equal(loaded.transform(test, X_te), p)
    with pytest.raises(ValueError, match="features: expected an array of shape \\(n_samples, 64\\)"):
        st.transform(test)
    with pytest.raises(ValueError, match="features: expected 64 columns"):
        st.transform(test, X_te[:, :10])


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda f: f[:-1], "features: expected 100 rows \\(one per row of y_score\\), got 99"),
        (lambda f: np.where(np.arange(f.size).reshape(f.shape) == 3, np.nan, f), "features: expected finite"),
        (lambda f: f[:, 0], "features: expected shape \\(n_samples, n_features\\)"),
        (lambda f: f.astype(np.int64), "features: expected float32 or float64"),
    ],
)
def test_bad_features_rejected(digits, make, match):
    oof, y, _, _, X_tr, _ = digits
    with pytest.raises((ValueError, TypeError), match=match):
        Stretcher(**QUICK).fit(oof[:100], y[:100], features=make(X_tr[:100]))


def test_determinism_and_clone(digits, stretched):
    oof, y, test, *_ = digits
    a = stretched
    b = clone(a).fit(oof, y)
    assert not hasattr(clone(a), "network_") and clone(a).get_params() == a.get_params()
    np.testing.assert_array_equal(a.transform(test), b.transform(test))
    np.testing.assert_array_equal(a.thresholds_, b.thresholds_)
    assert a.history_ == b.history_ and a.stacking_ == b.stacking_


def test_save_load_round_trip_of_per_label_thresholds(digits, tmp_path):
    oof, y, test, y_te, *_ = digits
    st = Stretcher(tune_threshold="macro", alpha=0.5, cv=4, random_state=0, **NO_RESIDUAL).fit(oof, y)
    st.save(tmp_path / "m.npz")
    loaded = Stretcher.load(tmp_path / "m.npz")
    assert loaded.get_params() == st.get_params() and loaded.stacking_ == st.stacking_
    np.testing.assert_array_equal(loaded.thresholds_, st.thresholds_)
    np.testing.assert_array_equal(loaded.predict(test), st.predict(test))
    assert (loaded.n_steps_, loaded.best_step_, loaded.history_) == (st.n_steps_, st.best_step_, st.history_)
    with np.load(tmp_path / "m.npz") as npz:
        assert int(npz["format_version"]) == 2


def test_reads_version_1_files(tmp_path):
    """A file written the way version 1 did (seed network, one shared threshold_) still loads."""
    from f1tune._stretcher.network import build_seed_network

    n_labels, hidden = 4, 8
    net = build_seed_network(n_labels, hidden, 1, "identity", seed=7)
    x = np.random.default_rng(0).random((50, n_labels)).astype(np.float32)
    net[0].fit(torch.from_numpy(x))
    params = {
        "hidden": hidden, "loss": "bce", "epochs": 10, "batch_size": 1024, "lr": 0.03, "validation_fraction": 0.1,
        "early_stopping": True, "patience": 3, "threshold": 0.5, "tune_threshold": True, "n_layers": 1,
        "activation": "identity", "beta": 1.0, "random_state": 0, "device": "cpu", "progress": False, "n_threads": 1,
    }  # fmt: skip
    state = {
        "n_labels_": n_labels, "threshold_": 0.375, "best_epoch_": 2, "n_epochs_": 3,
        "history_": {"train_loss": [0.3, 0.2, 0.1]}, "fit_time_": 0.5,
    }  # fmt: skip
    arrays = {
        "f1tune_format": np.array("f1tune.Stretcher"),
        "format_version": np.array(1),
        "params": np.array(json.dumps(params)),
        "state": np.array(json.dumps(state)),
    }
    arrays |= {"w/" + k: v.detach().numpy() for k, v in net.state_dict().items()}
    path = tmp_path / "v1.npz"
    np.savez(path, **arrays)
    st = Stretcher.load(path)
    with torch.no_grad():
        expected = torch.sigmoid(net(torch.from_numpy(x))).numpy()
    np.testing.assert_allclose(st.transform(x), expected, rtol=1e-6)
    assert st.threshold_ == 0.375 and st.stacking_ is None and st.n_epochs_ == 3
    np.testing.assert_array_equal(st.predict(x), expected >= 0.375)
    state["threshold_"] = 7  # version-1 fields are validated as before
    arrays["state"] = np.array(json.dumps(state))
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="state field threshold_: expected a number in \\[0, 1\\]"):
        Stretcher.load(path)


def test_per_label_stage_is_the_logistic_regression_optimum():
    from f1tune._stretcher.linear import fit_per_label

    rng = np.random.default_rng(2)
    z = rng.standard_normal((300, 3))
    y = (z + rng.standard_normal((300, 3)) > 0.3).astype(np.float64)
    a, b = fit_per_label(torch.from_numpy(z), torch.from_numpy(y), alpha=1.0)
    for j in range(3):
        ref = LogisticRegression(C=1.0, tol=1e-10, max_iter=10_000).fit(z[:, [j]], y[:, j])
        assert a[j].item() == pytest.approx(ref.coef_[0, 0], abs=2e-4)
        assert b[j].item() == pytest.approx(ref.intercept_[0], abs=2e-4)
