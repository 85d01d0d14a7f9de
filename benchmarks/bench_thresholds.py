"""Exact per-label F1 threshold tuning of 1,000,000 x 100 float32 scores: f1tune vs NumPy, scikit-learn, torchmetrics.

Run: python benchmarks/bench_thresholds.py [--rows 1000000 --labels 100] [--ten-million]

Competitors, side by side in one process and round-robin with f1tune and the floor, each checked
against f1tune's answer:
- a vectorized, tie-correct NumPy sweep: argsort per column + cumulative sums (label chunks);
- scikit-learn's precision_recall_curve in a loop over labels;
- torchmetrics' multilabel_precision_recall_curve, exact (thresholds=None) and binned
  (--tm-bins evenly spaced thresholds: approximate, its best F1 is at most the exact one);
- the honest floor (benchmarks/_floor.py): a multi-threaded read pass over the scores and labels.
The slow competitors run on the first --numpy-labels / --sklearn-labels / --tm-labels labels
each round and are scaled to all labels (their cost is per label). Every figure is a ratio to the
floor. Also:
micro/macro and global/macro time ratios, other shapes (--shapes: many labels x few rows, few
labels x many rows, at the same total size) and the growth from 1M to 10M rows (--ten-million:
a 4 GB float32 input plus 1 GB of labels).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import f1tune
from _floor import check_floor, read_pass
from _timing import interleaved, machine, row


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


def torchmetrics_entries(
    S: np.ndarray, Y: np.ndarray, labels: int, bins: int, binned_rows: int
) -> dict[str, Callable[[], Any]]:
    """torchmetrics' multilabel PR curve, best F1 per label: exact on the first ``labels`` labels,
    binned on the first 2 labels' first ``binned_rows`` rows (it needs 2 labels at least).

    The binned variant materializes a (rows, labels, bins) tensor (about 10 GB at 1M rows, 2
    labels and 100 bins here, and 30 s a label), so it is timed on a subset and scaled by rows and
    labels. Empty when torchmetrics is not installed. Tensors are made once (not timed); the
    default argument validation stays on, as a user would call it.
    """
    try:
        import torch
        from torchmetrics.functional.classification import multilabel_precision_recall_curve
    except ImportError:
        return {}

    def best_f1(k: int, rows: int, thresholds: int | None) -> Callable[[], np.ndarray]:
        preds = torch.from_numpy(np.ascontiguousarray(S[:rows, :k]))
        target = torch.from_numpy(np.ascontiguousarray(Y[:rows, :k]).astype(np.int64))

        def run() -> np.ndarray:
            p, r, _ = multilabel_precision_recall_curve(preds, target, num_labels=k, thresholds=thresholds)
            out = np.empty(k)
            for j in range(k):
                pj, rj = np.asarray(p[j], dtype=np.float64), np.asarray(r[j], dtype=np.float64)
                with np.errstate(invalid="ignore", divide="ignore"):
                    f = np.where(pj + rj > 0, 2 * pj * rj / (pj + rj), 0.0)
                out[j] = f.max()
            return out

        return run

    return {"tm_exact": best_f1(labels, S.shape[0], None), "tm_binned": best_f1(2, binned_rows, bins)}


def tuning_entries(S: np.ndarray, Y: np.ndarray) -> dict[str, Callable[[], Any]]:
    """The floor and f1tune's tuning modes on (S, Y), for one round-robin."""
    return {
        "floor": lambda: read_pass(S, Y),
        "macro": lambda: f1tune.tune_thresholds(Y, S),
        "micro": lambda: f1tune.tune_thresholds(Y, S, average="micro"),
        "global": lambda: f1tune.tune_thresholds(Y, S, average="global"),
    }


def shape_line(rows: int, labels: int, rounds: int) -> str:
    """Macro/micro/global tuning of one shape, as ratios to its own floor."""
    S, Y = make_data(rows, labels, seed=2)
    t = {k: v[0] for k, v in interleaved(tuning_entries(S, Y), rounds=rounds).items()}
    f = t["floor"]
    return (
        f"{labels:>7,} labels x {rows:>9,} rows: floor {f * 1e3:7.2f} ms; macro {t['macro'] / f:6.2f}x,"
        f" micro {t['micro'] / f:6.2f}x, global {t['global'] / f:6.2f}x the floor"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--labels", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5, help="round-robin rounds (best of)")
    parser.add_argument("--sklearn-labels", type=int, default=10, help="labels timed in the sklearn loop (scaled)")
    parser.add_argument("--numpy-labels", type=int, default=10, help="labels timed in the NumPy sweep (scaled)")
    parser.add_argument("--tm-labels", type=int, default=5, help="labels timed in torchmetrics (scaled)")
    parser.add_argument("--tm-bins", type=int, default=100, help="thresholds of torchmetrics' binned variant")
    parser.add_argument(
        "--tm-binned-rows", type=int, default=100_000, help="rows (of 2 labels) timed in the binned variant (scaled)"
    )
    parser.add_argument(
        "--shapes", action="store_true", help="also 100,000 x 100 labels and 100 x 100,000 rows... (same size)"
    )
    parser.add_argument("--ten-million", action="store_true", help="also time 10,000,000 rows (needs ~6 GB)")
    args = parser.parse_args()

    S, Y = make_data(args.rows, args.labels)
    L = args.labels
    print(f"f1tune {f1tune.__version__}: {args.rows:,} x {L} float32 scores, bool labels; {machine()}")
    fl = check_floor(S, Y, rounds=args.rounds)
    print("ratios are time / floor (multi-threaded read pass over S and Y)")
    print(f"{'':56s} {'time':>13s} {'/ floor':>9s}")

    SF, YF = np.asfortranarray(S), np.asfortranarray(Y)
    nl, sl, tl = (min(L, k) for k in (args.numpy_labels, args.sklearn_labels, args.tm_labels))
    fns = tuning_entries(S, Y)
    fns["macro1"] = lambda: f1tune.tune_thresholds(Y, S, n_threads=1)
    fns["macroF"] = lambda: f1tune.tune_thresholds(YF, SF)
    fns["floorF"] = lambda: read_pass(SF, YF)
    fns["numpy_sums"] = lambda: (S.sum(), Y.sum())
    fns["numpy"] = lambda: numpy_sweep(S[:, :nl], Y[:, :nl])
    fns["sklearn"] = lambda: sklearn_loop(S, Y, range(sl))
    bl = min(args.rows, args.tm_binned_rows)
    tm = torchmetrics_entries(S, Y, tl, args.tm_bins, bl)
    fns.update(tm)
    r = interleaved(fns, rounds=args.rounds)
    SF = YF = np.empty((0, 0))  # the Fortran copies are not needed any more
    t = {k: v[0] for k, v in r.items()}
    res, res_micro, res_glob = r["macro"][1], r["micro"][1], r["global"][1]
    assert np.array_equal(r["macroF"][1].thresholds, res.thresholds)
    assert np.array_equal(r["macro1"][1].thresholds, res.thresholds)

    # Every competitor's answer checked against f1tune's, label by label.
    thr_np, tp_np, pp_np = r["numpy"][1]
    np.testing.assert_array_equal(tp_np, res.tp[:nl])
    np.testing.assert_array_equal(pp_np, (res.tp + res.fp)[:nl])
    np.testing.assert_array_equal(thr_np, res.thresholds[:nl])
    np_time = t["numpy"] * L / nl
    f_sk, _ = r["sklearn"][1]
    np.testing.assert_allclose(f_sk, res.fbeta[:sl], rtol=1e-9)  # same optimum (sklearn's threshold is the score)
    sk_time = t["sklearn"] * L / sl
    gap = None
    if tm:
        np.testing.assert_allclose(r["tm_exact"][1], res.fbeta[:tl], rtol=1e-5)  # torchmetrics: float32 P and R
        exact_sub = f1tune.tune_thresholds(Y[:bl, :2], S[:bl, :2]).fbeta  # the binned variant's own data
        f_binned = r["tm_binned"][1]
        assert (f_binned <= exact_sub + 1e-6).all()  # a grid never beats the exact optimum
        gap = float(np.max(exact_sub - f_binned))

    floor = t["floor"]
    print(row("floor: multi-threaded read pass (numba, all cores)", floor, floor))
    print(row("NumPy S.sum() + Y.sum() (single-threaded, not a floor)", t["numpy_sums"], floor))
    print(row("f1tune.tune_thresholds macro (all cores)", t["macro"], floor, "target <= 4x"))
    print(row("f1tune.tune_thresholds macro (1 thread)", t["macro1"], floor))
    print(row("f1tune.tune_thresholds macro, Fortran order", t["macroF"], t["floorF"], "ratio to its own floor"))
    print(row("f1tune.tune_thresholds micro (exact, Dinkelbach)", t["micro"], floor))
    print(row("f1tune.tune_thresholds global (one threshold)", t["global"], floor))
    print(row(f"NumPy argsort+cumsum sweep{'' if nl == L else f' ({nl} labels, scaled)'}", np_time, floor))
    print(row(f"sklearn precision_recall_curve loop{'' if sl == L else f' ({sl} labels, scaled)'}", sk_time, floor))
    if tm:
        scaled = "" if tl == L else f", {tl} labels, scaled"
        print(row(f"torchmetrics PR curve, exact (thresholds=None{scaled})", t["tm_exact"] * L / tl, floor))
        print(
            row(
                f"torchmetrics PR curve, {args.tm_bins} bins ({bl:,} rows x 2 labels, scaled)",
                t["tm_binned"] * L / 2 * args.rows / bl,
                floor,
                f"approximate: best F1 up to {gap:.2g} below the exact",
            )
        )
    else:
        print("torchmetrics: not installed (pip install torchmetrics), not timed")
    print()
    print(f"micro / macro time:          {t['micro'] / t['macro']:7.2f}   (target <= 1.2)")
    print(f"global / macro time:         {t['global'] / t['macro']:7.2f}   (target <= 1.3)")
    print(f"NumPy sums / floor (check):  {fl['numpy_sums'] / fl['floor']:7.2f}")
    print(
        f"scores: macro F1 {res.score:.6f}, micro F1 {res_micro.score:.6f}, global-threshold micro F1 {res_glob.score:.6f}"
    )

    if args.shapes:
        n = args.rows * L
        print("\nOther shapes of the same size (each against its own floor):")
        for rows, labels in ((args.rows, L), (max(1, n // 100_000), 100_000), (max(1, n // 1_000), 1_000)):
            print(shape_line(rows, labels, max(1, args.rounds // 2)))

    if args.ten_million:
        rows10 = 10 * args.rows
        del S, Y
        t0 = time.perf_counter()
        S, Y = make_data(rows10, L, seed=1)
        print(
            f"\n{rows10:,} x {L} float32 ({S.nbytes / 1e9:.1f} GB) generated in {time.perf_counter() - t0:.0f} s; {machine()}"
        )
        t10 = {k: v[0] for k, v in interleaved(tuning_entries(S, Y), rounds=1).items()}
        f10 = t10["floor"]
        for k in ("macro", "micro", "global"):
            print(row(f"f1tune.tune_thresholds {k}, 10x rows", t10[k], f10))
        print(row("floor, 10x rows", f10, f10))
        print(
            f"10x rows: macro x{t10['macro'] / t['macro']:.1f}, micro x{t10['micro'] / t['micro']:.1f},"
            f" global x{t10['global'] / t['global']:.1f}, floor x{f10 / floor:.1f} (linear = x10)"
        )


if __name__ == "__main__":
    main()
