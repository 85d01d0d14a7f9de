"""A ThresholdTuner's histograms as tensors that collectives can reduce, and back.

``ThresholdTuner`` merges states by summing its histograms, but it has no public accessor for
them yet; a collective needs them as tensors (summed over ranks, the per-label score extremes
reduced with min). This module is the one place that reads and writes the tuner's histogram
fields, so that a public accessor, once the tuner has one, replaces two functions here.

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
    counts = torch.from_numpy(np.stack([tuner._pos, tuner._tot]))
    extremes = torch.from_numpy(np.concatenate([tuner._min, -tuner._max, dtype_flags]))
    return Histograms(counts, extremes)


def n_rows(hist: Histograms) -> int:
    """Rows the histograms count (every label counts every row)."""
    return int(hist.counts[1, 0].sum())


def summary_tuner(hist: Histograms, bins: int) -> ThresholdTuner:
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
    tuner = ThresholdTuner(n_labels, exact=False, bins=bins, dtype=dtype)
    tuner._pos[...] = counts[0]
    tuner._tot[...] = counts[1]
    tuner._min[...] = extremes[:n_labels]
    tuner._max[...] = -extremes[n_labels:-2]
    return tuner
