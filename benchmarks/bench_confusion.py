"""Confusion counts of 1,000,000 x 100 float32 scores: f1tune vs NumPy, scikit-learn and a fused numba kernel.

Run: python benchmarks/bench_confusion.py [--rows 1000000 --labels 100 --settings 100] [--rounds 5]

Every figure is a ratio to the honest floor (benchmarks/_floor.py): a multi-threaded read pass
over exactly the bytes the operation reads (scores + labels). Entries are timed round-robin in
one process; every competitor's answer is checked against f1tune's before its time is printed.
"""

from __future__ import annotations

import argparse

import numba
import numpy as np

import f1tune
from _floor import check_floor, read_pass
from _timing import interleaved, machine, row


def numpy_confusion(S: np.ndarray, Y: np.ndarray, t: float) -> tuple[np.ndarray, ...]:
    """The NumPy one-liners: tp, fp, fn, tn."""
    P = S >= t
    tp = (P & Y).sum(0)
    pp = P.sum(0)
    pos = Y.sum(0)
    return tp, pp - tp, pos - tp, len(S) - pos - (pp - tp)


def numpy_batch(S: np.ndarray, Y: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The cheapest NumPy loop over settings that yields full confusions: tp and predicted positives."""
    out = np.empty((len(grid), 2, S.shape[1]), dtype=np.int64)
    for i, t in enumerate(grid):
        P = S >= t
        out[i, 0] = (P & Y).sum(0)
        out[i, 1] = P.sum(0)
    return out


@numba.njit(parallel=True, cache=True)
def _fused_counts(S: np.ndarray, Y: np.ndarray, thr: np.ndarray, n_chunks: int) -> np.ndarray:  # pragma: no cover
    n, L = S.shape
    step = (n + n_chunks - 1) // n_chunks
    part = np.zeros((n_chunks, 3, L), dtype=np.int64)
    for c in numba.prange(n_chunks):
        tp = np.zeros(L, dtype=np.int32)
        pp = np.zeros(L, dtype=np.int32)
        pos = np.zeros(L, dtype=np.int32)
        for r in range(c * step, min(n, (c + 1) * step)):
            for j in range(L):
                p = np.int32(S[r, j] >= thr[j])
                t = np.int32(Y[r, j])
                tp[j] += p & t
                pp[j] += p
                pos[j] += t
        part[c, 0] = tp
        part[c, 1] = pp
        part[c, 2] = pos
    return part.sum(0)


def numba_confusion(S: np.ndarray, Y: np.ndarray, t: float) -> tuple[np.ndarray, ...]:
    """A fused numba reference: tp, pp and pos in one parallel pass (C order), then fp/fn/tn."""
    thr = np.full(S.shape[1], t, dtype=S.dtype)
    tp, pp, pos = _fused_counts(S, Y.view(np.uint8), thr, 4 * numba.get_num_threads())
    return tp, pp - tp, pos - tp, len(S) - pos - (pp - tp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--labels", type=int, default=100)
    parser.add_argument("--settings", type=int, default=100, help="threshold settings in the batch")
    parser.add_argument("--rounds", type=int, default=5, help="round-robin rounds (best of)")
    parser.add_argument("--sklearn", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    S = rng.random((args.rows, args.labels), dtype=np.float32)
    Y = rng.random((args.rows, args.labels)) < 0.3
    t = 0.5
    print(f"f1tune {f1tune.__version__}: {args.rows:,} x {args.labels} float32 scores, bool labels; {machine()}")
    print(f"numba threads {numba.get_num_threads()}; ratios are time / floor (read pass over S and Y)")
    fl = check_floor(S, Y, rounds=args.rounds)
    print(f"{'':56s} {'time':>13s} {'/ floor':>9s}")

    grid = np.linspace(0.005, 0.995, args.settings)
    per_label = rng.random((args.settings, args.labels))
    fns = {
        "floor": lambda: read_pass(S, Y),
        "numpy_sums": lambda: (S.sum(), Y.sum()),
        "ours": lambda: f1tune.confusion(Y, S, t),
        "ours_pl": lambda: f1tune.confusion(Y, S, np.full(args.labels, t)),
        "ours1": lambda: f1tune.confusion(Y, S, t, n_threads=1),
        "numba": lambda: numba_confusion(S, Y, t),
        "ours_batch": lambda: f1tune.confusion(Y, S, grid[:, None]),
        "ours_batch_pl": lambda: f1tune.confusion(Y, S, per_label),
    }
    res = interleaved(fns, rounds=args.rounds)
    slow = interleaved({"numpy": lambda: numpy_confusion(S, Y, t)}, rounds=2)
    tm = {k: v[0] for k, v in {**res, **slow}.items()}
    c = res["ours"][1]
    for name in ("ours_pl", "ours1", "numba", "numpy"):
        for a, b in zip(c, {**res, **slow}[name][1]):
            np.testing.assert_array_equal(a, b)
    floor = tm["floor"]
    print(row("floor: multi-threaded read pass (numba, all cores)", floor, floor))
    print(row("NumPy S.sum() + Y.sum() (single-threaded, not a floor)", tm["numpy_sums"], floor))
    print(row("f1tune.confusion, scalar threshold (all cores)", tm["ours"], floor, "target <= 1.2x"))
    print(row("f1tune.confusion, per-label thresholds (all cores)", tm["ours_pl"], floor, "target <= 1.2x"))
    print(row("f1tune.confusion (1 thread)", tm["ours1"], floor))
    print(row("numba fused tp/pp/pos reference (all cores)", tm["numba"], floor))
    print(row("NumPy one-liners tp/fp/fn/tn", tm["numpy"], floor))

    if args.sklearn:
        from sklearn.metrics import f1_score, multilabel_confusion_matrix

        sk = interleaved(
            {
                "mcm": lambda: multilabel_confusion_matrix(Y, S >= t),
                "ours_f1": lambda: f1tune.f1_score(Y, S, thresholds=t),
                "sk_f1": lambda: f1_score(Y, S >= t, average="micro"),
            },
            rounds=1,
            warmup=0,
        )
        np.testing.assert_array_equal(sk["mcm"][1][:, 1, 1], c.tp)
        assert abs(sk["ours_f1"][1] - sk["sk_f1"][1]) < 1e-12
        print(row("scikit-learn multilabel_confusion_matrix", sk["mcm"][0], floor))
        print(row("f1tune.f1_score micro", sk["ours_f1"][0], floor))
        print(row("scikit-learn f1_score micro (on S >= t)", sk["sk_f1"][0], floor))

    np_batch = interleaved({"np": lambda: numpy_batch(S, Y, grid)}, rounds=1, warmup=0)["np"]
    cb = res["ours_batch"][1]
    np.testing.assert_array_equal(cb.tp, np_batch[1][:, 0])
    np.testing.assert_array_equal(cb.tp + cb.fp, np_batch[1][:, 1])
    K = args.settings
    print(row(f"f1tune.confusion, batch of {K} shared thresholds", tm["ours_batch"], floor, "target <= 10x"))
    print(row(f"f1tune.confusion, batch of {K} per-label settings", tm["ours_batch_pl"], floor, "target <= 10x"))
    print(row(f"NumPy loop over {K} settings (tp, predicted pos)", np_batch[0], floor))
    print(f"numpy_sums / floor in the floor check: {fl['numpy_sums'] / fl['floor']:.2f}x")


if __name__ == "__main__":
    main()
