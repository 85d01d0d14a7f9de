"""Exactness of the tuned thresholds, judged in exact rational arithmetic (``fractions.Fraction``).

"Exact" means no tolerance may swallow a strictly better cut: the tuned thresholds reach the
maximum F-beta over every cut, computed with beta² = Fraction(beta)² (no rounding anywhere), and
among equal maxima they keep the highest cut. The crafted cases put the better cut within one
part in 1e14 of the worse (micro F-beta within 1e-7 of 1 over millions of cells; a beta so small
that recall moves F-beta below double resolution), where the earlier tolerances chose wrongly.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

from f1tune.thresholds import tune_thresholds

BETAS = [1.0, 2.0, 0.5, 0.3, 3.7, 1e-9]  # dyadic beta² (exact int128 path), then the others


def f_exact(tp: int, pp: int, pos: int, beta: float, zero_division: float = 0.0) -> Fraction:
    """F-beta of counts in exact arithmetic: (1+b²)tp / (b²·pos + pp), zero_division at 0/0."""
    b2 = Fraction(beta) ** 2
    d = b2 * pos + pp
    return (1 + b2) * tp / d if d != 0 else Fraction(zero_division)


def label_cuts(y: np.ndarray, s: np.ndarray) -> list[tuple[int, int]]:
    """(tp, pp) of "predict none", then of ``s >= u`` for every distinct score u, highest first."""
    u, inv = np.unique(s, return_inverse=True)
    tot = np.bincount(inv.ravel(), minlength=len(u))[::-1]
    pos = np.bincount(inv.ravel(), weights=(y.ravel() == 1), minlength=len(u))[::-1].astype(np.int64)
    return [(0, 0)] + list(zip(np.cumsum(pos).tolist(), np.cumsum(tot).tolist()))


def counts_at(y: np.ndarray, s: np.ndarray, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-label (tp, pp) of the predictions ``s >= thresholds``, counted directly."""
    pred = s >= thresholds[None, :]
    return (pred & (y == 1)).sum(0), pred.sum(0)


def best_cut(cuts: list[tuple[int, int]], pos: int, beta: float, zd: float = 0.0) -> tuple[Fraction, int]:
    """Exact best F-beta over ``cuts`` and the pp of the highest (fewest pp) cut reaching it."""
    values = [(f_exact(tp, pp, pos, beta, zd), -pp) for tp, pp in cuts]
    f, neg_pp = max(values)
    return f, -neg_pp


def best_micro(y: np.ndarray, s: np.ndarray, beta: float) -> tuple[Fraction, int]:
    """Exact micro optimum over every combination of per-label cuts, and its fewest total pp."""
    P = int((y == 1).sum())
    per = [label_cuts(y[:, j], s[:, j]) for j in range(s.shape[1])]
    values = []
    for combo in itertools.product(*per):
        tp, pp = sum(c[0] for c in combo), sum(c[1] for c in combo)
        values.append((f_exact(tp, pp, P, beta), -pp))
    f, neg_pp = max(values)
    return f, -neg_pp


def best_micro_dinkelbach(y: np.ndarray, s: np.ndarray, beta: float) -> Fraction:
    """Exact micro optimum by Dinkelbach's iteration in Fractions (inputs with few distinct scores)."""
    b2 = Fraction(beta) ** 2
    P = int((y == 1).sum())
    per = [label_cuts(y[:, j], s[:, j]) for j in range(s.shape[1])]
    lam = Fraction(0)
    while True:
        picks = [max(cuts, key=lambda c: (1 + b2 - lam) * c[0] - lam * (c[1] - c[0])) for cuts in per]
        f = f_exact(sum(c[0] for c in picks), sum(c[1] for c in picks), P, beta)
        if f <= lam:
            return lam
        lam = f


def assert_per_label_exact(y, s, beta, zd=0.0):
    res = tune_thresholds(y, s, average=None, beta=beta, zero_division=zd)
    tp, pp = counts_at(y, s, res.thresholds)
    for j in range(s.shape[1]):
        pos = int((y[:, j] == 1).sum())
        f, fewest_pp = best_cut(label_cuts(y[:, j], s[:, j]), pos, beta, zd)
        assert f_exact(int(tp[j]), int(pp[j]), pos, beta, zd) == f, (j, beta)
        assert pp[j] == fewest_pp, (j, beta)  # ties keep the higher cut


def assert_global_exact(y, s, beta):
    res = tune_thresholds(y, s, average="global", beta=beta)
    assert np.all(res.thresholds == res.thresholds[0])
    tp, pp = counts_at(y, s, res.thresholds)
    P = int((y == 1).sum())
    f, fewest_pp = best_cut(label_cuts(y.ravel(), s.ravel()), P, beta)
    assert f_exact(int(tp.sum()), int(pp.sum()), P, beta) == f, beta
    assert pp.sum() == fewest_pp, beta


def assert_micro_exact(y, s, beta):
    res = tune_thresholds(y, s, average="micro", beta=beta)
    tp, pp = counts_at(y, s, res.thresholds)
    P = int((y == 1).sum())
    f, fewest_pp = best_micro(y, s, beta)
    assert f_exact(int(tp.sum()), int(pp.sum()), P, beta) == f, beta
    assert pp.sum() == fewest_pp, beta


@pytest.mark.parametrize("beta", BETAS)
def test_random_small_cases_match_exact_brute_force(beta):
    rng = np.random.default_rng(7)
    for case in range(40):
        n, L = int(rng.integers(1, 9)), int(rng.integers(1, 4))
        y = (rng.random((n, L)) < rng.random()).astype(np.int8)
        s = rng.integers(0, 4 if case % 2 else 50, (n, L)).astype(np.float32) / 4  # ties half the time
        assert_per_label_exact(y, s, beta, zd=float(case % 2))
        assert_global_exact(y, s, beta)
        if n * L <= 12:
            assert_micro_exact(y, s, beta)


def near_tie_case(n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """One label, 90% positives at 0.75, negatives at 0.25, one positive and one negative at 0.5.

    Taking the pair at 0.5 raises F1 from 2(P-1)/(2P-1) to 2P/(2P+1): better by about 1/(2P²),
    ~4e-14 at 4M rows (micro F1 within 1e-7 of 1), less than the old Dinkelbach tie tolerance.
    """
    y = np.zeros((n_rows, 1), np.int8)
    y[: n_rows * 9 // 10] = 1
    s = np.where(y == 1, np.float32(0.75), np.float32(0.25))
    s[0, 0] = s[-1, 0] = 0.5
    return y, s


def test_micro_takes_a_better_cut_within_1e_14_of_the_best():
    y, s = near_tie_case(4_000_000)
    P = int(y.sum())
    res = tune_thresholds(y, s, average="micro")
    tp, pp = counts_at(y, s, res.thresholds)
    assert (int(tp.sum()), int(pp.sum())) == (P, P + 1)
    assert f_exact(P, P + 1, P, 1.0) == best_micro_dinkelbach(y, s, 1.0)
    assert f_exact(P, P + 1, P, 1.0) - f_exact(P - 1, P - 1, P, 1.0) < Fraction(1, 10**13)


def tiny_beta_case() -> tuple[np.ndarray, np.ndarray]:
    """Cuts of equal precision (1/1 and 2/2) whose recall terms differ by ~1e-18 relative: with
    beta = 1e-9 their F-beta values round to the same double, yet the lower cut is strictly better."""
    y = np.array([[1, 1], [1, 1], [1, 0], [0, 0]], np.int8)
    s = np.array([[0.9, 0.9], [0.8, 0.8], [0.1, 0.1], [0.1, 0.1]], np.float32)
    return y, s


@pytest.mark.parametrize("beta", [1e-9, 2.0**-30])  # non-dyadic, and dyadic but not short
def test_beta_below_double_resolution_is_still_exact(beta):
    y, s = tiny_beta_case()
    assert_per_label_exact(y, s, beta)
    assert_global_exact(y, s, beta)
    assert_micro_exact(y, s, beta)
    res = tune_thresholds(y, s, average=None, beta=beta)
    assert np.all((res.thresholds > 0.1) & (res.thresholds <= 0.8))  # both 0.9 and 0.8 predicted


@pytest.mark.parametrize("beta", [1.0, 0.5, 0.3])
def test_exact_ties_keep_the_higher_cut(beta):
    # Label 0: at beta = 1 the cuts (tp, pp) = (1, 1) and (2, 4) both score 2/3, the maximum;
    # label 1 has no positives (every cut but "predict none" scores 0, that one zero_division).
    y = np.array([[1, 0], [0, 0], [0, 0], [1, 0]], np.int8)
    s = np.array([[0.9, 0.9], [0.8, 0.8], [0.7, 0.7], [0.6, 0.6]], np.float32)
    assert_per_label_exact(y, s, beta)
    assert_per_label_exact(y, s, beta, zd=1.0)
    assert_global_exact(y, s, beta)
    assert_micro_exact(y, s, beta)
