"""TunedFBeta: the F-beta of the best thresholds, as a metric for PyTorch validation loops (DDP too)."""

from __future__ import annotations

from typing import Any

import torch

from f1tune._threshold_result import ThresholdResult
from f1tune._validation import check_bool
from f1tune.torch._metric_options import check_metric_options
from f1tune.torch._metric_sync import all_gather_candidates, all_reduce_histograms
from f1tune.torch._tuning_state import TuningState


class TunedFBeta:
    """F-beta at the thresholds tuned on everything seen: a metric with the torchmetrics contract.

    ``update(preds, target)`` per batch, ``compute()`` for the tuned F-beta (and the thresholds
    in :attr:`result`), ``reset()`` for the next epoch. Works in any loop, without torchmetrics
    (see :class:`f1tune.torch.TunedFBetaMetric` for a ``torchmetrics.Metric``; both share one
    implementation). Under ``torch.distributed`` every rank calls ``compute()``: the histograms
    are all-reduced, in exact mode only the elements of the candidate buckets are all-gathered
    (never all samples), and every rank returns the same result, equal to tuning the
    concatenation of all ranks' batches in one process.

    Parameters
    ----------
    num_labels : int
        Number of label columns.
    average : {"micro", "macro", "weighted", "global", None}, default="micro"
        What is tuned, as in :func:`f1tune.tune_thresholds` ("global": one shared threshold;
        None: each label's best, and ``compute()`` returns per-label scores).
    beta : float, default=1.0
        Weight of recall relative to precision.
    zero_division : {0.0, 1.0, nan, "warn"}, default=0.0
        Score of an undefined F-beta.
    exact : bool, default=True
        True: keep a host copy of this rank's batches (uint8 targets, float32/64 scores); the
        result equals :func:`f1tune.tune_thresholds` on the concatenated batches exactly.
        False: keep histograms only (memory independent of the rows); thresholds at bucket
        edges, with a certified ``result.upper_bound`` on the exact optimum.
    bins : int, default=2048
        Histogram buckets per label over [0, 1] (bounded mode's resolution).
    from_logits : bool, default=False
        ``preds`` are logits: tuned on ``torch.sigmoid`` of them computed on the CPU in float32
        (float64 for float64 logits), so the thresholds are probabilities; deploy with
        ``torch.sigmoid(logits) >= thresholds`` in the same dtype. Logits whose probabilities
        round to the same float (all logits above about 16.6 give 1.0 in float32) are one score.
    process_group : torch.distributed.ProcessGroup, optional
        Ranks to synchronize over when ``torch.distributed`` is initialized (default: the world).
    sync_on_compute : bool, default=True
        Synchronize in :meth:`compute` when ``torch.distributed`` is initialized (as in
        torchmetrics); False tunes this rank's batches alone (e.g. validation on one rank only).

    Attributes
    ----------
    result : ThresholdResult or None
        After :meth:`compute`: the thresholds (predict positive iff ``probability >= threshold``),
        counts and score; None before.

    Notes
    -----
    Inputs: ``preds`` floating point (probabilities in [0, 1], or logits), shape
    (n, num_labels) or (n,) for one label; ``target`` the same shape, bool, integer or float
    0/1. CPU and GPU tensors are accepted; they are detached and copied to the host (GPU:
    ``non_blocking`` copies, then one wait). Every batch has one score dtype (float16 and
    bfloat16 count as float32), on every rank.

    ``DistributedSampler`` pads the dataset so that every rank gets the same number of
    samples, by repeating samples: the repeated rows are tuned twice and change the result.
    Evaluate on unpadded shards (``DistributedSampler(..., drop_last=False)`` still pads; use a
    sampler that splits the indices without padding, e.g. ``indices[rank::world_size]``) or
    drop the padded rows before ``update``. Ranks may hold different numbers of rows, none at
    all included, but every rank must call ``compute()``.

    Examples
    --------
    >>> import torch
    >>> from f1tune.torch import TunedFBeta
    >>> metric = TunedFBeta(3, average="macro")
    >>> g = torch.Generator().manual_seed(0)
    >>> for _ in range(4):
    ...     target = torch.rand(50, 3, generator=g) < 0.3
    ...     preds = (0.3 * target + 0.7 * torch.rand(50, 3, generator=g)).clamp(0, 1)
    ...     metric.update(preds, target)
    >>> score = metric.compute()  # a 0-d tensor: log it, monitor it
    >>> thresholds = metric.result.thresholds  # per label, for deployment
    >>> bool(score == torch.tensor(metric.result.score, dtype=torch.float32))
    True
    """

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
        process_group: Any = None,
        sync_on_compute: bool = True,
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
        self._state = TuningState(options)
        self.process_group = process_group
        self.sync_on_compute = check_bool(sync_on_compute, "sync_on_compute")
        self.result: ThresholdResult | None = None

    @property
    def n_samples(self) -> int:
        """Rows this rank has seen since the last reset."""
        return self._state.n_samples

    def update(self, preds: torch.Tensor, target: torch.Tensor) -> None:
        """Add a batch of scores (``preds``) and 0/1 ``target`` of shape (n, num_labels)."""
        self._state.update(preds, target)

    def compute(self) -> torch.Tensor:
        """Tune over every rank's batches; return the tuned F-beta (0-d float32 tensor; per label for average=None).

        A collective under ``torch.distributed`` (unless ``sync_on_compute=False``): every rank of
        the group must call it.
        """
        hist = self._state.histograms()
        if not self.sync_on_compute:
            self.result = self._state.tune(hist, lambda local: local)
        else:
            group = self.process_group
            hist = all_reduce_histograms(hist, group)
            self.result = self._state.tune(hist, lambda local: all_gather_candidates(local, group))
        return torch.tensor(self.result.score, dtype=torch.float32)

    def reset(self) -> None:
        """Forget every batch and the last result."""
        self._state.reset()
        self.result = None

    def __repr__(self) -> str:
        o = self._state.options
        return (
            f"TunedFBeta({o.num_labels}, average={o.average!r}, beta={o.beta}, exact={o.exact}, "
            f"bins={o.bins}, from_logits={o.from_logits})"
        )
