"""Soft F1 / F-beta losses for PyTorch: macro, micro, double soft-F1, logits, multi-process.

Importing this subpackage imports torch; the numba kernels behind the CPU fast path load on the
first CPU call. ``import f1tune`` alone imports neither.

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

from f1tune.torch.losses import soft_f1_loss, soft_fbeta_loss
from f1tune.torch.modules import SoftF1Loss, SoftFBetaLoss

__all__ = ["SoftF1Loss", "SoftFBetaLoss", "soft_f1_loss", "soft_fbeta_loss"]
