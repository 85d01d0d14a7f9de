"""The one implementation behind ``TunedFBeta`` and ``TunedFBetaMetric``: accumulate, then tune.

A rank accumulates its batches into a bounded :class:`~f1tune.tuner.ThresholdTuner` (histograms
only) and, in exact mode, keeps copies of its batches. Tuning takes histograms (this rank's, or
all ranks' after a reduction done by the caller) and a function that merges candidate gathers
across ranks (the identity for one process), and runs the tuner's two steps:
``candidate_ranges`` from the histograms, each rank's ``gather`` over its own batches, the merge,
``finish``, again while ``finish`` asks for more buckets (micro). Bounded mode stores no
samples: it tunes the histograms at bucket edges with a certified upper bound.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from f1tune._threshold_result import ThresholdResult
from f1tune._tuner_steps import CandidateGather, CandidateRanges
from f1tune.torch._metric_batch import host_batch
from f1tune.torch._metric_options import MetricOptions
from f1tune.torch._tuner_histograms import Histograms, histograms_of, n_rows, summary_tuner
from f1tune.tuner import ThresholdTuner

MergeGathers = Callable[[CandidateGather], CandidateGather]


class TuningState:
    """One rank's accumulated batches of the tuned metric."""

    def __init__(self, options: MetricOptions) -> None:
        self.options = options
        self.reset()

    def reset(self) -> None:
        """Forget every batch."""
        self._tuner = ThresholdTuner(self.options.num_labels, exact=False, bins=self.options.bins)
        self._batches: list[tuple[np.ndarray, np.ndarray]] = []

    @property
    def n_samples(self) -> int:
        """Rows this rank has seen."""
        return self._tuner.n_samples

    def update(self, preds: Any, target: Any) -> None:
        """Check a batch, add it to the histograms and, in exact mode, keep a copy."""
        b = host_batch(preds, target, self.options.num_labels, self.options.from_logits)
        if b.y.shape[0] == 0:
            return  # nothing to count, and no empty copy to keep
        if self._tuner.dtype is not None and b.s.dtype != self._tuner.dtype:
            raise TypeError(
                f"preds: expected {self._tuner.dtype.name} scores like the earlier batches, got {b.s.dtype.name} "
                "(the core buckets each dtype in its own arithmetic; convert preds to one dtype)"
            )
        self._tuner.update(b.y, b.s)
        if self.options.exact:
            self._batches.append((b.y if b.y_owned else b.y.copy(), b.s if b.s_owned else b.s.copy()))

    def histograms(self) -> Histograms:
        """Return the histograms of this rank's rows as new CPU tensors."""
        return histograms_of(self._tuner)

    def tune(self, hist: Histograms, merge: MergeGathers) -> ThresholdResult:
        """Tune from ``hist`` (the rows of every rank taking part); ``merge`` combines the ranks' gathers.

        Every rank taking part must call this with the same ``hist`` and a ``merge`` over the same
        ranks: all of them then run the same rounds and return the same result.
        """
        if n_rows(hist) == 0:
            raise ValueError("TunedFBeta: no samples to tune on (call update with a non-empty batch first)")
        o = self.options
        summary = summary_tuner(hist)
        if not o.exact:
            return summary.tune(average=o.average, beta=o.beta, zero_division=o.zero_division)
        step: ThresholdResult | CandidateRanges = summary.candidate_ranges(
            average=o.average, beta=o.beta, zero_division=o.zero_division
        )
        while isinstance(step, CandidateRanges):
            step = summary.finish(merge(step.gather_all(self._batches)))
        return step
