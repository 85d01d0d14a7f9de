"""Exact threshold tuning and confusion counts of ``dask.array`` inputs, chunk by chunk.

Dask is an optional dependency (``pip install f1tune[dask]``); importing :mod:`f1tune` never
imports it. The arrays are chunked along rows: every chunk holds all label columns of its rows.

- :func:`tune_thresholds`: the exact optimum, equal to :func:`f1tune.tune_thresholds` on the
  concatenated rows. Pass 1 maps each chunk to a bounded :class:`f1tune.ThresholdTuner`
  (histograms only) and tree-reduces them by ``merge``; the driver plans the candidate buckets;
  pass 2 gathers only those buckets' elements per chunk and tree-merges them; the driver
  finishes (``average="micro"`` may ask for another gather round). No sort, and no chunk's
  rows ever leave its worker.
- :func:`confusion`, :func:`fbeta_score`: counts per chunk by the core, summed.

Prediction rule everywhere: a label is predicted positive iff ``y_score >= threshold``.
"""

from __future__ import annotations

from f1tune.dask._metrics import confusion, fbeta_score
from f1tune.dask._tune import tune_thresholds

__all__ = ["confusion", "fbeta_score", "tune_thresholds"]
