"""A ThresholdTuner's histograms as tensors that collectives can reduce, and back.

A collective needs a tuner's histograms (:meth:`ThresholdTuner.histograms`) as tensors: summed
over ranks, the per-label score extremes reduced with min; the reduced tensors become a bounded
summary state again through :meth:`ThresholdTuner.from_histograms`.

Layout of :class:`Histograms` (all reducible with one elementwise op each):

- ``counts``: int64 tensor of shape (2, n_labels, bins): positives and all rows per bucket (sum).
- ``extremes``: float64 tensor of shape (2 * n_labels + 2,): each label's lowest score, minus
  each label's highest score, then minus "has float64 scores" and minus "has float32 scores"
  (1.0 or 0.0 each) (min). The score dtype must agree over all ranks: the core buckets float32
  scores in float32 arithmetic, so float32 rows cannot join a float64 state after the fact.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from f1tune.tuner import ThresholdTuner


class Histograms(NamedTuple):
    """Histogram state of one rank, or of all ranks after reduction (see the module docstring)."""

    counts: torch.Tensor
    extremes: torch.Tensor


def empty_histograms(n_labels: int, bins: int, device: torch.device | str = "cpu") -> Histograms:
    """Return the state of no rows: zero counts, +inf extremes, no dtype seen."""
    extremes = torch.full((2 * n_labels + 2,), float("inf"), dtype=torch.float64, device=device)
    extremes[-2:] = 0.0
    return Histograms(torch.zeros((2, n_labels, bins), dtype=torch.int64, device=device), extremes)


def histograms_of(tuner: ThresholdTuner) -> Histograms:
    """Return a (bounded or exact) tuner's histograms as new CPU tensors."""
    dtype_flags = [-float(tuner.dtype == np.float64), -float(tuner.dtype == np.float32)]
    h = tuner.histograms()
    counts = torch.from_numpy(np.stack([h.pos, h.tot]))
    extremes = torch.from_numpy(np.concatenate([h.score_min, -h.score_max, dtype_flags]))
    return Histograms(counts, extremes)


def n_rows(hist: Histograms) -> int:
    """Rows the histograms count (every label counts every row)."""
    return int(hist.counts[1, 0].sum())


def summary_tuner(hist: Histograms) -> ThresholdTuner:
    """Return a bounded tuner holding ``hist`` (at least one row) to plan, finish or bound with."""
    counts = hist.counts.detach().cpu().numpy()
    extremes = hist.extremes.detach().cpu().numpy()
    n_labels = counts.shape[1]
    has64, has32 = extremes[-2] < 0, extremes[-1] < 0
    if has64 and has32:
        raise ValueError(
            "preds: expected one score dtype on every rank, got float32 on some ranks and float64 on others "
            "(convert preds to one dtype before update)"
        )
    dtype = np.float64 if has64 else np.float32
    return ThresholdTuner.from_histograms(
        counts[0], counts[1], extremes[:n_labels], -extremes[n_labels:-2], dtype=dtype
    )
