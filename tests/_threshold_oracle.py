"""Brute-force NumPy oracles for the threshold tests: every distinct cut, evaluated directly."""

from __future__ import annotations

import itertools

import numpy as np


def fbeta(tp, pp, P, b2, zd=0.0):
    """(1+b²)tp / (b²P + pp), zd where 0/0 (same formula and operation order as the core)."""
    d = b2 * P + pp
    return (1.0 + b2) * tp / d if d > 0 else zd


def cuts(y, s):
    """(tp, pp) of "predict none" then of `s >= u` for every distinct score u, highest first."""
    u = np.unique(s)[::-1]
    pred = s[None, :] >= u[:, None]
    tp = np.concatenate([[0], (pred & (y[None, :] == 1)).sum(1)])
    pp = np.concatenate([[0], pred.sum(1)])
    return tp, pp


def cuts_sorted(y, s):
    """Same as :func:`cuts` by the standard sorted sweep (for inputs too large for brute force)."""
    order = np.argsort(-s, kind="stable")
    ss, yy = s[order], (y[order] == 1)
    last = np.r_[ss[1:] != ss[:-1], True]  # last position of each run of equal scores
    return np.r_[0, np.cumsum(yy)[last]], np.r_[0, np.flatnonzero(last) + 1]


def best_label(y, s, b2, zd=0.0):
    """Best F-beta cut of one label; ties go to the higher cut. Returns (f, tp, pp)."""
    P = int((y == 1).sum())
    tp, pp = cuts(y, s) if len(s) <= 2000 else cuts_sorted(y, s)
    zd_opt = 1.0 if np.isnan(zd) else zd
    f = np.array([fbeta(a, b, P, b2, zd_opt) for a, b in zip(tp, pp)])
    i = int(np.argmax(f))  # first maximum = highest cut
    return f[i], int(tp[i]), int(pp[i])


def best_global(y, s, b2, zd=0.0):
    """Best shared cut, pooled over all labels: (f, tp, pp) totals."""
    return best_label(y.ravel(), s.ravel(), b2, zd)


def best_micro_bruteforce(y, s, b2):
    """Max micro F-beta over every combination of per-label cuts, and the fewest total
    predicted positives among the combinations reaching it (tiny inputs only)."""
    P = int((y == 1).sum())
    per = [list(zip(*cuts(y[:, j], s[:, j]))) for j in range(s.shape[1])]
    best, best_pp = -1.0, None
    for combo in itertools.product(*per):
        tp = sum(c[0] for c in combo)
        pp = sum(c[1] for c in combo)
        f = fbeta(tp, pp, P, b2)
        if f > best + 1e-12 or (abs(f - best) <= 1e-12 and pp < best_pp):
            best, best_pp = max(f, best), pp
    return best, best_pp


def micro_dinkelbach(y, s, b2):
    """Micro F-beta optimum by Dinkelbach over full per-label cut lists (mid-size inputs)."""
    P = int((y == 1).sum())
    per = [cuts_sorted(y[:, j], s[:, j]) for j in range(s.shape[1])]
    lam = 0.0
    for _ in range(100):
        TP = PP = 0
        for tp, pp in per:
            v = (1 + b2 - lam) * tp - lam * (pp - tp)
            i = int(np.argmax(v))
            TP += tp[i]
            PP += pp[i]
        f = fbeta(TP, PP, P, b2)
        if f <= lam:
            break
        lam = f
    return lam
