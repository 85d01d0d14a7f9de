"""Many labels: the label-grouped passes (histograms and gather read a group of labels down all rows).

When every label's histogram together far exceeds a core's cache, the core reads row-major input
in groups of labels. These shapes take that path; the answers must equal a brute-force oracle on
sampled labels, and the Fortran-ordered copy (read label by label, another path) exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

from _threshold_oracle import best_label, cuts_sorted
from f1tune.thresholds import tune_thresholds


# Grouped when labels x buckets exceed 2^20: 40 rows have 16 buckets a label, 5000 rows 512.
@pytest.mark.parametrize("rows, labels", [(40, 70_000), (5000, 2100)])
def test_label_groups_equal_oracle_and_fortran_order(rows, labels):
    rng = np.random.default_rng(rows)
    y = (rng.random((rows, labels)) < rng.uniform(0.05, 0.5, labels)).astype(np.uint8)
    s = np.clip(y * 0.3 + rng.normal(0.4, 0.25, (rows, labels)), 0, 1).astype(np.float32)
    s[:, ::7] = np.round(s[:, ::7], 2)  # ties in some labels
    yf, sf = np.asfortranarray(y), np.asfortranarray(s)
    for average in ("macro", "micro", "global"):
        res = tune_thresholds(y, s, average=average)
        other = tune_thresholds(yf, sf, average=average)
        assert np.array_equal(res.thresholds.view(np.int64), other.thresholds.view(np.int64)), average
        assert np.array_equal(res.tp, other.tp) and np.array_equal(res.fp, other.fp), average
    res = tune_thresholds(y, s, average=None)
    for j in rng.choice(labels, 12, replace=False):
        f, tp, pp = best_label(y[:, j], s[:, j], 1.0)
        assert (res.tp[j], res.tp[j] + res.fp[j]) == (tp, pp)
        assert res.fbeta[j] == f
        assert np.array_equal((s[:, j] >= res.thresholds[j]).sum(), pp)
    # The shared threshold: the oracle's sorted sweep over all cells pooled, F1 vectorized (same
    # formula and operation order as the oracle's fbeta), ties to the highest cut.
    glob = tune_thresholds(y, s, average="global")
    tp, pp = cuts_sorted(y.ravel(), s.ravel())
    f = 2.0 * tp / (1.0 * int(y.sum()) + pp)
    i = int(np.argmax(f))
    assert (int(glob.tp.sum()), int((glob.tp + glob.fp).sum())) == (tp[i], pp[i])
