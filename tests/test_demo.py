import json
import subprocess
import sys

import numpy as np
import pytest

import f1tune
from f1tune.cli import main

TINY = ["--rows", "3000", "--test-rows", "500", "--labels", "6", "--epochs", "3", "--seed", "1"]


@pytest.fixture(scope="module")
def demo_result():
    from f1tune.demo import run_demo

    return run_demo(n_train=3000, n_test=500, n_labels=6, random_state=1, epochs=3)


@pytest.mark.requires("torch")  # the demo fits a Stretcher
def test_run_demo_rows(demo_result):
    rows = demo_result.rows
    assert [r.method.split(",")[0].split(" (")[0] for r in rows] == [
        "Global threshold",
        "Best global threshold",
        "Per-label thresholds",
        "Per-label thresholds",
        "Stretcher",
        "Stretcher",
        "Stretcher",
        "Stretcher",
    ]
    for r in rows:
        assert 0.0 <= r.micro_f1 <= 1.0 and 0.0 <= r.macro_f1 <= 1.0 and r.fit_time >= 0.0
    grid, exact_global, macro, micro, bce, bce_tuned, soft, soft_tuned = rows
    assert grid.seed_reported == 0.7935 and bce.seed_reported == 0.99
    assert macro.micro_f1 > exact_global.micro_f1 + 0.1  # labels are a per-label threshold of the scores
    assert micro.micro_f1 > exact_global.micro_f1 + 0.1
    assert bce.micro_f1 > exact_global.micro_f1
    assert bce.threshold == soft.threshold == "0.5"
    assert bce_tuned.fit_time == bce.fit_time and "tuned" in soft_tuned.method
    assert 0.0 <= float(soft_tuned.threshold) <= 1.0


@pytest.mark.requires("torch")  # the demo fits a Stretcher
def test_format_table(demo_result):
    from f1tune.demo import format_table

    text = format_table(demo_result)
    lines = text.splitlines()
    assert "3,000 training rows" in lines[0]
    assert lines[2].split()[:3] == ["method", "threshold", "micro-F1"]
    assert "0.7935" in text and "0.9900" in text
    assert len([ln for ln in lines if ln.startswith(("Global", "Best", "Per-label", "Stretcher"))]) == 8
    assert lines[-1].startswith("Highest test micro-F1:")


@pytest.mark.requires("torch")  # the demo fits a Stretcher
def test_cli_demo_prints_table(capsys):
    assert main(["demo", *TINY]) == 0
    out = capsys.readouterr().out
    assert "Stretcher, BCE" in out and "micro-F1" in out and "total" in out


@pytest.mark.parametrize("average", ["macro", "global"])
def test_cli_tune_writes_json(tmp_path, average):
    from f1tune.datasets import make_seed_toy

    data = make_seed_toy(n_train=500, n_test=1, n_labels=4, random_state=2)
    np.save(tmp_path / "y.npy", data.y_train)
    np.save(tmp_path / "s.npy", data.X_train)
    out = tmp_path / "t.json"
    args = ["tune", "--y-true", str(tmp_path / "y.npy"), "--y-score", str(tmp_path / "s.npy"), "--average", average]
    assert main([*args, "-o", str(out)]) == 0
    loaded = f1tune.ThresholdResult.load(out)
    expected = f1tune.tune_thresholds(data.y_train, data.X_train, average=average)
    np.testing.assert_array_equal(loaded.thresholds, expected.thresholds)
    assert loaded.average == average and loaded.score == expected.score


def test_cli_tune_stdout(tmp_path, capsys):
    np.save(tmp_path / "y.npy", np.array([[1, 0], [0, 1], [1, 1]], dtype=np.int8))
    np.save(tmp_path / "s.npy", np.array([[0.9, 0.2], [0.6, 0.4], [0.3, 0.8]]))
    args = ["tune", "--y-true", str(tmp_path / "y.npy"), "--y-score", str(tmp_path / "s.npy"), "--average", "none"]
    assert main(args) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["average"] is None and len(payload["thresholds"]) == 2


def test_cli_errors(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["nope"])
    with pytest.raises(SystemExit):
        main(["demo", "--rows", "0"])
    missing = str(tmp_path / "missing.npy")
    assert main(["tune", "--y-true", missing, "--y-score", missing]) == 2
    assert "f1tune tune: error:" in capsys.readouterr().err


def test_module_entry_point_help_without_torch():
    code = "import sys, runpy; sys.argv = ['f1tune', '--help']\ntry:\n    runpy.run_module('f1tune', run_name='__main__')\nexcept SystemExit:\n    pass\nassert 'torch' not in sys.modules"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "demo" in res.stdout and "tune" in res.stdout
