"""``f1tune report``: a self-contained HTML page whose table holds the F-beta scikit-learn computes."""

import base64
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.metrics import fbeta_score as sk_fbeta_score  # noqa: E402

from f1tune.cli import main  # noqa: E402
from f1tune.thresholds import tune_thresholds  # noqa: E402


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    y = (rng.random((240, 4)) < [0.05, 0.2, 0.4, 0.6]).astype(np.int8)
    s = np.clip(y * 0.6 + rng.normal(0.2, 0.3, y.shape), 0, 1)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "s.npy", s)
    return tmp_path, y, s


def _table(page, table_id):
    body = re.search(rf'<table id="{table_id}">(.*?)</table>', page, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)[1:]
    return [re.findall(r"<td>(?:<b>)?(.*?)(?:</b>)?</td>", r) for r in rows]


def _images(page):
    uris = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    return [base64.b64decode(u) for u in uris]


def _check_per_label(rows, y_tune, s_tune, y_eval, s_eval, beta, average):
    tuned = tune_thresholds(y_tune, s_tune, average=average, beta=beta).thresholds
    shared = tune_thresholds(y_tune, s_tune, average="global", beta=beta).thresholds
    assert len(rows) == y_eval.shape[1]
    for j, (name, pos, thr, f05, fglob, ftuned) in enumerate(rows):
        assert name == f"label {j}"
        assert int(pos) == int(y_eval[:, j].sum())
        assert float(thr) == pytest.approx(tuned[j], rel=1e-5)
        for text, t in ((f05, 0.5), (fglob, shared[j]), (ftuned, tuned[j])):
            want = sk_fbeta_score(y_eval[:, j], s_eval[:, j] >= t, beta=beta, zero_division=0)
            assert float(text) == pytest.approx(want, abs=5e-5), (j, t)


def test_report_on_the_tuning_data_says_it_is_optimistic(files):
    tmp_path, y, s = files
    out = tmp_path / "r.html"
    assert (
        main(["report", "--y-true", str(tmp_path / "y.npy"), "--y-score", str(tmp_path / "s.npy"), "-o", str(out)]) == 0
    )
    page = out.read_text(encoding="utf-8")
    images = _images(page)
    assert len(images) == 3 and all(img.startswith(b"\x89PNG\r\n\x1a\n") for img in images)
    assert "optimistic" in page and "--holdout" in page
    _check_per_label(_table(page, "per-label"), y, s, y, s, 1.0, "macro")
    summary = _table(page, "summary")
    tuned_micro = float(summary[-1][1])
    t = tune_thresholds(y, s).thresholds
    assert tuned_micro == pytest.approx(sk_fbeta_score(y, s >= t, beta=1, average="micro"), abs=5e-5)


def test_report_with_a_holdout_tunes_on_one_part_and_scores_the_other(files):
    tmp_path, y, s = files
    out = tmp_path / "r.html"
    argv = ["report", "--y-true", str(tmp_path / "y.npy"), "--y-score", str(tmp_path / "s.npy"), "-o", str(out)]
    argv += ["--holdout", "0.25", "--seed", "3", "--average", "micro", "--beta", "2", "--n-bootstrap", "5"]
    assert main(argv) == 0
    page = out.read_text(encoding="utf-8")
    assert len(_images(page)) == 4  # the bootstrap spread too
    assert "held-out rows" in page and "optimistic" not in page
    order = np.random.default_rng(3).permutation(y.shape[0])
    n_eval = round(0.25 * y.shape[0])
    ev, tu = np.sort(order[:n_eval]), np.sort(order[n_eval:])
    rows = _table(page, "per-label")
    res = tune_thresholds(y[tu], s[tu], average="micro", beta=2.0, n_bootstrap=5, random_state=3)
    for j, row in enumerate(rows):
        assert int(row[1]) == int(y[ev, j].sum())
        assert float(row[2]) == pytest.approx(res.thresholds[j], rel=1e-5)
        want = sk_fbeta_score(y[ev, j], s[ev, j] >= res.thresholds[j], beta=2.0, zero_division=0)
        assert float(row[5]) == pytest.approx(want, abs=5e-5)


def test_report_reads_named_csv_columns(files):
    tmp_path, y, s = files
    import pandas as pd

    frame = pd.DataFrame(
        {**{f"y_{c}": y[:, j] for j, c in enumerate("abcd")}, **{c: s[:, j] for j, c in enumerate("abcd")}}
    )
    frame.to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "r.html"
    argv = [
        "report",
        "--y-true",
        str(tmp_path / "d.csv"),
        "--y-true-prefix",
        "y_",
        "--y-score",
        str(tmp_path / "d.csv"),
    ]
    argv += ["--y-score-columns", "a,b,c,d", "--max-plots", "2", "-o", str(out)]
    assert main(argv) == 0
    page = out.read_text(encoding="utf-8")
    assert [r[0] for r in _table(page, "per-label")] == list("abcd")
    assert "first 2 of 4 labels" in page


def test_report_bad_holdout_is_one_line(files, capsys):
    tmp_path, _, _ = files
    argv = ["report", "--y-true", str(tmp_path / "y.npy"), "--y-score", str(tmp_path / "s.npy"), "-o", "x.html"]
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--holdout", "1.5"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.count("\n") == 1 and "--holdout: expected a fraction in (0, 1), got 1.5" in err
    assert main([*argv, "--holdout", "0.001"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "leaves a part empty" in err
