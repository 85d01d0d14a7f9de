"""CPU fast path: soft counts as a ``torch.autograd.Function`` over the fused numba kernels.

Forward: one pass over the batch computes the per-label sums ``S_py, S_p, S_y`` (float64)
and a range check. Backward: one pass writes ``dL/dx[i, j] = g0[j] (1 - y[i, j]) + g1[j] y[i, j]``
(times ``slope * p * (1 - p)`` for logits), g0 and g1 being the gradient at y = 0 and y = 1:
two values that are each well scaled where ``dL/dS_p`` and ``dL/dS_py`` are huge and cancel
(the double soft-F1 near p = 1).
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
from f1tune.torch._formula import FBetaWeights

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


def _negative_counts(counts: np.ndarray, n: int) -> np.ndarray:
    """Negative-class counts ``(TN, S_(1-p), S_(1-y))`` from float64 ``(S_py, S_p, S_y)``.

    ``TN = (n - S_y) - (S_p - S_py)``: exactly 0 for an all-positive label (``S_py = S_p``) and
    exactly ``n - S_p`` for an all-negative one.
    """
    s_py, s_p, s_y = counts
    s_ny = n - s_y
    return np.stack([s_ny - (s_p - s_py), n - s_p, s_ny])


class SoftCounts(torch.autograd.Function):
    """``(x, y) -> counts``, float64 of shape (3, L), or (6, L) with the negative class (``double``).

    Rows: ``S_py, S_p, S_y`` and with ``double`` ``TN, S_(1-p), S_(1-y)``. The backward folds
    the rows' gradients into the gradient at y = 0 and at y = 1 per label (no huge slopes added).
    ``x`` and ``y`` are C-contiguous 2-D CPU tensors.
    """

    @staticmethod
    def forward(
        ctx: Any, x: torch.Tensor, y: torch.Tensor, double: bool, from_logits: bool, slope: float, offset: float
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
        if double:
            counts = np.concatenate([counts, _negative_counts(counts, x.shape[0])])
        ctx.save_for_backward(p, y)
        ctx.from_logits, ctx.slope = from_logits, slope
        return torch.from_numpy(counts)

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad_counts: torch.Tensor) -> tuple[Any, ...]:
        p, y = ctx.saved_tensors
        if not ctx.needs_input_grad[0]:
            return None, None, None, None, None, None
        g = grad_counts.detach().numpy()
        # dp: S_p +1, S_py +y; with double, S_(1-p) -1 and TN -(1-y).
        g0, g1 = g[1].copy(), g[1] + g[0]
        if g.shape[0] == 6:
            g0 -= g[4] + g[3]
            g1 -= g[4]
        grad = torch.empty_like(p, memory_format=torch.contiguous_format)
        _kernels().soft_grad(p.detach().numpy(), y.numpy(), g0, g1, grad.numpy(), ctx.from_logits, ctx.slope)
        return grad, None, None, None, None, None


def soft_counts_fast(
    x: torch.Tensor, y: torch.Tensor, *, double: bool, from_logits: bool, slope: float, offset: float
) -> torch.Tensor:
    """Soft counts (3, L) or, with ``double``, (6, L), float64, of 2-D CPU float32/float64 ``x`` via the numba kernels.

    A non-contiguous ``x`` is copied once (``.contiguous()``, differentiable); targets are
    converted by :func:`kernel_target`.
    """
    return SoftCounts.apply(x.contiguous(), kernel_target(y, x.dtype), double, from_logits, slope, offset)


def loss_and_grads(
    counts: np.ndarray, *, weights: FBetaWeights, average: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-label losses and their gradients wrt one probability at ``y = 0`` and at ``y = 1``, float64 NumPy.

    The formula of :func:`f1tune.torch.losses.loss_from_counts`, differentiated by hand. With
    ``D = k_y S_y + k_p S_p + k_e`` and ``F = k_c S_py / D`` (see :mod:`f1tune.torch._formula`),
    ``dF/dp = (k_c y - k_p F) / D``, so ``dL/dp`` is ``k_p F / D`` at y = 0 and
    ``(k_p F - k_c) / D`` at y = 1. The negative class (``TN``, ``S_(1-p)``, ``S_(1-y)``,
    ``D-``, ``F-`` alike) gives ``(k_c - k_p F-) / D-`` and ``-k_p F- / D-``. ``counts`` has 3
    rows, or 6 with the negative class (double soft-F-beta, see :class:`SoftCounts`). Micro sums
    the counts over labels first (one "label").
    """
    if average == "micro":
        counts = counts.sum(axis=1, keepdims=True)
    k_c, k_y, k_p, k_e = weights
    s_py, s_p, s_y = counts[0], counts[1], counts[2]
    d = k_y * s_y + k_p * s_p + k_e
    f = k_c * s_py / d
    g0, g1 = k_p * f / d, (k_p * f - k_c) / d
    if counts.shape[0] == 6:
        tn, s_q, s_ny = counts[3], counts[4], counts[5]
        dn = k_y * s_ny + k_p * s_q + k_e
        fn = k_c * tn / dn
        f = 0.5 * (f + fn)
        g0 = 0.5 * (g0 + (k_c - k_p * fn) / dn)
        g1 = 0.5 * (g1 - k_p * fn / dn)
    return 1.0 - f, g0, g1


class SoftFBetaFused(torch.autograd.Function):
    """Whole loss in one Function: kernel counts, float64 NumPy loss and gradients, one gradient pass.

    Used on the CPU fast path when no all-reduce is needed; skips the autograd graph of small
    torch ops that :class:`SoftCounts` + :func:`~f1tune.torch.losses.loss_from_counts` build.
    """

    @staticmethod
    def forward(
        ctx: Any,
        x: torch.Tensor,
        y: torch.Tensor,
        weights: FBetaWeights,
        average: str,
        double: bool,
        from_logits: bool,
        slope: float,
        offset: float,
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
        if double:
            counts = np.concatenate([counts, _negative_counts(counts, x.shape[0])])
        losses, g0, g1 = loss_and_grads(counts, weights=weights, average=average)
        ctx.save_for_backward(p, y)
        ctx.g0, ctx.g1, ctx.from_logits, ctx.slope, ctx.reduction = g0, g1, from_logits, slope, reduction
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
        nones = (None,) * 8
        if not ctx.needs_input_grad[0]:
            return (None, *nones)
        p, y = ctx.saved_tensors
        g = grad_out.detach().double().numpy()
        if ctx.reduction == "mean":
            g = g / ctx.g0.shape[0]  # scalar weight, 1/L (1 for micro)
        g0, g1 = ctx.g0 * g, ctx.g1 * g  # (L,) or (1,) for micro
        n_labels = p.shape[1]
        if g0.shape[0] != n_labels:  # micro: the same values for every label
            g0, g1 = np.full(n_labels, g0[0]), np.full(n_labels, g1[0])
        grad = torch.empty_like(p, memory_format=torch.contiguous_format)
        _kernels().soft_grad(p.detach().numpy(), y.numpy(), g0, g1, grad.numpy(), ctx.from_logits, ctx.slope)
        return (grad, *nones)


def soft_fbeta_fast(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    weights: FBetaWeights,
    average: str,
    double: bool,
    from_logits: bool,
    slope: float,
    offset: float,
    reduction: str,
) -> torch.Tensor:
    """Compute the whole loss on the fused CPU path (2-D float32/float64 ``x``); see :class:`SoftFBetaFused`."""
    return SoftFBetaFused.apply(
        x.contiguous(), kernel_target(y, x.dtype), weights, average, double, from_logits, slope, offset, reduction
    )
