"""Hostile and out-of-range input to the Stretcher: files, extreme scores, non-bool flags."""

import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from f1tune.datasets import make_seed_toy
from f1tune.stretcher import Stretcher

QUICK = {"hidden": 16, "max_steps": 20, "batch_size": 256, "progress": False}


@pytest.fixture(scope="module")
def toy():
    return make_seed_toy(n_train=2000, n_test=200, n_labels=5, random_state=3)


@pytest.fixture(scope="module")
def fitted(toy):
    return Stretcher(random_state=0, **QUICK).fit(toy.X_train, toy.y_train)


def _entries(path):
    with np.load(path) as npz:
        return dict(npz)


def _rewrite(path, out, **changes):
    arrays = _entries(path)
    arrays.update(changes)
    np.savez(out, **arrays)
    return out


def test_declared_input_width_is_checked_before_anything_is_built(tmp_path, fitted):
    good = tmp_path / "good.npz"
    fitted.save(good)
    state = json.loads(str(_entries(good)["state"]))
    state["n_features_"] = 10**9  # a (labels x 10**9) skip layer, if it were built
    bad = _rewrite(good, tmp_path / "bad.npz", state=np.array(json.dumps(state)))
    # In a subprocess, so that peak memory is this load's alone; before the check it allocated 8-19 GB.
    code = (
        "import resource, sys\nfrom f1tune.stretcher import Stretcher\n"
        f"try:\n    Stretcher.load({str(bad)!r})\nexcept ValueError as e:\n    print('ERR', e)\n"
        "print('RSS_MB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "ERR" in out and "weights do not match" in out
    assert int(out.split("RSS_MB")[1]) < 1500


def test_entry_header_declaring_more_than_it_holds_is_rejected(tmp_path, fitted):
    good = tmp_path / "good.npz"
    fitted.save(good)
    bad = tmp_path / "huge.npz"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("w/") and b"'shape': (" in data[:200]:
                head, rest = data.split(b"'shape': (", 1)
                dims, tail = rest.split(b")", 1)
                data = head + b"'shape': (" + b"1000000000000, " + dims.split(b",")[-1].strip() + b")" + tail
            dst.writestr(info, data)
    with pytest.raises(ValueError, match="declares .* bytes of data but holds"):
        Stretcher.load(bad)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("thresholds_", [float("nan")] * 5),
        ("thresholds_", [0.5] * 4),
        ("thresholds_", "x"),
        ("n_labels_", 2.5),
        ("n_labels_", True),
        ("n_features_", -1),
        ("stacking_", "deep"),
        ("n_steps_", 1.5),
        ("best_step_", 10**6),
        ("best_epoch_", 99),
        ("fit_time_", -1),
        ("history_", {"train_loss": ["a"]}),
    ],
)
def test_each_state_field_is_validated(tmp_path, fitted, field, value):
    good = tmp_path / "good.npz"
    fitted.save(good)
    state = json.loads(str(_entries(good)["state"]))
    state[field] = value
    bad = _rewrite(good, tmp_path / "bad.npz", state=np.array(json.dumps(state)))
    with pytest.raises(ValueError, match=f"state field {field}: expected"):
        Stretcher.load(bad)


@pytest.mark.parametrize("version", [np.array(True), np.array(1.5), np.array("2"), np.array(3), np.array(0)])
def test_format_version_must_be_a_readable_integer(tmp_path, fitted, version):
    good = tmp_path / "good.npz"
    fitted.save(good)
    bad = _rewrite(good, tmp_path / "bad.npz", format_version=version)
    with pytest.raises(ValueError, match="format version"):
        Stretcher.load(bad)


def test_a_directory_is_not_a_stretcher_file(tmp_path):
    with pytest.raises(ValueError, match="not an f1tune Stretcher file .*directory"):
        Stretcher.load(tmp_path)


def test_far_out_of_range_scores_saturate_instead_of_nan(toy, fitted):
    x32 = toy.X_test.copy()
    x32[0, 0], x32[1, 1] = np.finfo(np.float32).max, -np.finfo(np.float32).max
    x64 = toy.X_test.astype(np.float64)
    x64[2, 2], x64[3, 3] = 1e300, -1e300
    for x in (x32, x64):
        p = fitted.transform(x)
        assert np.isfinite(p).all() and ((p >= 0) & (p <= 1)).all()
        # Untouched rows are exactly as before: only the extreme rows saturate.
        np.testing.assert_array_equal(p[4:], fitted.transform(toy.X_test)[4:])
    # The extreme score pushes its own label to the saturated side, as a huge score should.
    assert fitted.transform(x32)[0, 0] in (0.0, 1.0) and fitted.transform(x64)[2, 2] in (0.0, 1.0)


def test_training_on_extreme_finite_scores_stays_finite(toy):
    x = toy.X_train.astype(np.float64)
    x[0, 0] = 1e300
    st = Stretcher(random_state=0, **QUICK).fit(x, toy.y_train)
    assert np.isfinite(st.transform(toy.X_test)).all()


@pytest.mark.parametrize("name", ["early_stopping", "tune_threshold", "progress"])
@pytest.mark.parametrize("value", ["no", "yes", 1, None])
def test_flags_must_be_bools(toy, name, value):
    with pytest.raises(TypeError, match=f"{name}: expected True or False"):
        Stretcher(**{**QUICK, name: value}).fit(toy.X_train, toy.y_train)
