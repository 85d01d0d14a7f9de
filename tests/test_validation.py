"""Bad input gets a clear error naming the argument; inputs are never modified."""

from __future__ import annotations

import numpy as np
import pytest

import f1tune

Y = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.int8)
S = np.array([[0.9, 0.2], [0.6, 0.4], [0.3, 0.8]], dtype=np.float32)


def nan_scores():
    s = S.copy()
    s[1, 1] = np.nan
    return s


def inf_scores():
    s = S.copy()
    s[0, 0] = np.inf
    return s


BAD = [
    # (kwargs overriding the good call, exception, message fragments)
    (dict(y_score=S[:2]), ValueError, ["y_true and y_score", "same shape", "(3, 2)", "(2, 2)"]),
    (dict(y_true=Y[:, :, None], y_score=S[:, :, None]), ValueError, ["y_true", "3-D"]),
    (dict(y_true=Y[:0], y_score=S[:0]), ValueError, ["y_true", "non-empty"]),
    (dict(y_score=nan_scores()), ValueError, ["y_score", "NaN or inf"]),
    (dict(y_score=inf_scores()), ValueError, ["y_score", "NaN or inf"]),
    (dict(y_true=Y * 2), ValueError, ["y_true", "{0, 1}"]),
    (dict(y_true=-Y), ValueError, ["y_true", "{0, 1}"]),
    # float targets are accepted when they hold only 0.0 and 1.0 (as scikit-learn): issue 10, item 15
    (dict(y_true=Y.astype(np.float64) * 0.5), ValueError, ["y_true", "{0, 1}"]),
    (dict(y_true=Y.astype(np.uint16)), TypeError, ["y_true", "uint16", "astype"]),
    (dict(y_true=Y.astype(object)), TypeError, ["y_true", "object"]),
    (dict(y_score=S.astype(str)), TypeError, ["y_score", "<U"]),
    (dict(y_score=S.astype(np.float16)), TypeError, ["y_score", "float16"]),
    (dict(y_score=S.astype(object)), TypeError, ["y_score", "object"]),
    (dict(y_score="abc"), TypeError, ["y_score", "str"]),
    (dict(thresholds=np.nan), ValueError, ["thresholds", "NaN"]),
    (dict(thresholds=[0.5, np.nan]), ValueError, ["thresholds", "NaN"]),
    (dict(thresholds=[0.1, 0.2, 0.3]), ValueError, ["thresholds", "(2,)", "(3,)", "thresholds[:, None]"]),
    (dict(thresholds=np.zeros((4, 3))), ValueError, ["thresholds", "(4, 3)"]),
    (dict(thresholds=np.zeros((2, 2, 2))), ValueError, ["thresholds", "(2, 2, 2)"]),
    (dict(thresholds=np.zeros((0, 2))), ValueError, ["thresholds", "at least one"]),
    (dict(thresholds="high"), TypeError, ["thresholds"]),
    (dict(average="binary"), ValueError, ["average", "'binary'", "'micro'"]),
    (dict(beta=0.0), ValueError, ["beta", "> 0", "0.0"]),
    (dict(beta=-1), ValueError, ["beta", "-1"]),
    (dict(beta=np.inf), ValueError, ["beta", "finite"]),
    (dict(beta="1"), TypeError, ["beta", "str"]),
    (dict(zero_division=0.5), ValueError, ["zero_division", "0.5"]),
    (dict(zero_division="nan"), ValueError, ["zero_division", "'nan'"]),
    (dict(n_threads=0), ValueError, ["n_threads", "0"]),
    (dict(n_threads=1.5), ValueError, ["n_threads"]),
]


@pytest.mark.parametrize("override, exc, fragments", BAD)
def test_fbeta_score_bad_input(override, exc, fragments):
    kwargs = dict(y_true=Y, y_score=S, beta=1.0, thresholds=0.5, average="macro", zero_division=0.0)
    kwargs.update(override)
    with pytest.raises(exc) as info:
        f1tune.fbeta_score(**kwargs)
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))


@pytest.mark.parametrize(
    "override, exc, fragments", [b for b in BAD if set(b[0]) <= {"y_true", "y_score", "thresholds", "n_threads"}]
)
def test_confusion_bad_input(override, exc, fragments):
    kwargs = dict(y_true=Y, y_score=S, thresholds=0.5)
    kwargs.update(override)
    with pytest.raises(exc) as info:
        f1tune.confusion(**kwargs)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_bad_values_found_in_batch_and_samples_kernels():
    with pytest.raises(ValueError, match="y_score: expected finite"):
        f1tune.f1_score(Y, nan_scores(), thresholds=[[0.2], [0.4]])
    with pytest.raises(ValueError, match="y_true: expected values in"):
        f1tune.f1_score(Y * 3, S, average="samples")


def test_lists_are_accepted_and_ragged_lists_rejected():
    assert f1tune.f1_score([[1, 0], [0, 1]], [[0.9, 0.1], [0.2, 0.7]]) == 1.0
    with pytest.raises(ValueError, match="y_score"):
        f1tune.f1_score([[1, 0], [0, 1]], [[0.9, 0.1], [0.2]])


def test_failed_calls_leave_inputs_untouched():
    s = nan_scores()
    before = s.copy()
    with pytest.raises(ValueError):
        f1tune.confusion(Y, s)
    np.testing.assert_array_equal(s, before)
