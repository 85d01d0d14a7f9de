"""Confusion counts of 1,000,000 x 100 float32 scores: f1tune vs NumPy, scikit-learn, torchmetrics, numba.

Run: python benchmarks/bench_confusion.py [--rows 1000000 --labels 100 --settings 100] [--rounds 5]

Every figure is a ratio to the honest floor (benchmarks/_floor.py): a multi-threaded read pass
over exactly the bytes the operation reads (scores + labels). Entries are timed round-robin in
one process; every competitor's answer is checked against f1tune's before its time is printed.
torchmetrics' ``multilabel_stat_scores`` (default arguments: it validates its input, as f1tune
does) predicts ``preds > threshold``; it is checked against f1tune at the next float32 up.
"""

from __future__ import annotations

import argparse

import numba
import numpy as np

import f1tune
from _floor import check_floor, read_pass
from _timing import interleaved, machine


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


def timed_with_floor(fns: dict, S: np.ndarray, Y: np.ndarray, rounds: int, warmup: int = 1) -> dict:
    """Best time / floor and last result of each entry, timed round-robin with the floor itself.

    The floor is timed before every entry of every round (it is cheap), so even a group of slow
    entries timed once gets many floor samples under the same load; its best one is the floor.
    """
    timed: dict = {}
    for i, (name, fn) in enumerate(fns.items()):
        timed[f"floor {i}"] = lambda: read_pass(S, Y)
        timed[name] = fn
    res = interleaved(timed, rounds=rounds, warmup=warmup)
    floor = min(t for name, (t, _) in res.items() if name.startswith("floor "))
    out = {"floor": (1.0, floor, None)}
    out.update({name: (res[name][0] / floor, res[name][0], res[name][1]) for name in fns})
    return out


def ratio_row(name: str, entry: tuple, note: str = "") -> str:
    """A table row from timed_with_floor's (ratio, seconds, result)."""
    ratio, seconds, _ = entry
    return f"{name:<60s} {seconds * 1e3:10.1f} ms {ratio:8.2f}x  {note}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--labels", type=int, default=100)
    parser.add_argument("--settings", type=int, default=100, help="threshold settings in the batch")
    parser.add_argument("--rounds", type=int, default=5, help="round-robin rounds (best of)")
    parser.add_argument("--sklearn", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--torchmetrics", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--numpy-batch", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    S = rng.random((args.rows, args.labels), dtype=np.float32)
    Y = rng.random((args.rows, args.labels)) < 0.3
    t = 0.5
    print(f"f1tune {f1tune.__version__}: {args.rows:,} x {args.labels} float32 scores, bool labels; {machine()}")
    print(f"numba threads {numba.get_num_threads()}; ratios are time / floor (read pass over S and Y), each")
    print("group of rows timed round-robin together with the floor")
    check_floor(S, Y, rounds=args.rounds)
    print(f"{'':60s} {'time':>13s} {'/ floor':>9s}")

    grid = np.linspace(0.005, 0.995, args.settings)
    per_label = rng.random((args.settings, args.labels))
    K = args.settings
    res = timed_with_floor(
        {
            "numpy_sums": lambda: (S.sum(), Y.sum()),
            "ours": lambda: f1tune.confusion(Y, S, t),
            "ours_pl": lambda: f1tune.confusion(Y, S, np.full(args.labels, t)),
            "ours1": lambda: f1tune.confusion(Y, S, t, n_threads=1),
            "numba": lambda: numba_confusion(S, Y, t),
            "ours_batch": lambda: f1tune.confusion(Y, S, grid[:, None]),
            "ours_batch_pl": lambda: f1tune.confusion(Y, S, per_label),
        },
        S,
        Y,
        rounds=args.rounds,
    )
    c = res["ours"][2]
    for name in ("ours_pl", "ours1", "numba"):
        for a, b in zip(c, res[name][2]):
            np.testing.assert_array_equal(a, b)
    print(ratio_row("floor: multi-threaded read pass (numba, all cores)", res["floor"]))
    print(ratio_row("NumPy S.sum() + Y.sum() (single-threaded, not a floor)", res["numpy_sums"]))
    print(ratio_row("f1tune.confusion, scalar threshold (all cores)", res["ours"], "target <= 1.2x"))
    print(ratio_row("f1tune.confusion, per-label thresholds (all cores)", res["ours_pl"], "target <= 1.2x"))
    print(ratio_row("f1tune.confusion (1 thread)", res["ours1"]))
    print(ratio_row("numba fused tp/pp/pos reference (all cores)", res["numba"]))
    print(ratio_row(f"f1tune.confusion, batch of {K} shared thresholds", res["ours_batch"], "target <= 10x"))
    print(ratio_row(f"f1tune.confusion, batch of {K} per-label settings", res["ours_batch_pl"], "target <= 10x"))

    slow = timed_with_floor({"numpy": lambda: numpy_confusion(S, Y, t)}, S, Y, rounds=2)
    for a, b in zip(c, slow["numpy"][2]):
        np.testing.assert_array_equal(a, b)
    print(ratio_row("NumPy one-liners tp/fp/fn/tn", slow["numpy"]))

    if args.torchmetrics:
        import torch
        from torchmetrics.functional.classification import multilabel_stat_scores

        torch.set_num_threads(numba.get_num_threads())
        St, Yt = torch.from_numpy(S), torch.from_numpy(Y.view(np.uint8))
        tm = timed_with_floor(
            {"tm": lambda: multilabel_stat_scores(St, Yt, num_labels=args.labels, threshold=t, average=None)},
            S,
            Y,
            rounds=2,
        )
        above = f1tune.confusion(Y, S, np.nextafter(np.float32(t), np.float32(np.inf)))  # s > t
        stats = tm["tm"][2].numpy()  # (L, 5): tp, fp, tn, fn, support
        for col, ours in enumerate((above.tp, above.fp, above.tn, above.fn)):
            np.testing.assert_array_equal(stats[:, col], ours)
        print(
            ratio_row(f"torchmetrics multilabel_stat_scores (torch CPU, {torch.get_num_threads()} threads)", tm["tm"])
        )

    if args.sklearn:
        from sklearn.metrics import f1_score, multilabel_confusion_matrix

        sk = timed_with_floor(
            {
                "mcm": lambda: multilabel_confusion_matrix(Y, S >= t),
                "ours_f1": lambda: f1tune.f1_score(Y, S, thresholds=t),
                "sk_f1": lambda: f1_score(Y, S >= t, average="micro"),
            },
            S,
            Y,
            rounds=1,
            warmup=0,
        )
        np.testing.assert_array_equal(sk["mcm"][2][:, 1, 1], c.tp)
        assert abs(sk["ours_f1"][2] - sk["sk_f1"][2]) < 1e-12
        print(ratio_row("scikit-learn multilabel_confusion_matrix (on S >= t)", sk["mcm"]))
        print(ratio_row("f1tune.f1_score micro", sk["ours_f1"]))
        print(ratio_row("scikit-learn f1_score micro (on S >= t)", sk["sk_f1"]))

    if args.numpy_batch:
        nb = timed_with_floor({"np": lambda: numpy_batch(S, Y, grid)}, S, Y, rounds=1, warmup=0)
        cb = res["ours_batch"][2]
        np.testing.assert_array_equal(cb.tp, nb["np"][2][:, 0])
        np.testing.assert_array_equal(cb.tp + cb.fp, nb["np"][2][:, 1])
        print(ratio_row(f"NumPy loop over {K} settings (tp, predicted pos)", nb["np"]))


if __name__ == "__main__":
    main()
