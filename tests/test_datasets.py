import numpy as np
import pytest

from f1tune.datasets import make_seed_toy


def test_shapes_dtypes_and_rule():
    d = make_seed_toy(n_train=300, n_test=50, n_labels=7, random_state=3)
    assert d.X_train.shape == d.y_train.shape == (300, 7) and d.X_test.shape == d.y_test.shape == (50, 7)
    assert d.X_train.dtype == d.X_test.dtype == np.float32 and d.y_train.dtype == np.uint8
    assert d.thresholds.shape == (7,) and d.thresholds.dtype == np.float64
    np.testing.assert_array_equal(d.y_train, d.X_train > d.thresholds)
    np.testing.assert_array_equal(d.y_test, d.X_test > d.thresholds)
    assert 0.0 <= d.X_train.min() and d.X_train.max() < 1.0


def test_seeded():
    a, b, c = (make_seed_toy(100, 10, 3, random_state=s) for s in (0, 0, 1))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a.X_train, c.X_train)


@pytest.mark.parametrize("kwargs", [{"n_train": 0}, {"n_labels": -1}, {"n_test": 1.5}])
def test_bad_sizes(kwargs):
    with pytest.raises(ValueError, match="expected an integer >= 1"):
        make_seed_toy(**kwargs)
