"""Soft F1 / F-beta losses for PyTorch, and a tuned F-beta metric for validation loops (DDP too).

Importing this subpackage imports torch; the numba kernels behind the CPU fast path load on the
first CPU call; torchmetrics is imported only when ``TunedFBetaMetric`` is first accessed.
``import f1tune`` alone imports none of them.

Examples
--------
>>> import torch
>>> from f1tune.torch import SoftF1Loss
>>> criterion = SoftF1Loss(from_logits=True, double=True)
>>> logits = torch.randn(8, 5, requires_grad=True)
>>> target = torch.randint(0, 2, (8, 5))
>>> criterion(logits, target).backward()
"""

from __future__ import annotations

from typing import Any

from f1tune.torch.losses import soft_f1_loss, soft_fbeta_loss
from f1tune.torch.modules import SoftF1Loss, SoftFBetaLoss
from f1tune.torch.tuned_fbeta import TunedFBeta

__all__ = ["SoftF1Loss", "SoftFBetaLoss", "TunedFBeta", "TunedFBetaMetric", "soft_f1_loss", "soft_fbeta_loss"]


def __getattr__(name: str) -> Any:
    """Import ``TunedFBetaMetric`` (and with it torchmetrics) on first access."""
    if name == "TunedFBetaMetric":
        try:
            from f1tune.torch._torchmetrics_adapter import TunedFBetaMetric
        except ModuleNotFoundError as err:
            if err.name != "torchmetrics":
                raise
            raise ImportError(
                "TunedFBetaMetric needs torchmetrics (pip install torchmetrics); "
                "f1tune.torch.TunedFBeta offers the same metric without it"
            ) from err
        return TunedFBetaMetric
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
