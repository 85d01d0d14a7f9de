"""ThresholdResult files: version 2 round trip, version 1 still read, every field validated."""

from __future__ import annotations

import json

import numpy as np
import pytest

from f1tune._threshold_result import ThresholdResult
from f1tune.thresholds import tune_thresholds


def result(n_bootstrap=0):
    rng = np.random.default_rng(0)
    y = (rng.random((60, 3)) < 0.4).astype(np.uint8)
    s = rng.random((60, 3))
    if n_bootstrap:
        return tune_thresholds(y, s, average="micro", n_bootstrap=n_bootstrap, random_state=0), s
    return tune_thresholds(y, s, average="micro"), s


@pytest.mark.parametrize("n_bootstrap", [0, 5])
def test_version_3_round_trip(tmp_path, n_bootstrap):
    res, s = result(n_bootstrap)
    d = json.loads(res.to_json())
    assert d["version"] == 3 and d["upper_bound"] is None and d["n_bootstrap"] == n_bootstrap
    res.save(tmp_path / "r.json")
    back = ThresholdResult.load(tmp_path / "r.json")
    np.testing.assert_array_equal(back.thresholds, res.thresholds)
    np.testing.assert_array_equal(back.predict(s), res.predict(s))
    assert back.n_bootstrap == n_bootstrap
    if n_bootstrap:
        np.testing.assert_array_equal(back.threshold_std, res.threshold_std)
    else:
        assert back.threshold_std is None


def test_version_1_files_are_still_read():
    res, s = result()
    d = json.loads(res.to_json())
    d["version"] = 1
    del d["n_bootstrap"], d["threshold_std"], d["upper_bound"]
    back = ThresholdResult.from_json(json.dumps(d))
    np.testing.assert_array_equal(back.thresholds, res.thresholds)
    assert back.n_bootstrap == 0 and back.threshold_std is None
    d["n_bootstrap"] = 3  # a v2 field in a v1 file is not the format
    with pytest.raises(ValueError, match="unknown field"):
        ThresholdResult.from_json(json.dumps(d))


def edit(**changes):
    res, _ = result(5)
    d = json.loads(res.to_json())
    for k, v in changes.items():
        if v is KeyError:
            del d[k]
        else:
            d[k] = v
    return json.dumps(d)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"thresholds": ["nan", 0.5, 0.5]}, "thresholds"),
        ({"thresholds": [0.5, 0.5]}, "tp"),  # lengths disagree: the first per-label field after thresholds
        ({"thresholds": []}, "thresholds"),
        ({"thresholds": [[0.5], [0.5], [0.5]]}, "thresholds"),
        ({"thresholds": [0.5, "x", 0.5]}, "thresholds"),
        ({"tp": [[1, 2, 3]]}, "tp"),
        ({"fp": [1.5, 2, 3]}, "fp"),
        ({"fn": [-1, 2, 3]}, "fn"),
        ({"tn": [2**70, 2, 3]}, "tn"),
        ({"tp": [True, 2, 3]}, "tp"),
        ({"tp": [0, 0, 0]}, "tp, fp, fn, tn"),  # rows per label no longer agree
        ({"beta": -3}, "beta"),
        ({"beta": "nan"}, "beta"),
        ({"beta": True}, "beta"),
        ({"average": "samples"}, "average"),
        ({"average": 3}, "average"),
        ({"zero_division": 7}, "zero_division"),
        ({"zero_division": "warn"}, "zero_division"),
        ({"fbeta": [0.5, 2.0, 0.5]}, "fbeta"),
        ({"fbeta": [0.5]}, "fbeta"),
        ({"score": [0.5, 0.5, 0.5]}, "score"),
        ({"score": 1.5}, "score"),
        ({"n_bootstrap": -1}, "n_bootstrap"),
        ({"n_bootstrap": 2.5}, "n_bootstrap"),
        ({"threshold_std": [0.1, -0.1, 0.1]}, "threshold_std"),
        ({"threshold_std": None}, "threshold_std"),
        ({"threshold_std": [0.1]}, "threshold_std"),
    ],
)
def test_every_field_is_validated(changes, field):
    with pytest.raises(ValueError, match=f"field {field!r}" if "," not in field else "tp, fp, fn, tn"):
        ThresholdResult.from_json(edit(**changes))


def test_global_thresholds_must_be_shared():
    res = tune_thresholds(np.eye(3, dtype=np.uint8), np.eye(3), average="global")
    d = json.loads(res.to_json())
    d["thresholds"] = [0.1, 0.2, 0.3]
    with pytest.raises(ValueError, match="field 'thresholds'"):
        ThresholdResult.from_json(json.dumps(d))


@pytest.mark.parametrize("version", [True, 1.0, "2", 4, None])
def test_bad_versions(version):
    with pytest.raises(ValueError, match="version"):
        ThresholdResult.from_json(edit(version=version))


def test_missing_and_unknown_fields():
    with pytest.raises(ValueError, match="missing field.*'tp'"):
        ThresholdResult.from_json(edit(tp=KeyError))
    with pytest.raises(ValueError, match="unknown field.*'extra'"):
        ThresholdResult.from_json(edit(extra=1))


def test_hostile_files(tmp_path):
    p = tmp_path / "bad.json"
    p.write_bytes(b'{"format": "f1tune.ThresholdResult", "average": "\xff\xfe"}')
    with pytest.raises(ValueError, match="not UTF-8"):
        ThresholdResult.load(p)
    with pytest.raises(ValueError, match="nested too deeply"):
        ThresholdResult.from_json("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="JSON"):
        ThresholdResult.from_json('{"a": ' + "1" * 5000 + "}")  # beyond Python's int digit limit
    with pytest.raises(ValueError, match="JSON constant NaN"):
        ThresholdResult.from_json(edit(beta=1.0).replace('"beta": 1.0', '"beta": NaN'))
    with pytest.raises(ValueError, match="format field"):
        ThresholdResult.from_json("[1, 2]")


def test_version_2_files_are_still_read():
    res, s = result()
    d = json.loads(res.to_json())
    d["version"] = 2
    del d["upper_bound"]
    back = ThresholdResult.from_json(json.dumps(d))
    np.testing.assert_array_equal(back.thresholds, res.thresholds)
    assert back.upper_bound is None
    d["upper_bound"] = None
    with pytest.raises(ValueError, match="upper_bound"):
        ThresholdResult.from_json(json.dumps(d))  # a field version 2 does not have


@pytest.mark.parametrize("bad", ["x", [0.5], -0.1, 1.5, 0.0])
def test_upper_bound_is_validated(bad):
    res, _ = result()
    d = json.loads(res.to_json())
    d["upper_bound"] = bad  # 0.0 lies below the score
    with pytest.raises(ValueError, match="upper_bound"):
        ThresholdResult.from_json(json.dumps(d))


def test_upper_bound_round_trip():
    res, _ = result()
    d = json.loads(res.to_json())
    d["upper_bound"] = min(1.0, d["score"] + 0.01)
    assert ThresholdResult.from_json(json.dumps(d)).upper_bound == d["upper_bound"]
