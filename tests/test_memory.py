"""Memory stays O(input) at every shape: many labels x few rows tune and count without per-label
work sized for a million rows. Peak RSS is read in a fresh subprocess (``resource.getrusage``);
the results are checked against brute force in this process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from f1tune.metrics import confusion

ROWS, LABELS = 10, 100_000
MB = 1 << 20

# Data made the same way in the subprocess and here: few distinct scores, so ties are common.
_DATA = """
import numpy as np
rng = np.random.default_rng(12)
S = (rng.integers(0, 40, ({rows}, {labels})) / 40).astype(np.float32)
Y = rng.random(({rows}, {labels})) < 0.3
"""


def _data(rows: int, labels: int) -> tuple[np.ndarray, np.ndarray]:
    ns: dict = {}
    exec(_DATA.format(rows=rows, labels=labels), ns)
    return ns["S"], ns["Y"]


def _peak_run(call: str, out: Path, rows: int, labels: int) -> int:
    """Run ``call`` (an expression on S, Y) in a subprocess; save its result; return the peak RSS
    growth in bytes over the RSS reached before the call (imports and input included there)."""
    script = textwrap.dedent(
        _DATA.format(rows=rows, labels=labels)
        + f"""
import json, pickle, resource
from f1tune.metrics import confusion
from f1tune.thresholds import tune_thresholds
confusion(Y[:, :2], S[:, :2], 0.5)  # first-call costs out of the measurement
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
r = {call}
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
pickle.dump(r, open({str(out)!r}, "wb"))
print(json.dumps({{"growth_kb": after - before}}))
"""
    )
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])["growth_kb"] * 1024


def _all_cuts(S: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """tp and pp, shape (L, n + 1), of every cut `s >= s[i]` of each label and of "predict none"."""
    pred = S.T[:, None, :] >= S.T[:, :, None]  # (L, cut i, row j)
    tp = (pred & Y.T[:, None, :]).sum(2)
    pp = pred.sum(2)
    z = np.zeros((S.shape[1], 1), dtype=tp.dtype)
    return np.concatenate([z, tp], 1), np.concatenate([z, pp], 1)


def _load(path: Path):
    import pickle

    with open(path, "rb") as f:
        return pickle.load(f)


@pytest.mark.parametrize("average", ["macro", "micro", "global"])
def test_tune_many_labels_few_rows_memory_and_result(tmp_path: Path, average: str) -> None:
    growth = _peak_run(f"tune_thresholds(Y, S, average={average!r})", tmp_path / "r.pkl", ROWS, LABELS)
    assert growth < 300 * MB, f"{average}: peak RSS grew by {growth / MB:.0f} MB for a 5 MB input"
    r = _load(tmp_path / "r.pkl")
    S, Y = _data(ROWS, LABELS)
    tp, pp = _all_cuts(S, Y)
    P = Y.sum(0)
    # The reported counts are those of the reported thresholds (a separate counting path).
    c = confusion(Y, S, r.thresholds)
    np.testing.assert_array_equal(r.tp, c.tp)
    np.testing.assert_array_equal(r.fp, c.fp)
    if average == "macro":
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.where(P[:, None] + pp > 0, 2.0 * tp / (P[:, None] + pp), 0.0)
        np.testing.assert_array_equal(r.fbeta, f.max(1))  # each label's brute-force optimum
    elif average == "micro":
        lam = 0.0  # Dinkelbach over every label's full cut list, vectorized over labels
        for _ in range(100):
            v = (2.0 - lam) * tp - lam * (pp - tp)
            i = v.argmax(1)
            TP, PP = tp[np.arange(LABELS), i].sum(), pp[np.arange(LABELS), i].sum()
            nxt = 2.0 * TP / (P.sum() + PP)
            if not nxt > lam:
                break
            lam = nxt
        assert r.score == pytest.approx(lam, abs=1e-12)
    else:
        assert np.unique(r.thresholds).size == 1
        u = np.unique(S)  # every shared cut, brute force on the pooled scores
        best = max(2.0 * (Y & (S >= t)).sum() / (P.sum() + (S >= t).sum()) for t in u)
        assert r.score == pytest.approx(max(best, 0.0), abs=1e-12)


def test_confusion_shared_batch_many_labels_memory_and_result(tmp_path: Path) -> None:
    rows, labels, T = 10, 10_000, 1000
    grid = "np.linspace(0.0, 1.0, 1000)[:, None]"
    growth = _peak_run(f"confusion(Y, S, {grid})", tmp_path / "c.pkl", rows, labels)
    c = _load(tmp_path / "c.pkl")
    # The result (4 int64 arrays of (T, L)), the broadcast thresholds and the core's tp/pp are
    # unavoidable; the work on top of them must stay small.
    unavoidable = (4 + 1 + 2) * T * labels * 8
    assert growth < unavoidable + 300 * MB, (
        f"peak RSS grew by {growth / MB:.0f} MB (unavoidable {unavoidable / MB:.0f} MB)"
    )
    S, Y = _data(rows, labels)
    thr = np.linspace(0.0, 1.0, T)
    for k in (0, 1, 333, 500, 999):  # brute force at a few settings
        pred = S >= thr[k]
        np.testing.assert_array_equal(c.tp[k], (pred & Y).sum(0))
        np.testing.assert_array_equal(c.fp[k], (pred & ~Y).sum(0))
        np.testing.assert_array_equal(c.fn[k], (~pred & Y).sum(0))
        np.testing.assert_array_equal(c.tn[k], (~pred & ~Y).sum(0))


@pytest.mark.parametrize("order", ["C", "F"])
def test_batch_across_label_blocks_equals_brute_force(order: str) -> None:
    # 1000 per-label settings make the core count labels in several blocks; every count is checked.
    rng = np.random.default_rng(5)
    S = np.asarray((rng.integers(0, 30, (40, 1500)) / 30).astype(np.float32), order=order)
    Y = np.asarray(rng.random((40, 1500)) < 0.4, order=order)
    thr = rng.integers(0, 31, (1000, 1500)) / 30
    c = confusion(Y, S, thr)
    pred = S[None] >= thr[:, None, :]
    np.testing.assert_array_equal(c.tp, (pred & Y[None]).sum(1))
    np.testing.assert_array_equal(c.fp, (pred & ~Y[None]).sum(1))
    np.testing.assert_array_equal(c.fn, (~pred & Y[None]).sum(1))
