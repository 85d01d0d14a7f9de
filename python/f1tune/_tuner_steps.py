"""The two steps of exact tuning for engines that cannot ship raw data (advanced API).

A histogram summary (a :class:`f1tune.ThresholdTuner`, bounded or exact, merged over shards)
implies per-label candidate bucket ranges for an objective (:meth:`ThresholdTuner.candidate_ranges`);
each shard gathers the elements in those ranges (:meth:`CandidateRanges.gather`); gathers merge
by concatenation (:meth:`CandidateGather.merge`); the summary finishes from the merged gather
(:meth:`ThresholdTuner.finish`), which returns the exact :class:`ThresholdResult`, or, for
``average="micro"``, new :class:`CandidateRanges` when Dinkelbach's iteration reaches buckets not
gathered yet (gather those and finish again)::

    ranges = summary.candidate_ranges(average="micro")
    while True:
        gathered = ranges.gather(*shards[0])
        for y, s in shards[1:]:
            gathered.merge(ranges.gather(y, s))
        out = summary.finish(gathered)
        if not isinstance(out, CandidateRanges):
            break
        ranges = out
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from f1tune import _native


@dataclass(frozen=True, eq=False)
class CandidateRanges:
    """Per-label bucket ranges to gather, under a tuner's fixed bucket map, for one objective.

    Attributes
    ----------
    ranges : ndarray of int64, shape (n_labels, 2)
        Inclusive bucket ranges ``[lo, hi]``; empty when ``hi < lo``.
    score_range : tuple of float
        The bucket map's ``(lo, hi)``; ``bins`` buckets linear over it, clamped at both ends.
    bins : int
    dtype : numpy dtype
        The score dtype of the state (shards must match it; float32 shards are converted for a
        float64 state).
    objective : tuple
        ``(average, beta, zero_division)`` the ranges were planned for.
    """

    ranges: np.ndarray
    score_range: tuple[float, float]
    bins: int
    dtype: np.dtype
    objective: tuple[Any, float, float]

    @property
    def n_labels(self) -> int:
        return int(self.ranges.shape[0])

    @property
    def key_dtype(self) -> np.dtype:
        """Dtype of the order-preserving score keys: uint64 for float64 scores, uint32 for float32."""
        return np.dtype(np.uint64 if self.dtype == np.float64 else np.uint32)

    def gather_all(self, batches: Iterable[tuple[Any, Any]], *, n_threads: int | None = None) -> CandidateGather:
        """Gather the elements in the ranges over several batches (one concatenation per label)."""
        parts = [self.gather(y, s, n_threads=n_threads) for y, s in batches]
        empty_keys, empty_labels = np.zeros(0, self.key_dtype), np.zeros(0, np.uint8)
        keys = [np.concatenate([empty_keys] + [p.keys[i] for p in parts]) for i in range(self.n_labels)]
        labels = [np.concatenate([empty_labels] + [p.labels[i] for p in parts]) for i in range(self.n_labels)]
        return CandidateGather(self, keys, labels)

    def gather(self, y_true: Any, y_score: Any, *, n_threads: int | None = None) -> CandidateGather:
        """Gather one shard's elements in the ranges (validated like :meth:`ThresholdTuner.update`; 0 rows gathers nothing)."""
        from f1tune._tuner_batch import check_batch  # the batch checks shared with update

        y, s = check_batch(y_true, y_score, self.n_labels, self.dtype)
        # Ranges that went through pickle (Dask, torch.distributed) may arrive unaligned.
        ranges = np.require(self.ranges, np.int64, ["A", "C"])
        if y.shape[0] == 0:  # an empty shard gathers nothing
            return CandidateGather(
                self, [np.zeros(0, self.key_dtype)] * self.n_labels, [np.zeros(0, np.uint8)] * self.n_labels
            )
        keys, ys, offsets = _native.tuner_gather(y, s, self.score_range, self.bins, ranges, n_threads)
        return CandidateGather(self, np.split(keys, offsets[1:-1]), np.split(ys, offsets[1:-1]))


@dataclass(eq=False)
class CandidateGather:
    """Elements gathered for :class:`CandidateRanges` from one or more shards (mergeable)."""

    ranges: CandidateRanges
    keys: list[np.ndarray]  # per label: order-preserving integer keys of the scores
    labels: list[np.ndarray]  # per label: uint8 labels

    def merge(self, other: CandidateGather) -> CandidateGather:
        """Add another shard's gather for the same ranges (in place); returns self."""
        if not isinstance(other, CandidateGather):
            raise TypeError(f"other: expected a CandidateGather, got {type(other).__name__}")
        if other.ranges is not self.ranges and not _same_ranges(other.ranges, self.ranges):
            raise ValueError("other: expected a gather for the same CandidateRanges")
        self.keys = [np.concatenate([a, b]) for a, b in zip(self.keys, other.keys)]
        self.labels = [np.concatenate([a, b]) for a, b in zip(self.labels, other.labels)]
        return self

    def flat(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Keys, labels and per-label offsets (n_labels + 1) as the core reads them."""
        key_dtype = self.ranges.key_dtype
        offsets = np.zeros(len(self.keys) + 1, dtype=np.int64)
        np.cumsum([k.size for k in self.keys], out=offsets[1:])
        keys = np.concatenate(self.keys).astype(key_dtype, copy=False) if self.keys else np.zeros(0, key_dtype)
        labels = np.concatenate(self.labels).astype(np.uint8, copy=False) if self.labels else np.zeros(0, np.uint8)
        return np.ascontiguousarray(keys), np.ascontiguousarray(labels), offsets


def _same_ranges(a: CandidateRanges, b: CandidateRanges) -> bool:
    return (
        np.array_equal(a.ranges, b.ranges)
        and a.score_range == b.score_range
        and a.bins == b.bins
        and a.dtype == b.dtype
        and repr(a.objective) == repr(b.objective)
    )
