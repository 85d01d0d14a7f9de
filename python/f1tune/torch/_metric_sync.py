"""Collectives of the tuned metric over ``torch.distributed``: reduce histograms, gather candidates.

Every rank calls these in the same order with the same group (a rank without samples too), and
gets the same result: the histograms of all ranks' rows, and every rank's candidate elements in
rank order. Only the elements inside the candidate buckets travel, never all samples:

1. the per-label element counts of every rank (``all_gather`` of ``n_labels`` int64),
2. every rank's keys and labels packed as bytes, padded to the largest rank (``all_gather``),
   then trimmed and split per label.

Tensors travel on the device the backend needs (CUDA for NCCL, the CPU otherwise).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.distributed as dist

from f1tune._tuner_steps import CandidateGather
from f1tune.torch._tuner_histograms import Histograms


def world_size(group: Any = None) -> int:
    """Ranks in ``group`` (1 when no process group is initialised)."""
    if not (dist.is_available() and dist.is_initialized()):
        return 1
    return dist.get_world_size(group)


def _device(group: Any) -> torch.device:
    if dist.get_backend(group) == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def all_reduce_histograms(hist: Histograms, group: Any = None) -> Histograms:
    """Sum the counts and take the min of the extremes over the ranks of ``group`` (new tensors)."""
    if world_size(group) == 1:
        return hist
    device = _device(group)
    counts = hist.counts.to(device, copy=True)
    extremes = hist.extremes.to(device, copy=True)
    dist.all_reduce(counts, op=dist.ReduceOp.SUM, group=group)
    dist.all_reduce(extremes, op=dist.ReduceOp.MIN, group=group)
    return Histograms(counts.cpu(), extremes.cpu())


def _pack(local: CandidateGather) -> tuple[np.ndarray, np.ndarray]:
    """Per-label element counts (int64) and the elements as bytes: all keys, then all labels."""
    keys, labels, offsets = local.flat()
    payload = np.concatenate([keys.view(np.uint8), labels.view(np.uint8)])
    return np.diff(offsets), payload


def _unpack(payload: np.ndarray, counts: np.ndarray, key_dtype: np.dtype) -> tuple[list, list]:
    n = int(counts.sum())
    width = key_dtype.itemsize
    keys = payload[: n * width].view(key_dtype)
    labels = payload[n * width : n * (width + 1)]
    cuts = np.cumsum(counts)[:-1]
    return np.split(keys, cuts), np.split(labels, cuts)


def all_gather_candidates(local: CandidateGather, group: Any = None) -> CandidateGather:
    """Every rank's gathered elements for the same ranges, concatenated in rank order, on every rank."""
    size = world_size(group)
    if size == 1:
        return local
    device = _device(group)
    counts, payload = _pack(local)
    all_counts = [torch.empty(counts.size, dtype=torch.int64, device=device) for _ in range(size)]
    dist.all_gather(all_counts, torch.from_numpy(counts).to(device), group=group)
    per_rank = [c.cpu().numpy() for c in all_counts]
    key_dtype = local.ranges.key_dtype
    longest = max(int(c.sum()) for c in per_rank) * (key_dtype.itemsize + 1)
    if longest == 0:
        return local
    padded = torch.zeros(longest, dtype=torch.uint8, device=device)
    padded[: payload.size] = torch.from_numpy(payload).to(device)
    received = [torch.empty(longest, dtype=torch.uint8, device=device) for _ in range(size)]
    dist.all_gather(received, padded, group=group)
    n_labels = local.ranges.n_labels
    keys: list[list[np.ndarray]] = [[] for _ in range(n_labels)]
    labels: list[list[np.ndarray]] = [[] for _ in range(n_labels)]
    for c, buf in zip(per_rank, received):
        k, y = _unpack(buf.cpu().numpy(), c, key_dtype)
        for label in range(n_labels):
            keys[label].append(k[label])
            labels[label].append(y[label])
    return CandidateGather(local.ranges, [np.concatenate(k) for k in keys], [np.concatenate(y) for y in labels])
