"""Confusion counts and F1 of 1,000,000 x 100 float32 scores: f1tune vs NumPy, scikit-learn, memory floor.

Run: python benchmarks/bench_confusion.py [--rows 1000000 --labels 100 --settings 100]
Every competitor's answer is checked against f1tune's before its time is printed.
"""

from __future__ import annotations

import argparse

import numpy as np

import f1tune
from _timing import best_time, machine, row


def numpy_confusion(S: np.ndarray, Y: np.ndarray, t: float) -> tuple[np.ndarray, ...]:
    """The NumPy one-liner and its fp/fn/tn siblings."""
    tp = ((S >= t) & Y).sum(0)
    fp = ((S >= t) & ~Y).sum(0)
    fn = ((S < t) & Y).sum(0)
    tn = ((S < t) & ~Y).sum(0)
    return tp, fp, fn, tn


def numpy_batch(S: np.ndarray, Y: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The cheapest NumPy loop over settings that yields full confusions: tp and predicted positives."""
    out = np.empty((len(grid), 2, S.shape[1]), dtype=np.int64)
    for i, t in enumerate(grid):
        P = S >= t
        out[i, 0] = (P & Y).sum(0)
        out[i, 1] = P.sum(0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--labels", type=int, default=100)
    parser.add_argument("--settings", type=int, default=100, help="threshold settings in the batch")
    parser.add_argument("--sklearn", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    S = rng.random((args.rows, args.labels), dtype=np.float32)
    Y = rng.random((args.rows, args.labels)) < 0.3
    t = 0.5
    print(f"f1tune {f1tune.__version__}: {args.rows:,} x {args.labels} float32 scores, bool labels; {machine()}")
    print(f"{'':52s} {'time':>13s} {'f1tune faster by':>10s}")

    floor, _ = best_time(lambda: (S.sum(), Y.sum()))
    ours, c = best_time(lambda: f1tune.confusion(Y, S, t))
    ours1, _ = best_time(lambda: f1tune.confusion(Y, S, t, n_threads=1))
    np_time, ref = best_time(lambda: numpy_confusion(S, Y, t), repeat=2)
    for a, b in zip(c, ref):
        np.testing.assert_array_equal(a, b)
    print(row("f1tune.confusion (all cores)", ours))
    print(row("f1tune.confusion (1 thread)", ours1))
    print(row("NumPy one-liners tp/fp/fn/tn", np_time))
    print(row("  -> f1tune vs NumPy", ours, np_time))
    print(row("memory floor: S.sum() + Y.sum()", floor))
    print(row("  -> f1tune time / floor (target <= 2)", ours, note=f"{ours / floor:.2f}x the floor"))

    if args.sklearn:
        from sklearn.metrics import f1_score, multilabel_confusion_matrix

        sk_time, mcm = best_time(lambda: multilabel_confusion_matrix(Y, S >= t), repeat=1, warmup=0)
        np.testing.assert_array_equal(mcm[:, 1, 1], c.tp)
        print(row("scikit-learn multilabel_confusion_matrix", sk_time))
        print(row("  -> f1tune vs scikit-learn", ours, sk_time))
        ours_f1, f = best_time(lambda: f1tune.f1_score(Y, S, thresholds=t))
        sk_f1_time, f_ref = best_time(lambda: f1_score(Y, S >= t, average="micro"), repeat=1, warmup=0)
        assert abs(f - f_ref) < 1e-12
        print(row("f1tune.f1_score micro", ours_f1))
        print(row("scikit-learn f1_score micro (on S >= t)", sk_f1_time))
        print(row("  -> f1tune vs scikit-learn f1_score", ours_f1, sk_f1_time))

    grid = np.linspace(0.005, 0.995, args.settings)
    ours_batch, cb = best_time(lambda: f1tune.confusion(Y, S, grid[:, None]), repeat=2)
    np_batch_time, ref_batch = best_time(lambda: numpy_batch(S, Y, grid), repeat=1, warmup=0)
    np.testing.assert_array_equal(cb.tp, ref_batch[:, 0])
    np.testing.assert_array_equal(cb.tp + cb.fp, ref_batch[:, 1])
    per_label = rng.random((args.settings, args.labels))
    ours_batch_pl, _ = best_time(lambda: f1tune.confusion(Y, S, per_label), repeat=2)
    print(row(f"f1tune.confusion, batch of {args.settings} shared thresholds", ours_batch))
    print(row(f"f1tune.confusion, batch of {args.settings} per-label settings", ours_batch_pl))
    print(row(f"NumPy loop over {args.settings} settings (tp, predicted pos)", np_batch_time))
    print(row("  -> f1tune batch vs NumPy loop (target >= 20)", ours_batch, np_batch_time))
    print(row(f"  -> f1tune batch vs {args.settings} single f1tune calls", ours_batch, ours * args.settings))


if __name__ == "__main__":
    main()
