"""Soft F-beta losses (functional API): counts, all-reduce, average, reduce.

The chain for one call: argument checks -> soft counts per label (numba kernels on CPU
float32/float64, torch ops elsewhere) -> optional all-reduce across ranks -> F-beta per label or
micro -> ``1 - F`` -> reduction. On the CPU fast path without all-reduce the steps after the
counts run in float64 NumPy inside one autograd.Function with a hand-written backward
(:class:`f1tune.torch._autograd.SoftFBetaFused`), which saves the overhead of a dozen tiny
torch ops and their autograd graph.

Definitions (per label j, sums over the batch i; ``b = beta``)::

    S_py = sum p*y,  S_p = sum p,  S_y = sum y                 (TP = S_py)
    F+   = (1 + b²) S_py / (b² S_y + S_p + eps)               since (1+b²)TP + b²FN + FP = b²S_y + S_p
    F-   = same with 1-p, 1-y: (1 + b²) TN / (b² (n - S_y) + (n - S_p) + eps)
    loss = 1 - F+          or, double=True:  1 - (F+ + F-) / 2

``eps`` sits in the denominator only, exactly as in the textbook formula
``(1+b²)TP / ((1+b²)TP + b²FN + FP + eps)``: a label with no positives and all probabilities 0
has F = 0 (loss 1) and a zero, finite gradient.
"""

from __future__ import annotations

import torch

from f1tune.torch import _autograd, _reference
from f1tune.torch._checks import check_options, check_tensors, check_values_torch
from f1tune.torch._distributed import all_reduce_counts, is_distributed
from f1tune.torch._formula import FBetaWeights, fbeta_weights

# CPU fast path without all-reduce: one fused autograd.Function (tests switch it off to cover
# the counts-then-torch-ops composition that sync_dist uses).
FUSED = True


def _counts(
    x: torch.Tensor, y: torch.Tensor, *, double: bool, from_logits: bool, slope: float, offset: float
) -> torch.Tensor:
    """Soft counts of shape (3, L), or (6, L) with ``double``; see :mod:`f1tune.torch._reference`."""
    if _autograd.fast_path_applies(x, y):
        return _autograd.soft_counts_fast(x, y, double=double, from_logits=from_logits, slope=slope, offset=offset)
    c = _reference.soft_counts_torch(x, y, double=double, from_logits=from_logits, slope=slope, offset=offset)
    check_values_torch(x, y, c, from_logits)
    return c


def _fbeta(tp: torch.Tensor, pred: torch.Tensor, pos: torch.Tensor, k: FBetaWeights) -> torch.Tensor:
    return k.k_c * tp / (k.k_y * pos + k.k_p * pred + k.k_e)


def loss_from_counts(counts: torch.Tensor, *, weights: FBetaWeights, average: str, reduction: str) -> torch.Tensor:
    """Loss from soft counts (3 or 6 rows, L columns); ``reduction='none'`` gives shape (L,) or () for micro."""
    if average == "micro":
        counts = counts.sum(1)
    f = _fbeta(counts[0], counts[1], counts[2], weights)
    if counts.shape[0] == 6:
        f = 0.5 * (f + _fbeta(counts[3], counts[4], counts[5], weights))
    loss = 1.0 - f
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def soft_fbeta_loss(
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
    sync_dist: bool = False,
) -> torch.Tensor:
    """Differentiable soft F-beta loss, ``1 - soft F-beta``, for multi-label training.

    TP, FP and FN are counted with probabilities instead of 0/1 predictions, summed over the
    batch: ``TP = Σ p·y``, ``FP = Σ p·(1-y)``, ``FN = Σ (1-p)·y`` per label, and
    ``F = (1+β²)TP / ((1+β²)TP + β²FN + FP + eps)``. No threshold is involved; at evaluation
    time a label is predicted positive iff ``y_score >= threshold``.

    Parameters
    ----------
    input : torch.Tensor of shape (n_samples, n_labels) or (n_samples,)
        Probabilities in [0, 1], or logits with ``from_logits=True``. Any floating dtype and
        device; float32/float64 CPU tensors use fused numba kernels, others plain torch ops.
    target : torch.Tensor of the same shape
        Targets in [0, 1] (0/1 labels or soft labels): bool, integer or floating. Bool and
        uint8 targets are read as they are; other dtypes are converted once to ``input``'s.
    beta : float, default=1.0
        Weight of recall: β > 1 favours recall, β < 1 precision. At most
        ``sqrt(eps / 1.18e-38)`` (9.2e10 for the default ``eps``): beyond, ``eps / β²``, the
        denominator's floor once it is divided by ``β²``, would underflow float32.
    average : {"macro", "micro"}, default="macro"
        ``"macro"``: one soft F-beta per label (sums over the batch), loss ``1 - F`` per label.
        ``"micro"``: counts summed over labels too, one soft F-beta.
    double : bool, default=False
        Average the soft F-beta of the positive class and of the negative class (TN in place of
        TP, FP and FN swapped): the "double soft-F1", which does not push uninformative labels
        to "always positive".
    from_logits : bool, default=False
        ``input`` holds logits z; ``p = sigmoid(slope * (z + offset))`` is computed inside,
        numerically stable (the "sigmoidF1" variant when slope/offset are set).
    slope, offset : float, default=1.0, 0.0
        Sigmoid slope and offset; only with ``from_logits=True``. Within the float32 range
        (magnitude at most 3.4e38).
    eps : float, default=1e-16
        Added to each F-beta denominator (at least 1.18e-38, the smallest normal float32);
        keeps the loss and gradient finite when a label has no positives and all
        probabilities are 0, in every dtype (float16 and bfloat16 included).
    reduction : {"mean", "sum", "none"}, default="mean"
        Mean or sum of the per-label losses, or the per-label losses of shape (n_labels,).
        With ``average="micro"`` or 1-D input there is one loss and "none" returns shape ().
    sync_dist : bool, default=False
        All-reduce the soft counts over the ``torch.distributed`` process group, so every rank's
        loss is the loss of the global batch and its gradient that of its own slice. Without an
        initialised process group this is a no-op.

    Returns
    -------
    torch.Tensor
        Scalar loss (or per-label losses), of ``input``'s dtype; float32 for float16/bfloat16.

    Raises
    ------
    TypeError, ValueError
        Bad options (``double``, ``from_logits`` and ``sync_dist`` must be bools); tensors of different shapes or devices; targets outside [0, 1];
        probabilities outside [0, 1] (without ``from_logits``); NaN in either tensor.

    Notes
    -----
    CPU float32/float64 input runs fused numba kernels: one parallel pass for the forward (the
    counts, with the value checks folded in) and one for the backward; the counts accumulate in
    float64. Contiguous tensors are read in place; a non-contiguous input or target is copied
    once. Bool and uint8 targets are read as bytes (the fastest); other target dtypes are
    converted to ``input``'s dtype first (one extra pass). Other devices and dtypes use torch
    ops in float32 at least (the value checks then cost one host sync per call). The loss is
    safe to call from several Python threads at once.

    With ``sync_dist=True`` each rank's gradient is the slice of the global-batch gradient
    for its own rows; DistributedDataParallel then averages parameter gradients over ranks,
    giving ``1 / world_size`` times the global-batch gradient (scale the loss by the world size
    for the exact one).

    Examples
    --------
    >>> import torch
    >>> from f1tune.torch import soft_fbeta_loss
    >>> p = torch.tensor([[0.9, 0.2], [0.1, 0.8], [0.7, 0.6]], requires_grad=True)
    >>> y = torch.tensor([[1, 0], [0, 1], [1, 1]])
    >>> loss = soft_fbeta_loss(p, y)
    >>> round(loss.item(), 4)
    0.1787
    >>> loss.backward()
    >>> p.grad.shape
    torch.Size([3, 2])
    """
    opts = check_options(
        beta=beta,
        average=average,
        double=double,
        from_logits=from_logits,
        slope=slope,
        offset=offset,
        eps=eps,
        reduction=reduction,
        sync_dist=sync_dist,
    )
    weights = fbeta_weights(opts.beta, opts.eps)
    x, y, one_label = check_tensors(input, target)
    if FUSED and not (opts.sync_dist and is_distributed()) and _autograd.fast_path_applies(x, y):
        loss = _autograd.soft_fbeta_fast(
            x,
            y,
            weights=weights,
            average=average,
            double=opts.double,
            from_logits=opts.from_logits,
            slope=opts.slope,
            offset=opts.offset,
            reduction=reduction,
        )
        return loss[0] if one_label and loss.ndim == 1 else loss
    counts = _counts(x, y, double=opts.double, from_logits=opts.from_logits, slope=opts.slope, offset=opts.offset)
    if opts.sync_dist:
        counts = all_reduce_counts(counts)
    loss = loss_from_counts(counts, weights=weights, average=average, reduction=reduction)
    if one_label and loss.ndim == 1:
        loss = loss[0]
    return loss.to(
        _reference.counts_dtype(input.dtype) if input.dtype not in (torch.float32, torch.float64) else input.dtype
    )


def soft_f1_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    average: str = "macro",
    double: bool = False,
    from_logits: bool = False,
    slope: float = 1.0,
    offset: float = 0.0,
    eps: float = 1e-16,
    reduction: str = "mean",
    sync_dist: bool = False,
) -> torch.Tensor:
    """Soft F1 loss, ``1 - 2TP / (2TP + FP + FN + eps)``: :func:`soft_fbeta_loss` with ``beta=1``.

    Parameters and return value as in :func:`soft_fbeta_loss`.

    Examples
    --------
    >>> import torch
    >>> from f1tune.torch import soft_f1_loss
    >>> z = torch.tensor([[2.0, -1.0], [-3.0, 0.5]], requires_grad=True)
    >>> y = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> loss = soft_f1_loss(z, y, from_logits=True, double=True)
    >>> loss.backward()
    >>> bool(loss < 0.5), z.grad.shape
    (True, torch.Size([2, 2]))
    """
    return soft_fbeta_loss(
        input,
        target,
        beta=1.0,
        average=average,
        double=double,
        from_logits=from_logits,
        slope=slope,
        offset=offset,
        eps=eps,
        reduction=reduction,
        sync_dist=sync_dist,
    )
