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
    def forward(
        ctx: Any, x: torch.Tensor, y: torch.Tensor, from_logits: bool, slope: float, offset: float
    ) -> torch.Tensor:
        k = _kernels()
        p = torch.empty_like(x) if from_logits else x  # logits: the kernel stores p for backward
        counts, violation = k.soft_counts(
            x.detach().numpy(),
            y.detach().numpy(),
            from_logits,
            slope,
            offset,
            p.detach().numpy() if from_logits else None,
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


def soft_counts_fast(
    x: torch.Tensor, y: torch.Tensor, *, from_logits: bool, slope: float, offset: float
) -> torch.Tensor:
    """Soft counts (3, L) float64 of 2-D CPU float32/float64 ``x`` via the numba kernels.

    A non-contiguous ``x`` is copied once (``.contiguous()``, differentiable); targets are
    converted by :func:`kernel_target`.
    """
    return SoftCounts.apply(x.contiguous(), kernel_target(y, x.dtype), from_logits, slope, offset)


def loss_and_slopes(
    counts: np.ndarray, n: int, *, beta: float, average: str, double: bool, eps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-label losses and their derivatives wrt ``S_p`` and ``S_py``, in float64 NumPy.

    The same formula as :func:`f1tune.torch.losses.loss_from_counts`, differentiated by hand:
    with ``D = b²S_y + S_p + eps`` and ``F = (1+b²)S_py / D``, ``dF/dS_py = (1+b²)/D`` and
    ``dF/dS_p = -F/D``; the negative class (``TN = n - S_p - S_y + S_py``,
    ``D- = b²(n - S_y) + (n - S_p) + eps``) gives ``dF-/dS_py = (1+b²)/D-`` and
    ``dF-/dS_p = (F- - (1+b²))/D-``. Micro sums the counts over labels first (one "label").
    """
    s_py, s_p, s_y = counts
    if average == "micro":
        s_py, s_p, s_y = s_py.sum(keepdims=True), s_p.sum(keepdims=True), s_y.sum(keepdims=True)
        n = n * counts.shape[1]
    b2 = beta * beta
    c = 1.0 + b2
    d = b2 * s_y + s_p + eps
    f = c * s_py / d
    df_py, df_p = c / d, -f / d
    if double:
        tn = n - s_p - s_y + s_py
        dn = b2 * (n - s_y) + (n - s_p) + eps
        fn = c * tn / dn
        f = 0.5 * (f + fn)
        df_py = 0.5 * (df_py + c / dn)
        df_p = 0.5 * (df_p + (fn - c) / dn)
    return 1.0 - f, -df_p, -df_py


class SoftFBetaFused(torch.autograd.Function):
    """Whole loss in one Function: kernel counts, float64 NumPy loss and slopes, one gradient pass.

    Used on the CPU fast path when no all-reduce is needed; skips the autograd graph of small
    torch ops that :class:`SoftCounts` + :func:`~f1tune.torch.losses.loss_from_counts` build.
    """

    @staticmethod
    def forward(
        ctx: Any,
        x: torch.Tensor,
        y: torch.Tensor,
        beta: float,
        average: str,
        double: bool,
        from_logits: bool,
        slope: float,
        offset: float,
        eps: float,
        reduction: str,
    ) -> torch.Tensor:
        k = _kernels()
        p = torch.empty_like(x) if from_logits else x
        counts, violation = k.soft_counts(
            x.detach().numpy(),
            y.detach().numpy(),
            from_logits,
            slope,
            offset,
            p.detach().numpy() if from_logits else None,
        )
        if violation > 0.0 or not np.isfinite(counts).all():
            diagnose_values(x, y, from_logits)
        losses, d_sp, d_spy = loss_and_slopes(counts, x.shape[0], beta=beta, average=average, double=double, eps=eps)
        ctx.save_for_backward(p, y)
        ctx.d_sp, ctx.d_spy, ctx.from_logits, ctx.slope, ctx.reduction = d_sp, d_spy, from_logits, slope, reduction
        if reduction == "mean":
            out = losses.mean()
        elif reduction == "sum":
            out = losses.sum()
        else:
            out = losses if average == "macro" else losses[0]
        return torch.tensor(out, dtype=x.dtype)

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad_out: torch.Tensor) -> tuple[Any, ...]:
        nones = (None,) * 9
        if not ctx.needs_input_grad[0]:
            return (None, *nones)
        p, y = ctx.saved_tensors
        g = grad_out.detach().double().numpy()
        if ctx.reduction == "mean":
            g = g / ctx.d_sp.shape[0]  # scalar weight, 1/L (1 for micro)
        d_sp, d_spy = ctx.d_sp * g, ctx.d_spy * g  # (L,) or (1,) for micro
        n_labels = p.shape[1]
        if d_sp.shape[0] != n_labels:  # micro: the same slope for every label
            d_sp, d_spy = np.full(n_labels, d_sp[0]), np.full(n_labels, d_spy[0])
        grad = torch.empty_like(p, memory_format=torch.contiguous_format)
        _kernels().soft_grad(p.detach().numpy(), y.numpy(), d_sp, d_spy, grad.numpy(), ctx.from_logits, ctx.slope)
        return (grad, *nones)


def soft_fbeta_fast(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    beta: float,
    average: str,
    double: bool,
    from_logits: bool,
    slope: float,
    offset: float,
    eps: float,
    reduction: str,
) -> torch.Tensor:
    """Compute the whole loss on the fused CPU path (2-D float32/float64 ``x``); see :class:`SoftFBetaFused`."""
    return SoftFBetaFused.apply(
        x.contiguous(), kernel_target(y, x.dtype), beta, average, double, from_logits, slope, offset, eps, reduction
    )
