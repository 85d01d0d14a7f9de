"""CPU fast path: soft counts as a ``torch.autograd.Function`` over the fused numba kernels.

Forward: one parallel pass over the batch computes the per-label sums ``S_py, S_p, S_y``
(float64) and a range check. Backward: one parallel pass writes
``dL/dx[i, j] = dL/dS_p[j] + dL/dS_py[j] * y[i, j]`` (times ``slope * p * (1 - p)`` for logits).
Saved for backward: the targets and the probabilities (the input itself, or for logits the p
the forward kernel wrote), as zero-copy numpy views.
The loss itself is a few torch ops on the (3, L) counts, differentiated by autograd.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.autograd.function import once_differentiable

from f1tune.torch._checks import diagnose_values

FAST_DTYPES = (torch.float32, torch.float64)


def _kernels() -> Any:
    from f1tune._kernels import soft_fbeta  # numba: loaded (from the on-disk cache) on first use

    return soft_fbeta


def fast_path_applies(x: torch.Tensor, y: torch.Tensor) -> bool:
    """Whether the numba path handles this pair: float32/float64 on CPU, targets without gradient."""
    return x.device.type == "cpu" and x.dtype in FAST_DTYPES and not y.requires_grad and y.device.type == "cpu"


def kernel_target(y: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Targets as the kernels take them: uint8 for bool/uint8 (a view), ``dtype`` otherwise (one copy if needed)."""
    if y.dtype == torch.bool:
        y = y.view(torch.uint8)
    elif y.dtype != torch.uint8 and y.dtype != dtype:
        y = y.to(dtype)
    return y.contiguous()


class SoftCounts(torch.autograd.Function):
    """``(x, y) -> counts`` of shape (3, L), float64; ``x`` and ``y`` C-contiguous 2-D CPU tensors."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, y: torch.Tensor, from_logits: bool, slope: float, offset: float) -> torch.Tensor:
        k = _kernels()
        p = torch.empty_like(x) if from_logits else x  # logits: the kernel stores p for backward
        counts, violation = k.soft_counts(
            x.detach().numpy(), y.detach().numpy(), from_logits, slope, offset, p.detach().numpy() if from_logits else None
        )
        if violation > 0.0 or not np.isfinite(counts).all():
            diagnose_values(x, y, from_logits)  # raises with the precise reason
        ctx.save_for_backward(p, y)
        ctx.from_logits, ctx.slope = from_logits, slope
        return torch.from_numpy(counts)

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad_counts: torch.Tensor) -> tuple[Any, ...]:
        p, y = ctx.saved_tensors
        if not ctx.needs_input_grad[0]:
            return None, None, None, None, None
        g = grad_counts.detach().numpy()
        grad = torch.empty_like(p, memory_format=torch.contiguous_format)
        _kernels().soft_grad(p.detach().numpy(), y.numpy(), g[1], g[0], grad.numpy(), ctx.from_logits, ctx.slope)
        return grad, None, None, None, None


def soft_counts_fast(x: torch.Tensor, y: torch.Tensor, *, from_logits: bool, slope: float, offset: float) -> torch.Tensor:
    """Soft counts (3, L) float64 of 2-D CPU float32/float64 ``x`` via the numba kernels.

    A non-contiguous ``x`` is copied once (``.contiguous()``, differentiable); targets are
    converted by :func:`kernel_target`.
    """
    return SoftCounts.apply(x.contiguous(), kernel_target(y, x.dtype), from_logits, slope, offset)
