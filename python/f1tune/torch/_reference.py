"""Plain-PyTorch soft F-beta: the device/dtype fallback counts and the textbook reference formula.

:func:`soft_counts_torch` computes the same soft counts as the numba kernels with torch ops, so
it runs on any device and dtype (CUDA, float16, bfloat16) and autograd differentiates it.
:func:`soft_fbeta_loss_reference` is the loss written the textbook way (TP, FP, FN, TN as
separate sums); tests and benchmarks use it as the oracle and the "plain torch" baseline.
"""

from __future__ import annotations

import torch

_HALF = (torch.float16, torch.bfloat16)


def counts_dtype(dtype: torch.dtype) -> torch.dtype:
    """Dtype of the soft counts for scores of ``dtype``: float64 stays, anything else sums in float32."""
    return torch.float64 if dtype == torch.float64 else torch.float32


def probabilities(x: torch.Tensor, from_logits: bool, slope: float, offset: float) -> torch.Tensor:
    """``sigmoid(slope * (x + offset))`` for logits (stable: ``torch.sigmoid``), ``x`` otherwise."""
    if not from_logits:
        return x
    if offset != 0.0:
        x = x + offset
    if slope != 1.0:
        x = x * slope
    return torch.sigmoid(x)


def soft_counts_torch(
    x: torch.Tensor, y: torch.Tensor, *, double: bool, from_logits: bool, slope: float, offset: float
) -> torch.Tensor:
    """Soft counts per label, shape (3, L) or (6, L) with ``double``, differentiable, any device.

    Rows: ``S_py, S_p, S_y`` and, for ``double``, ``S_(1-p)(1-y), S_(1-p), S_(1-y)`` computed
    directly (not as ``n - ...``) so float32 sums keep their precision on near-saturated labels.
    float16/bfloat16 input is computed in float32: a half sum overflows above 65504, and a
    gradient coefficient of a label without positives (up to ``1 / eps``) would overflow to inf
    and turn into NaN when multiplied by a zero target. The gradient is cast back to the input's
    dtype by autograd.
    """
    if x.dtype in _HALF:
        x = x.float()
    p = probabilities(x, from_logits, slope, offset)
    y = y.to(p.dtype)
    acc = counts_dtype(p.dtype)
    rows = [(p * y).sum(0, dtype=acc), p.sum(0, dtype=acc), y.sum(0, dtype=acc)]
    if double:
        q, ny = 1.0 - p, 1.0 - y
        rows += [(q * ny).sum(0, dtype=acc), q.sum(0, dtype=acc), ny.sum(0, dtype=acc)]
    return torch.stack(rows)


def soft_fbeta_loss_reference(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    beta: float = 1.0,
    average: str = "macro",
    double: bool = False,
    from_logits: bool = False,
    slope: float = 1.0,
    offset: float = 0.0,
    eps: float = 1e-16,
    reduction: str = "mean",
) -> torch.Tensor:
    """Textbook soft F-beta loss, no argument checks: ``1 - (1+b²)TP / ((1+b²)TP + b²FN + FP + eps)``.

    Same conventions as :func:`f1tune.torch.soft_fbeta_loss` (input of shape (n, L) or (n,)).
    """
    p = probabilities(input, from_logits, slope, offset)
    y = target.to(p.dtype)
    dims = (0,) if average == "macro" else tuple(range(p.ndim))
    b2 = beta * beta

    def fbeta(tp: torch.Tensor, fp: torch.Tensor, fn: torch.Tensor) -> torch.Tensor:
        return (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp + eps)

    tp = (p * y).sum(dims)
    fp = (p * (1 - y)).sum(dims)
    fn = ((1 - p) * y).sum(dims)
    f = fbeta(tp, fp, fn)
    if double:
        tn = ((1 - p) * (1 - y)).sum(dims)
        f = (f + fbeta(tn, fn, fp)) / 2  # negative class: TN for TP, FP and FN swapped
    loss = 1 - f
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
