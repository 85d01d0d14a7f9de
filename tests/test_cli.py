"""The command line on bad input: one line on stderr, exit code 2, never a traceback."""

import subprocess
import sys

import numpy as np
import pytest

from f1tune.cli import main
from f1tune.thresholds import tune_thresholds


@pytest.fixture
def arrays(tmp_path):
    rng = np.random.default_rng(0)
    y = (rng.random((50, 3)) < 0.4).astype(np.int8)
    s = rng.random((50, 3)).astype(np.float32)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "s.npy", s)
    return tmp_path, y, s


def _bad_files(tmp_path):
    good = (tmp_path / "s.npy").read_bytes()
    np.save(tmp_path / "empty.npy", np.zeros((0, 3), np.float32))
    (tmp_path / "random.npy").write_bytes(np.random.default_rng(1).bytes(400))
    with open(tmp_path / "huge.npy", "wb") as f:  # a header declaring 7 TiB over 600 bytes of data
        np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False, "shape": (2**40, 7)})
        f.write(good[-600:])
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return {
        "empty": (tmp_path / "empty.npy", "non-empty"),
        "random bytes": (tmp_path / "random.npy", "expected a .npy file"),
        "7 TiB header": (tmp_path / "huge.npy", "header declares"),
        "directory": (tmp_path, "directory"),
        "missing": (tmp_path / "missing.npy", "no such file"),
        "pickled objects": (tmp_path / "objects.npy", "pickled objects are never loaded"),
    }


def test_tune_writes_what_tune_thresholds_finds(arrays, capsys):
    tmp_path, y, s = arrays
    assert (
        main(["tune", "--y-true", str(tmp_path / "y.npy"), "--y-score", str(tmp_path / "s.npy"), "--average", "micro"])
        == 0
    )
    out = capsys.readouterr().out
    from f1tune._threshold_result import ThresholdResult

    np.testing.assert_array_equal(
        ThresholdResult.from_json(out).thresholds, tune_thresholds(y, s, average="micro").thresholds
    )


def test_tune_average_none_tunes_per_label(arrays, capsys):
    tmp_path, y, s = arrays
    argv = ["tune", "--y-true", str(tmp_path / "y.npy"), "--y-score", str(tmp_path / "s.npy"), "--average", "none"]
    assert main(argv) == 0
    from f1tune._threshold_result import ThresholdResult

    back = ThresholdResult.from_json(capsys.readouterr().out)
    assert back.average is None
    np.testing.assert_array_equal(back.thresholds, tune_thresholds(y, s, average=None).thresholds)


def test_bad_files_give_one_line_and_exit_2(arrays, capsys):
    tmp_path, _, _ = arrays
    for what, (path, message) in _bad_files(tmp_path).items():
        code = main(["tune", "--y-true", str(tmp_path / "y.npy"), "--y-score", str(path)])
        err = capsys.readouterr().err
        assert code == 2, what
        assert err.count("\n") == 1 and err.startswith("f1tune tune: error: --y-score: "), (what, err)
        assert message in err, (what, err)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["demo", "--seed", "-1"], "argument --seed: expected an integer >= 0, got -1"),
        (["demo", "--rows", "x"], "argument --rows: expected an integer >= 1, got 'x'"),
        (["tune", "--y-true", "a.npy"], "required: --y-score"),
        (["bogus"], "invalid choice: 'bogus'"),
    ],
)
def test_usage_errors_are_one_line_naming_the_argument(argv, message):
    run = subprocess.run([sys.executable, "-m", "f1tune", *argv], capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and message in run.stderr and "Traceback" not in run.stderr, run.stderr


def test_shape_mismatch_is_one_line(arrays, tmp_path):
    np.save(tmp_path / "s2.npy", np.zeros((49, 3), np.float32))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "f1tune",
            "tune",
            "--y-true",
            str(tmp_path / "y.npy"),
            "--y-score",
            str(tmp_path / "s2.npy"),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "y_true and y_score" in run.stderr
