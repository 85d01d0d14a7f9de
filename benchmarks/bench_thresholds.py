"""Exact per-label F1 threshold tuning of 1,000,000 x 100 float32 scores: f1tune vs NumPy, scikit-learn.

Run: python benchmarks/bench_thresholds.py [--rows 1000000 --labels 100] [--ten-million]

Competitors, side by side in one process, each checked against f1tune before its time is printed:
- a vectorized, tie-correct NumPy sweep: argsort per column + cumulative sums (label chunks);
- scikit-learn's precision_recall_curve in a loop over labels (--sklearn-labels times a subset
  and scales it to all labels when the full loop is too slow to wait for);
- the memory floor: one read pass over the inputs (S.sum() + Y.sum()).
Also: micro/macro and global/macro time ratios, and the growth from 1M to 10M rows
(--ten-million: a 4 GB float32 input plus 1 GB of labels).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import f1tune
from _timing import best_time, machine, row


def make_data(rows: int, labels: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Multi-label data like a classifier's: prevalences 1-30%, sigmoid scores, float32; in chunks."""
    rng = np.random.default_rng(seed)
    prevalence = rng.uniform(0.01, 0.3, labels)
    separation = rng.uniform(0.5, 3.0, labels)
    S = np.empty((rows, labels), dtype=np.float32)
    Y = np.empty((rows, labels), dtype=np.bool_)
    step = 250_000
    for a in range(0, rows, step):
        b = min(rows, a + step)
        y = rng.random((b - a, labels), dtype=np.float32) < prevalence
        logit = rng.standard_normal((b - a, labels), dtype=np.float32) + np.where(y, separation, 0).astype(np.float32)
        S[a:b] = 1 / (1 + np.exp(-logit + 2))
        Y[a:b] = y
    return S, Y


def numpy_sweep(S: np.ndarray, Y: np.ndarray, beta: float = 1.0, chunk: int = 10) -> tuple[np.ndarray, ...]:
    """Exact best F-beta cut per label, vectorized NumPy: (thresholds, tp, pp).

    Sort each column descending, cumulative sums of the labels give TP at every position; only the
    last position of a run of equal scores is a cut (ties are one step); "predict none" is a cut.
    """
    n, L = S.shape
    b2 = beta * beta
    thr = np.empty(L)
    tp_out = np.empty(L, dtype=np.int64)
    pp_out = np.empty(L, dtype=np.int64)
    for a in range(0, L, chunk):
        cols = slice(a, min(L, a + chunk))
        order = np.argsort(-S[:, cols], axis=0, kind="stable")
        s = np.take_along_axis(S[:, cols], order, axis=0)
        y = np.take_along_axis(Y[:, cols], order, axis=0)
        tp = np.cumsum(y, axis=0, dtype=np.int64)
        P = tp[-1]
        pp = np.arange(1, n + 1)[:, None]
        is_cut = np.ones_like(s, dtype=bool)
        is_cut[:-1] = s[:-1] != s[1:]
        f = np.where(is_cut, (1 + b2) * tp / (b2 * P + pp), -1.0)
        f_none = np.where(P > 0, 0.0, 0.0)  # predict none scores 0 (zero_division=0)
        i = np.argmax(f, axis=0)
        best = f[i, np.arange(f.shape[1])]
        none = f_none >= best  # ties go to the higher cut: "predict none" is the highest
        c = np.arange(f.shape[1])
        lowest = s[i, c].astype(np.float64)
        below = np.where(i + 1 < n, s[np.minimum(i + 1, n - 1), c], -np.inf).astype(np.float64)
        t = (lowest + below) / 2
        # float32 scores: a midpoint that rounds down to `below` in float32 moves up one float64 ulp
        t = np.where(t.astype(np.float32) <= below, np.nextafter(t, np.inf), t)
        t = np.where(np.isfinite(below), t, np.nextafter(s[i, c], np.float32(-np.inf)).astype(np.float64))
        thr[cols] = np.where(none, np.nextafter(s[0, c], np.float32(np.inf)).astype(np.float64), t)
        tp_out[cols] = np.where(none, 0, tp[i, c])
        pp_out[cols] = np.where(none, 0, i + 1)
    return thr, tp_out, pp_out


def sklearn_loop(S: np.ndarray, Y: np.ndarray, labels: range) -> tuple[np.ndarray, np.ndarray]:
    """Best F1 and its threshold per label from scikit-learn's precision_recall_curve."""
    from sklearn.metrics import precision_recall_curve

    best_f = np.empty(len(labels))
    best_t = np.empty(len(labels))
    for k, j in enumerate(labels):
        p, r, t = precision_recall_curve(Y[:, j], S[:, j])
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
        i = int(np.argmax(f[:-1]))
        best_f[k], best_t[k] = f[i], t[i]
    return best_f, best_t


def time_fortran(S: np.ndarray, Y: np.ndarray, repeat: int) -> tuple[float, f1tune.ThresholdResult]:
    """Macro tuning of Fortran-order copies (made here, freed on return)."""
    SF, YF = np.asfortranarray(S), np.asfortranarray(Y)
    return best_time(lambda: f1tune.tune_thresholds(YF, SF), repeat=repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--labels", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--sklearn-labels", type=int, default=None, help="labels timed in the sklearn loop (default all)"
    )
    parser.add_argument("--numpy-labels", type=int, default=None, help="labels timed in the NumPy sweep (default all)")
    parser.add_argument("--ten-million", action="store_true", help="also time 10,000,000 rows (needs ~6 GB)")
    args = parser.parse_args()

    S, Y = make_data(args.rows, args.labels)
    L = args.labels
    print(f"f1tune {f1tune.__version__}: {args.rows:,} x {L} float32 scores, bool labels; {machine()}")
    print(f"{'':52s} {'time':>13s} {'f1tune faster by':>10s}")

    floor, _ = best_time(lambda: (S.sum(), Y.sum()), repeat=args.repeat)
    macro, res = best_time(lambda: f1tune.tune_thresholds(Y, S), repeat=args.repeat)
    macro1, _ = best_time(lambda: f1tune.tune_thresholds(Y, S, n_threads=1), repeat=args.repeat)
    micro, res_micro = best_time(lambda: f1tune.tune_thresholds(Y, S, average="micro"), repeat=args.repeat)
    glob, res_glob = best_time(lambda: f1tune.tune_thresholds(Y, S, average="global"), repeat=args.repeat)
    macroF, resF = time_fortran(S, Y, args.repeat)
    assert np.array_equal(resF.thresholds, res.thresholds)

    # NumPy sweep (all labels unless told otherwise), checked label by label.
    nl = min(L, args.numpy_labels or L)
    np_time, (thr_np, tp_np, pp_np) = best_time(lambda: numpy_sweep(S[:, :nl], Y[:, :nl]), repeat=1, warmup=0)
    np.testing.assert_array_equal(tp_np, res.tp[:nl])
    np.testing.assert_array_equal(pp_np, (res.tp + res.fp)[:nl])
    np.testing.assert_array_equal(thr_np, res.thresholds[:nl])
    np_time *= L / nl

    sl = min(L, args.sklearn_labels or L)
    sk_time, (f_sk, t_sk) = best_time(lambda: sklearn_loop(S, Y, range(sl)), repeat=1, warmup=0)
    np.testing.assert_allclose(
        f_sk, res.fbeta[:sl], rtol=1e-9
    )  # same optimum (sklearn's threshold is the score itself)
    sk_time *= L / sl

    print(row("f1tune.tune_thresholds macro (all cores)", macro))
    print(row("f1tune.tune_thresholds macro (1 thread)", macro1))
    print(row("f1tune.tune_thresholds macro, Fortran order", macroF))
    print(row("f1tune.tune_thresholds micro (exact, Dinkelbach)", micro))
    print(row("f1tune.tune_thresholds global (one threshold)", glob))
    print(row(f"NumPy argsort+cumsum sweep{'' if nl == L else f' ({nl} labels, scaled)'}", np_time))
    print(row(f"sklearn precision_recall_curve loop{'' if sl == L else f' ({sl} labels, scaled)'}", sk_time))
    print(row("memory floor: S.sum() + Y.sum()", floor))
    print()
    print(f"macro vs NumPy sweep:        {np_time / macro:7.1f}x faster  (target >= 10x)")
    print(f"macro vs sklearn loop:       {sk_time / macro:7.1f}x faster  (target >= 50x)")
    print(f"macro vs memory floor:       {macro / floor:7.2f}x the floor (goal <= 5x)")
    print(f"micro / macro time:          {micro / macro:7.2f}   (target <= 1.5)")
    print(f"global / macro time:         {glob / macro:7.2f}   (target <= 3)")
    print(
        f"scores: macro F1 {res.score:.6f}, micro F1 {res_micro.score:.6f}, global-threshold micro F1 {res_glob.score:.6f}"
    )

    if args.ten_million:
        rows10 = 10 * args.rows
        del S, Y
        t0 = time.perf_counter()
        S, Y = make_data(rows10, L, seed=1)
        print(
            f"\n{rows10:,} x {L} float32 ({S.nbytes / 1e9:.1f} GB) generated in {time.perf_counter() - t0:.0f} s; {machine()}"
        )
        floor10, _ = best_time(lambda: (S.sum(), Y.sum()), repeat=1)
        macro10, r10 = best_time(lambda: f1tune.tune_thresholds(Y, S), repeat=1)
        macro10_1, _ = best_time(lambda: f1tune.tune_thresholds(Y, S, n_threads=1), repeat=1, warmup=0)
        micro10, _ = best_time(lambda: f1tune.tune_thresholds(Y, S, average="micro"), repeat=1, warmup=0)
        glob10, _ = best_time(lambda: f1tune.tune_thresholds(Y, S, average="global"), repeat=1, warmup=0)
        print(row("f1tune.tune_thresholds macro, 10x rows", macro10))
        print(row("f1tune.tune_thresholds macro, 10x rows (1 thread)", macro10_1))
        print(row("f1tune.tune_thresholds micro, 10x rows", micro10))
        print(row("f1tune.tune_thresholds global, 10x rows", glob10))
        print(row("memory floor, 10x rows", floor10))
        print(
            f"10x rows: macro time x{macro10 / macro:.1f} (1 thread x{macro10_1 / macro1:.1f}), micro x{micro10 / micro:.1f},"
            f" global x{glob10 / glob:.1f} (linear = x10); memory floor x{floor10 / floor:.1f};"
            f" macro vs floor {macro10 / floor10:.2f}x"
        )


if __name__ == "__main__":
    main()
