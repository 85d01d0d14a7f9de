"""TunedFBetaMetric: :class:`f1tune.torch.TunedFBeta` as a ``torchmetrics.Metric`` (imports torchmetrics).

One implementation (:class:`~f1tune.torch._tuning_state.TuningState`) serves both classes; this
one hands the histograms to torchmetrics' own synchronization:

- states ``counts`` (``dist_reduce_fx="sum"``) and ``extremes`` (``"min"``), laid out as in
  :mod:`f1tune.torch._tuner_histograms`. They are filled from the local accumulation right
  before torchmetrics synchronizes (``sync``, which its ``compute`` wrapper calls), not per
  batch, so ``update`` costs what ``TunedFBeta.update`` costs.
- ``compute`` runs inside torchmetrics' sync context: the states then hold every rank's
  histograms, reduced once by torchmetrics; exact mode then all-gathers only the candidate
  elements over the group torchmetrics synchronized (nothing is reduced twice). Without a sync
  (one process, ``sync_on_compute=False``) it tunes this rank's batches alone. After ``compute``
  torchmetrics restores the local states (``unsync``), so accumulation can go on.
- The sample copies of exact mode are not states (``"cat"`` states would all-gather every sample).
  So two instances must never share states: a ``MetricCollection`` merges metrics whose states
  are equal into one compute group and updates only the first. A per-instance ``instance_tag``
  state (never read; 8 bytes in a sync) keeps every instance's states distinct.
"""

from __future__ import annotations

import itertools
from typing import Any

import torch
import torchmetrics

from f1tune._threshold_result import ThresholdResult
from f1tune.torch._metric_options import check_metric_options
from f1tune.torch._metric_sync import all_gather_candidates
from f1tune.torch._tuner_histograms import Histograms, empty_histograms
from f1tune.torch._tuning_state import TuningState

_INSTANCE_TAGS = itertools.count(1)


class TunedFBetaMetric(torchmetrics.Metric):
    """:class:`f1tune.torch.TunedFBeta` as a ``torchmetrics.Metric`` (needs torchmetrics).

    Same parameters, inputs and results as :class:`f1tune.torch.TunedFBeta`; further keyword
    arguments go to ``torchmetrics.Metric`` (``process_group``, ``sync_on_compute``, ...).
    ``forward`` (a value per batch) is not offered: a threshold tuned on one batch means little.

    Examples
    --------
    >>> import torch
    >>> from f1tune.torch import TunedFBetaMetric
    >>> metric = TunedFBetaMetric(2, average="micro")
    >>> metric.update(torch.tensor([[0.9, 0.2], [0.4, 0.7]]), torch.tensor([[1, 0], [0, 1]]))
    >>> metric.compute()
    tensor(1.)
    """

    is_differentiable = False
    higher_is_better = True
    full_state_update = False

    counts: torch.Tensor
    extremes: torch.Tensor
    instance_tag: torch.Tensor

    def __init__(
        self,
        num_labels: int,
        *,
        average: str | None = "micro",
        beta: float = 1.0,
        zero_division: Any = 0.0,
        exact: bool = True,
        bins: int = 2048,
        from_logits: bool = False,
        **kwargs: Any,
    ) -> None:
        options = check_metric_options(
            num_labels,
            average=average,
            beta=beta,
            zero_division=zero_division,
            exact=exact,
            bins=bins,
            from_logits=from_logits,
        )
        super().__init__(**kwargs)
        self._tuning = TuningState(options)
        self._published = True  # the states equal the local accumulation
        self._sync_group: Any = None
        self.result: ThresholdResult | None = None
        empty = empty_histograms(options.num_labels, options.bins)
        self.add_state("counts", empty.counts, dist_reduce_fx="sum")
        self.add_state("extremes", empty.extremes, dist_reduce_fx="min")
        self.add_state("instance_tag", torch.tensor(next(_INSTANCE_TAGS)), dist_reduce_fx="max")

    def update(self, preds: torch.Tensor, target: torch.Tensor) -> None:
        """Add a batch of scores (``preds``) and 0/1 ``target`` of shape (n, num_labels)."""
        self._tuning.update(preds, target)
        self._published = False

    def _publish(self) -> None:
        """Copy the local accumulation into the states (before torchmetrics reads them)."""
        if not self._published:
            local = self._tuning.histograms()
            self.counts = local.counts.to(self.counts.device)
            self.extremes = local.extremes.to(self.extremes.device)
            self._published = True

    def sync(
        self,
        dist_sync_fn: Any = None,
        process_group: Any = None,
        should_sync: bool = True,
        distributed_available: Any = None,
    ) -> None:
        """Bring the states up to date, then run torchmetrics' ``sync``."""
        self._publish()
        self._sync_group = process_group or self.process_group
        super().sync(
            dist_sync_fn=dist_sync_fn,
            process_group=process_group,
            should_sync=should_sync,
            distributed_available=distributed_available,
        )

    def compute(self) -> torch.Tensor:
        """Return the tuned F-beta over the ranks torchmetrics synchronized (0-d float32; per label for None)."""
        self._publish()
        hist = Histograms(self.counts, self.extremes)
        # torchmetrics sets _is_synced inside sync() when it really synchronized (distributed and
        # should_sync); only then do the other ranks run this compute too and gather with us.
        synced, group = self._is_synced, self._sync_group
        self.result = self._tuning.tune(hist, lambda local: all_gather_candidates(local, group) if synced else local)
        return torch.tensor(self.result.score, dtype=torch.float32, device=self.counts.device)

    def reset(self) -> None:
        """Forget every batch and the last result."""
        super().reset()
        self._tuning.reset()
        self._published = True
        self.result = None

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Not offered: call ``update`` per batch and ``compute`` at the end."""
        raise TypeError(
            "TunedFBetaMetric: expected update(preds, target) per batch and compute() at the end; "
            "a per-batch value (forward / metric(preds, target)) is not offered"
        )

    def merge_state(self, incoming_state: Any) -> None:
        """Not offered: the sample copies of exact mode are not torchmetrics states."""
        raise TypeError("TunedFBetaMetric: merge_state is not offered; update one metric with every batch")
