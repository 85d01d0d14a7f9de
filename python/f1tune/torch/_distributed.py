"""All-reduce of the soft counts across ``torch.distributed`` ranks, with gradients.

Every rank ends with the counts of the global batch, hence the same loss, equal to the loss of
one process on the concatenated batch. The backward is the identity: for ``S = sum_r S_r``,
``dL/dS_r = dL/dS``, so each rank's gradient is exactly its slice of the global-batch gradient.
(``torch.distributed.nn.functional.all_reduce`` instead sums the gradients over ranks, which
would scale every rank's gradient by the world size.)

Under DistributedDataParallel, which averages parameter gradients over ranks, the result is
``1 / world_size`` times the parameter gradient of the global-batch loss; scale the loss by the
world size if the exact global gradient is wanted.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as dist


class _AllReduceSum(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, counts: torch.Tensor) -> torch.Tensor:
        out = counts.detach().clone()
        dist.all_reduce(out, op=dist.ReduceOp.SUM)
        return out

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        return grad


def is_distributed() -> bool:
    """Whether a ``torch.distributed`` process group is initialised."""
    return dist.is_available() and dist.is_initialized()


def all_reduce_counts(counts: torch.Tensor) -> torch.Tensor:
    """Sum ``counts`` over all ranks (identity backward); unchanged when no process group is running."""
    if not is_distributed():
        return counts
    return _AllReduceSum.apply(counts)
