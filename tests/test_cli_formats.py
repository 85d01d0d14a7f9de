"""The command line on .npz/.csv/.parquet inputs and ``apply``: right answers, one-line errors, exit 2."""

import json
import sys

import numpy as np
import pandas as pd
import pytest

from f1tune._threshold_result import ThresholdResult
from f1tune.cli import main
from f1tune.thresholds import tune_thresholds


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(0)
    y = (rng.random((80, 3)) < 0.4).astype(np.int8)
    s = rng.random((80, 3))
    np.savez(tmp_path / "d.npz", y=y, s=s)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "s.npy", s)
    frame = pd.DataFrame({"id": np.arange(80), **{f"y_{c}": y[:, j] for j, c in enumerate("abc")}})
    for j, c in enumerate("abc"):
        frame[f"s_{c}"] = s[:, j]
    frame.to_csv(tmp_path / "d.csv", index=False)
    frame.to_parquet(tmp_path / "d.parquet", row_group_size=25)
    return tmp_path, y, s


def _tune(argv, capsys):
    assert main(["tune", *argv, "--average", "micro"]) == 0, capsys.readouterr().err
    return ThresholdResult.from_json(capsys.readouterr().out).thresholds


def test_every_format_tunes_the_same_thresholds(data, capsys):
    p, y, s = data
    want = tune_thresholds(y, s, average="micro").thresholds
    runs = {
        "npz members": ["--y-true", f"{p}/d.npz:y", "--y-score", f"{p}/d.npz:s"],
        "npz keys": ["--y-true", f"{p}/d.npz", "--y-true-key", "y", "--y-score", f"{p}/d.npz", "--y-score-key", "s"],
        "csv prefixes": ["--y-true", f"{p}/d.csv", "--y-true-prefix", "y_", "--y-score", f"{p}/d.csv", "--y-score-prefix", "s_"],
        "parquet columns": [
            "--y-true", f"{p}/d.parquet", "--y-true-columns", "y_a,y_b,y_c",
            "--y-score", f"{p}/d.parquet", "--y-score-columns", "s_a,s_b,s_c",
        ],
    }  # fmt: skip
    for what, argv in runs.items():
        np.testing.assert_array_equal(_tune(argv, capsys), want, err_msg=what)
    reordered = _tune(
        [
            "--y-true",
            f"{p}/d.csv",
            "--y-true-columns",
            "y_c,y_a",
            "--y-score",
            f"{p}/d.csv",
            "--y-score-columns",
            "s_c,s_a",
        ],
        capsys,
    )
    np.testing.assert_array_equal(reordered, tune_thresholds(y[:, [2, 0]], s[:, [2, 0]], average="micro").thresholds)


def test_apply_writes_scores_at_or_above_the_thresholds(data, capsys):
    p, y, s = data
    res = tune_thresholds(y, s)
    res.save(p / "t.json")
    s_new = np.concatenate([s[:10], res.thresholds[None], np.nextafter(res.thresholds, -np.inf)[None]])
    np.save(p / "new.npy", s_new)
    assert (
        main(["apply", "--thresholds", str(p / "t.json"), "--y-score", str(p / "new.npy"), "-o", str(p / "o.npy")]) == 0
    )
    out = np.load(p / "o.npy")
    assert out.dtype == np.bool_
    np.testing.assert_array_equal(out, s_new >= res.thresholds)
    assert out[10].all() and not out[11].any()  # a score equal to its threshold is positive
    argv = ["apply", "--thresholds", str(p / "t.json"), "--y-score", f"{p}/d.csv", "--y-score-prefix", "s_"]
    assert main([*argv, "-o", str(p / "o.csv")]) == 0
    lines = (p / "o.csv").read_text().splitlines()
    assert lines[0] == "s_a,s_b,s_c"
    np.testing.assert_array_equal(np.loadtxt(p / "o.csv", delimiter=",", skiprows=1, dtype=int), (s >= res.thresholds))
    assert capsys.readouterr().err == ""  # no progress bar in captured output unless asked


def test_progress_bar_only_when_asked(data, capsys, monkeypatch):
    import f1tune._cli_progress as cli_progress

    p, _, _ = data
    argv = ["tune", "--y-true", f"{p}/d.csv", "--y-true-prefix", "y_", "--y-score", f"{p}/d.parquet"]
    argv += ["--y-score-prefix", "s_", "--progress"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "--y-true: " in err and "--y-score: " in err and "rows/s" in err
    argv.remove("--progress")
    monkeypatch.setattr(cli_progress, "AUTO_MIN_BYTES", 0)  # every file counts as large: only the terminal decides
    assert main(argv) == 0
    assert capsys.readouterr().err == ""  # stderr captured, not a terminal: no bar
    monkeypatch.setattr(cli_progress, "_stderr_is_tty", lambda: True)
    assert main(argv) == 0
    assert "rows/s" in capsys.readouterr().err  # a terminal and a large file: the bar shows unasked


def _bad(p):
    np.save(p / "s2.npy", np.zeros((80, 2)))
    np.save(p / "s3.npy", np.zeros((60, 3)))  # fewer rows: a holdout split must not index past them
    (p / "junk.parquet").write_bytes(b"PAR1 not really")
    (p / "junk.npz").write_bytes(b"PK not a zip")
    (p / "text.csv").write_text("a,b\nx,1\ny,2\n")
    (p / "gaps.csv").write_text("a,b\n1,0.5\n,0.2\n")
    (p / "t.json").write_text(tune_thresholds(np.zeros((4, 3), np.int8), np.zeros((4, 3))).to_json())
    (p / "bad.json").write_text(json.dumps({"format": "something else"}))
    y, s = ["--y-true", f"{p}/y.npy"], ["--y-score", f"{p}/s.npy"]
    apply = ["apply", "--thresholds", f"{p}/t.json"]
    return {
        "npz without name": (["tune", "--y-true", f"{p}/d.npz", *s], "tune", "holds 2 arrays (y, s); name one"),
        "npz wrong name": (["tune", "--y-true", f"{p}/d.npz:q", *s], "tune", "expected an array named 'q'"),
        "npz junk": (["tune", "--y-true", f"{p}/junk.npz", *s], "tune", "expected a .npz file written by numpy.savez"),
        "csv column": (
            ["tune", *y, "--y-score", f"{p}/d.csv", "--y-score-columns", "s_a,zz"],
            "tune",
            "no column 'zz'",
        ),
        "csv prefix": (
            ["tune", *y, "--y-score", f"{p}/d.csv", "--y-score-prefix", "q"],
            "tune",
            "no column starts with 'q'",
        ),
        "csv text": (["tune", *y, "--y-score", f"{p}/text.csv"], "tune", "column 'a': expected numbers"),
        "csv gaps": (["tune", *y, "--y-score", f"{p}/gaps.csv"], "tune", "column 'a': 1 missing values"),
        "parquet junk": (["tune", *y, "--y-score", f"{p}/junk.parquet"], "tune", "expected a Parquet file"),
        "columns on npy": (["tune", *y, *s, "--y-score-prefix", "s_"], "tune", "column selection applies to .csv"),
        "unknown ext": (["tune", *y, "--y-score", f"{p}/t.json"], "tune", "expected a .npy, .npz, .csv or .parquet"),
        "missing csv": (["tune", *y, "--y-score", f"{p}/none.csv"], "tune", "none.csv: no such file"),
        "apply ext": ([*apply, *s, "-o", f"{p}/o.txt"], "apply", "--output: expected a .npy or .csv file name"),
        "apply labels": (
            [*apply, "--y-score", f"{p}/s2.npy", "-o", f"{p}/o.npy"],
            "apply",
            "expected shape (n_samples, 3)",
        ),
        "apply json": (["apply", "--thresholds", f"{p}/bad.json", *s, "-o", f"{p}/o.npy"], "apply", "--thresholds: "),
        "apply no json": (["apply", "--thresholds", f"{p}/no.json", *s, "-o", f"{p}/o.npy"], "apply", "No such file"),
        "report shapes": (
            ["report", *y, "--y-score", f"{p}/s3.npy", "--holdout", "0.5", "-o", f"{p}/r.html"],
            "report",
            "y_true and y_score: expected the same shape, got (80, 3) and (60, 3)",
        ),
        "report csv": (["report", *y, "--y-score", f"{p}/text.csv", "-o", f"{p}/r.html"], "report", "expected numbers"),
    }


def test_bad_inputs_give_one_line_and_exit_2(data, capsys):
    p, _, _ = data
    for what, (argv, command, message) in _bad(p).items():
        code = main(argv)
        err = capsys.readouterr().err
        assert code == 2, (what, err)
        assert err.count("\n") == 1 and err.startswith(f"f1tune {command}: error: "), (what, err)
        assert message in err, (what, err)


def test_missing_pandas_or_pyarrow_is_one_line(data, capsys, monkeypatch):
    p, _, _ = data
    monkeypatch.setitem(sys.modules, "pandas", None)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    for ext, needs in ((".csv", "needs pandas"), (".parquet", "needs pyarrow")):
        assert main(["tune", "--y-true", f"{p}/y.npy", "--y-score", f"{p}/d{ext}"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and needs in err and "pip install 'f1tune[cli]'" in err, err


def test_npz_with_a_pickled_member_is_refused(tmp_path, capsys):
    np.savez(tmp_path / "o.npz", s=np.array([{"a": 1}], dtype=object), y=np.ones(3))
    assert main(["tune", "--y-true", f"{tmp_path}/o.npz:y", "--y-score", f"{tmp_path}/o.npz:s"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "o.npz: unreadable member 's'" in err and "pickled objects are never loaded" in err
