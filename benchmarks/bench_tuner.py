"""ThresholdTuner: update throughput, merge cost, exact tune and the bounded mode's gap.

Round-robin (interleaved repeats, best of k) in one process, reported as ratios:
- ``update`` (validation, histogram pass under the fixed map, per-label min/max, and in exact
  mode the batch copy) against the histogram pass of one-shot tuning (``_core.tuner_histograms``
  with the default 2048 buckets and ``extremes=False`` is build_histograms alone, the one-shot
  engine's pass 1) and against one-shot ``tune_thresholds`` (both passes);
- ``merge`` at two row counts (a sum of fixed-size histograms: independent of the rows);
- exact ``tune`` of a batch-fed state against one-shot ``tune_thresholds`` of the concatenation;
- bounded mode: ``upper_bound - score`` as ``bins`` grows.

Usage: python benchmarks/bench_tuner.py [--rows N] [--labels L] [--batches B]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from _timing import machine
from f1tune import _core
from f1tune.thresholds import tune_thresholds
from f1tune.tuner import ThresholdTuner


def data(n: int, L: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random((n, L), dtype=np.float32) < 0.2).astype(np.uint8)
    s = np.clip(y * 0.35 + rng.random((n, L), dtype=np.float32) * 0.65, 0, 1).astype(np.float32)
    return y, s


def round_robin(fns: dict[str, object], repeat: int) -> dict[str, float]:
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()  # type: ignore[operator]
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--labels", type=int, default=100)
    ap.add_argument("--batches", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    n, L = a.rows, a.labels
    y, s = data(n, L)
    parts = np.array_split(np.arange(n), a.batches)
    by, bs = y[parts[0]], s[parts[0]]  # one batch
    print(f"# {machine()}\n# {n} x {L} float32 + uint8, {a.batches} batches of ~{len(parts[0])} rows")

    exact_t, bounded_t = ThresholdTuner(L), ThresholdTuner(L, exact=False)
    t = round_robin(
        {
            "histogram pass (one batch)": lambda: _core.tuner_histograms(by, bs, 0.0, 1.0, 2048, 0, False),
            "update exact (one batch)": lambda: ThresholdTuner(L).update(by, bs),
            "update bounded (one batch)": lambda: ThresholdTuner(L, exact=False).update(by, bs),
            "tune_thresholds macro (one batch)": lambda: tune_thresholds(by, bs),
        },
        a.repeat,
    )
    h = t["histogram pass (one batch)"]
    for k, v in t.items():
        print(f"{k:<40s} {v * 1e3:9.2f} ms   {v / h:5.2f}x histogram pass")

    for r in parts:
        exact_t.update(y[r], s[r])
        bounded_t.update(y[r], s[r])
    small = ThresholdTuner(L, exact=False).update(by[:100], bs[:100])
    t = round_robin(
        {
            "merge bounded (100-row states)": lambda: ThresholdTuner(L, exact=False).merge(small),
            f"merge bounded ({n}-row states)": lambda: ThresholdTuner(L, exact=False).merge(bounded_t),
        },
        a.repeat,
    )
    for k, v in t.items():
        print(f"{k:<40s} {v * 1e3:9.2f} ms")

    for average in ("macro", "micro", "global"):
        t = round_robin(
            {
                "one-shot": lambda: tune_thresholds(y, s, average=average),  # noqa: B023
                "tuner exact": lambda: exact_t.tune(average=average),  # noqa: B023
                "tuner bounded": lambda: bounded_t.tune(average=average),  # noqa: B023
            },
            max(1, a.repeat - 1),
        )
        one = t["one-shot"]
        same = np.array_equal(
            exact_t.tune(average=average).thresholds, tune_thresholds(y, s, average=average).thresholds
        )
        print(
            f"tune {average:<7s} one-shot {one * 1e3:8.1f} ms | exact tuner {t['tuner exact'] / one:5.2f}x "
            f"(identical: {same}) | bounded tuner {t['tuner bounded'] / one:5.3f}x"
        )

    print("bounded gap (upper_bound - score) vs bins, macro and micro, on the full data:")
    exact = {avg: tune_thresholds(y, s, average=avg).score for avg in ("macro", "micro")}
    for bins in (16, 64, 256, 2048, 16384):
        tb = ThresholdTuner(L, exact=False, bins=bins)
        for r in parts:
            tb.update(y[r], s[r])
        cells = []
        for avg in ("macro", "micro"):
            res = tb.tune(average=avg)
            cells.append(
                f"{avg}: score {res.score:.5f} <= opt {exact[avg]:.5f} <= bound {res.upper_bound:.5f} "
                f"(gap {res.upper_bound - res.score:.2e})"
            )
        print(f"  bins {bins:>6d}  " + " | ".join(cells))


if __name__ == "__main__":
    main()
