import sys

import numpy as np
import pytest
import torch

import f1tune  # noqa: E402
from f1tune.datasets import make_seed_toy  # noqa: E402
from f1tune.stretcher import NotFittedError, Stretcher  # noqa: E402

# residual_min_rows lowered so that the toy's 3,200 training rows exercise the residual.
QUICK = {"hidden": 32, "max_steps": 100, "batch_size": 256, "residual_min_rows": 1000, "progress": False}


@pytest.fixture(scope="module")
def toy():
    return make_seed_toy(n_train=4000, n_test=1000, n_labels=8, random_state=1)


@pytest.fixture(scope="module")
def fitted(toy):
    return Stretcher(random_state=0, **QUICK).fit(toy.X_train, toy.y_train)


def test_lazy_export_and_no_torch_on_construction():
    assert f1tune.Stretcher is Stretcher
    code = "import sys, f1tune.stretcher as m; m.Stretcher(); assert 'torch' not in sys.modules"
    import subprocess

    subprocess.run([sys.executable, "-c", code], check=True)


def test_shapes_dtypes_and_ranges(toy, fitted):
    p = fitted.transform(toy.X_test)
    assert p.shape == toy.X_test.shape and p.dtype == np.float32
    assert np.all((p >= 0) & (p <= 1))
    pred = fitted.predict(toy.X_test)
    assert pred.shape == toy.X_test.shape and pred.dtype == np.uint8
    np.testing.assert_array_equal(pred, p >= fitted.threshold_)
    assert fitted.n_labels_ == 8 and fitted.threshold_ == 0.5 and fitted.n_features_ == 0
    np.testing.assert_array_equal(fitted.thresholds_, np.full(8, 0.5))
    # one evaluation at step 0 (the initial weights), then every 50 steps: 0, 50, 100
    assert fitted.history_["step"] == [0.0, 50.0, 100.0][: len(fitted.history_["step"])]
    assert len(fitted.history_["train_loss"]) == len(fitted.history_["val_fbeta"]) == len(fitted.history_["step"])
    assert 0 <= fitted.best_step_ <= fitted.n_steps_ <= QUICK["max_steps"]
    # batch 256: a kept residual trains on 4/5 of 4000 rows (13 steps per epoch); the history of
    # a dropped one is the first cross-fit's, on 3/5 (10 steps per epoch)
    spe = 13 if fitted.stacking_ == "nonlinear" else 10
    assert fitted.n_epochs_ == -(-fitted.n_steps_ // spe) and fitted.best_epoch_ == -(-fitted.best_step_ // spe)
    # float64 input gives the same result as float32
    np.testing.assert_allclose(fitted.transform(toy.X_test.astype(np.float64)), p, atol=1e-6)


def test_score_is_micro_f1_of_predict(toy, fitted):
    expected = f1tune.f1_score(toy.y_test, fitted.predict(toy.X_test).astype(np.float32), thresholds=0.5)
    assert fitted.score(toy.X_test, toy.y_test) == pytest.approx(expected)


def test_quick_fit_beats_best_global_threshold(toy, fitted):
    grid = np.linspace(0, 1, 201)[:, None]
    best_global = f1tune.f1_score(toy.y_test, toy.X_test, thresholds=grid).max()  # tuned on test: optimistic
    assert fitted.score(toy.X_test, toy.y_test) > best_global + 0.05


def test_determinism_with_random_state(toy, fitted):
    again = Stretcher(random_state=0, **QUICK).fit(toy.X_train, toy.y_train)
    other = Stretcher(random_state=1, **QUICK).fit(toy.X_train, toy.y_train)
    np.testing.assert_array_equal(again.transform(toy.X_test), fitted.transform(toy.X_test))
    assert again.history_ == fitted.history_
    # another seed trains another residual (its predictions may still agree: a residual that
    # does not win the selection is dropped, and the linear stages have no randomness)
    assert other.history_ != fitted.history_


def test_global_torch_rng_untouched(toy):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    Stretcher(random_state=0, hidden=8, max_steps=20, residual_min_rows=100, progress=False).fit(
        toy.X_train[:500], toy.y_train[:500]
    )
    assert torch.equal(torch.rand(3), expected)


def test_n_threads_set_for_the_call_and_restored(toy):
    before = torch.get_num_threads()
    st = Stretcher(n_threads=1, random_state=0, **QUICK).fit(toy.X_train[:500], toy.y_train[:500])
    st.transform(toy.X_test)
    assert torch.get_num_threads() == before


def test_clone_and_params(fitted):
    from sklearn.base import clone

    st = Stretcher(hidden=32, loss="soft_f1", random_state=5, progress=False)
    c = clone(st)
    assert c is not st and c.get_params() == st.get_params()
    assert not hasattr(clone(fitted), "network_")
    assert st.set_params(hidden=8) is st and st.hidden == 8
    with pytest.raises(ValueError, match="nope: not a parameter"):
        st.set_params(nope=1)
    assert repr(Stretcher(hidden=8)) == "Stretcher(hidden=8)"


def test_save_load_round_trip(tmp_path, toy, fitted):
    path = tmp_path / "model.f1s"
    fitted.save(path)
    assert path.exists()  # saved to exactly this name, no suffix added
    loaded = Stretcher.load(path)
    np.testing.assert_array_equal(loaded.transform(toy.X_test), fitted.transform(toy.X_test))
    assert loaded.get_params() == fitted.get_params()
    assert loaded.threshold_ == fitted.threshold_ and loaded.history_ == fitted.history_
    assert loaded.score(toy.X_test, toy.y_test) == fitted.score(toy.X_test, toy.y_test)


def test_load_rejects_foreign_and_corrupt_files(tmp_path, fitted):
    text = tmp_path / "text.txt"
    text.write_text("hello")
    other = tmp_path / "other.npz"
    np.savez(other, a=np.zeros(3))
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, f1tune_format=np.array("f1tune.Stretcher"), obj=np.array([{"x": 1}], dtype=object))
    good = tmp_path / "good.npz"
    fitted.save(good)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:200])
    for path in (text, other, pickled, truncated):
        with pytest.raises(ValueError, match="not an f1tune Stretcher file"):
            Stretcher.load(path)
    with pytest.raises(FileNotFoundError):
        Stretcher.load(tmp_path / "missing.npz")


def test_tampered_weights_rejected(tmp_path, fitted):
    good = tmp_path / "good.npz"
    fitted.save(good)
    with np.load(good) as npz:
        arrays = dict(npz)
    key = next(k for k in arrays if k.startswith("w/") and arrays[k].ndim == 2)
    arrays[key] = arrays[key][:, :-1]
    bad = tmp_path / "bad.npz"
    np.savez(bad, **arrays)
    with pytest.raises(ValueError, match="not an f1tune Stretcher file"):
        Stretcher.load(bad)


def test_not_fitted_errors(tmp_path, toy):
    st = Stretcher()
    for call in (lambda: st.transform(toy.X_test), lambda: st.predict(toy.X_test), lambda: st.save(tmp_path / "x")):
        with pytest.raises(NotFittedError, match="not fitted"):
            call()


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 7, np.nan, X), y), "y_score: expected finite"),
        (
            lambda X, y: (X, np.where(np.arange(y.size).reshape(y.shape) == 5, 2, y).astype(np.uint8)),
            "y_true: expected values in",
        ),
        (lambda X, y: (X, y.astype(np.int64) * -1), "y_true: expected values in"),
        (lambda X, y: (X, y[:-1]), "expected the same shape"),
        (lambda X, y: (X[:, 0], y[:, 0]), "expected shape \\(n_samples, n_labels\\)"),
    ],
)
def test_fit_rejects_bad_input(toy, make, match):
    X, y = make(toy.X_train[:200].copy(), toy.y_train[:200].copy())
    with pytest.raises(ValueError, match=match):
        Stretcher(max_steps=1, progress=False).fit(X, y)


def test_transform_rejects_bad_input(toy, fitted):
    with pytest.raises(ValueError, match="expected 8 labels"):
        fitted.transform(toy.X_test[:, :5])
    X = toy.X_test.copy()
    X[0, 0] = np.inf
    with pytest.raises(ValueError, match="y_score: expected finite"):
        fitted.predict(X)
    with pytest.raises(TypeError, match="y_score: expected float32 or float64"):
        fitted.transform(toy.X_test.astype(np.int64))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"loss": "mse"}, "loss: expected one of"),
        ({"hidden": 0}, "hidden: expected an integer >= 1"),
        ({"lr": -1.0}, "lr: expected a number"),
        ({"cv": 1}, "cv: expected an integer >= 2"),
        ({"max_steps": -1}, "max_steps: expected an integer >= 0"),
        ({"alpha": 0.0}, "alpha: expected a number"),
        ({"weight_decay": -1.0}, "weight_decay: expected a number"),
        ({"activation": "swish"}, "activation: expected one of"),
        ({"random_state": 1.5}, "random_state: expected"),
        ({"n_threads": 0}, "n_threads: expected an integer >= 1"),
        ({"residual_min_rows": 0}, "residual_min_rows: expected an integer >= 1"),
    ],
)
def test_bad_params_raise_at_fit(toy, params, match):
    st = Stretcher(progress=False, **params)  # no validation in __init__ (scikit-learn convention)
    with pytest.raises(ValueError, match=match):
        st.fit(toy.X_train[:100], toy.y_train[:100])


def test_options_depth_activation_no_early_stopping(toy):
    st = Stretcher(n_layers=2, activation="gelu", early_stopping=False, random_state=0, **{**QUICK, "hidden": 16}).fit(
        toy.X_train, toy.y_train
    )
    assert st.n_steps_ == st.best_step_ == QUICK["max_steps"]  # the whole budget, last weights
    assert st.transform(toy.X_test).shape == toy.X_test.shape
    linear = [m for m in st.network_.residual if isinstance(m, torch.nn.Linear)]
    assert [tuple(m.weight.shape) for m in linear] == [(16, 8), (16, 16), (8, 16)]


def test_epochs_bound_the_step_budget(toy):
    st = Stretcher(epochs=2, early_stopping=False, random_state=0, **{**QUICK, "max_steps": 1000}).fit(
        toy.X_train, toy.y_train
    )
    spe = 13 if st.stacking_ == "nonlinear" else 10  # 3200 or 2400 training rows / 256 per step
    assert st.n_steps_ == 2 * spe and st.n_epochs_ == 2


@pytest.mark.parametrize("loss", ["soft_f1", "double_soft_f1", "micro_soft_f1"])
def test_soft_f1_losses_train(toy, loss):
    st = Stretcher(loss=loss, random_state=0, **QUICK).fit(toy.X_train, toy.y_train)
    grid = np.linspace(0, 1, 201)[:, None]
    best_global = f1tune.f1_score(toy.y_test, toy.X_test, thresholds=grid).max()
    assert st.score(toy.X_test, toy.y_test) > best_global


@pytest.mark.parametrize("tune", [True, "micro", "macro"])
def test_tune_threshold(toy, fitted, tune):
    st = Stretcher(tune_threshold=tune, random_state=0, **QUICK).fit(toy.X_train, toy.y_train)
    assert st.thresholds_.shape == (8,) and np.isfinite(st.thresholds_).all()
    if tune is True:
        assert 0.0 <= st.threshold_ <= 1.0
    np.testing.assert_array_equal(st.predict(toy.X_test), st.transform(toy.X_test) >= st.thresholds_)
    assert st.score(toy.X_test, toy.y_test) >= fitted.score(toy.X_test, toy.y_test) - 0.02


def test_no_residual_below_residual_min_rows(toy):
    st = Stretcher(random_state=0, **{**QUICK, "residual_min_rows": 3201}).fit(toy.X_train, toy.y_train)
    assert st.stacking_ != "nonlinear" and st.n_steps_ == st.best_step_ == st.n_epochs_ == 0
    assert st.history_ == {"step": [], "train_loss": [], "val_loss": [], "val_fbeta": []}
    last = st.network_.residual[-1]
    assert not last.weight.any() and not last.bias.any()


def test_tune_threshold_rejects_unknown_average(toy):
    with pytest.raises(TypeError, match="tune_threshold: expected True or False or one of"):
        Stretcher(tune_threshold="weighted", **QUICK).fit(toy.X_train, toy.y_train)


def test_progress_bar_shows_metrics(toy, capsys):
    quick = {"hidden": 8, "max_steps": 60, "early_stopping": False, "residual_min_rows": 100}
    Stretcher(random_state=0, progress=True, **quick).fit(toy.X_train[:1000], toy.y_train[:1000])
    err = capsys.readouterr().err
    assert "val_f1=" in err and "train=" in err
    Stretcher(random_state=0, progress=False, **quick).fit(toy.X_train[:1000], toy.y_train[:1000])
    assert capsys.readouterr().err == ""
