"""sync_dist=True across 2 processes (gloo, loopback) equals one process on the concatenated batch."""

from __future__ import annotations

import os

import pytest
import torch
import torch.distributed as dist

from _gloo import loopback_group, spawn_ranks

if not dist.is_available():  # pragma: no cover
    pytest.skip("torch.distributed is not available", allow_module_level=True)

N_ROWS, N_LABELS, SPLIT = 33, 5, 13  # uneven shards: rank 0 gets 13 rows, rank 1 gets 20

CASES = [
    dict(),
    dict(average="micro"),
    dict(double=True, reduction="none"),
    dict(beta=2.0, from_logits=True, double=True, slope=1.5, offset=0.2),
    dict(beta=0.5, average="micro", double=True, from_logits=True),
]
PATHS = [("numba", torch.float64), ("numba", torch.float32), ("torch", torch.float64)]


def _global_batch(dtype, logits):
    g = torch.Generator().manual_seed(7)
    x = (
        2 * torch.randn(N_ROWS, N_LABELS, generator=g, dtype=torch.float64)
        if logits
        else torch.rand(N_ROWS, N_LABELS, generator=g, dtype=torch.float64)
    )
    y = torch.rand(N_ROWS, N_LABELS, generator=g) < 0.4
    y[:, 0] = False  # a label without positives anywhere
    return x.to(dtype), y


def _losses_and_grads(rows, sync_dist):
    """Loss and input gradient for every (path, case) on ``rows`` of the global batch."""
    from f1tune.torch import _autograd, soft_fbeta_loss

    fast = _autograd.fast_path_applies
    out = []
    for path, dtype in PATHS:
        _autograd.fast_path_applies = fast if path == "numba" else (lambda x, y: False)
        for kw in CASES:
            x, y = _global_batch(dtype, kw.get("from_logits", False))
            x = x[rows].clone().requires_grad_(True)
            loss = soft_fbeta_loss(x, y[rows], sync_dist=sync_dist, **kw)
            loss.sum().backward()
            out.append((loss.detach(), x.grad))
    _autograd.fast_path_applies = fast
    return out


def _worker(rank, port, result_dir):
    with loopback_group(rank, port, world_size=2):
        rows = slice(0, SPLIT) if rank == 0 else slice(SPLIT, N_ROWS)
        torch.save(_losses_and_grads(rows, sync_dist=True), os.path.join(result_dir, f"rank{rank}.pt"))


def test_two_ranks_equal_one_process_on_the_global_batch(tmp_path):
    spawn_ranks(_worker, 2, tmp_path)
    ranks = [torch.load(tmp_path / f"rank{r}.pt") for r in (0, 1)]
    single = _losses_and_grads(slice(None), sync_dist=False)
    for i, (loss, grad) in enumerate(single):
        tol = dict(rtol=1e-5, atol=1e-7) if loss.dtype == torch.float32 else dict(rtol=1e-12, atol=1e-14)
        for r, rows in ((0, slice(0, SPLIT)), (1, slice(SPLIT, N_ROWS))):
            r_loss, r_grad = ranks[r][i]
            torch.testing.assert_close(r_loss, loss, **tol, msg=f"case {i}, rank {r}: loss")
            torch.testing.assert_close(r_grad, grad[rows], **tol, msg=f"case {i}, rank {r}: gradient")
