"""One ``update(preds, target)`` batch of the tuned metric: checks, then host arrays for the core.

The core works on CPU arrays, so a GPU batch is copied to the host (both tensors with
``non_blocking=True``, then one wait; a GPU histogram is out of scope). Targets are checked and
narrowed to uint8 on their own device first, which also shrinks the copy. Scores keep their
floating dtype (float16/bfloat16 become float32, exactly).

Logits (``from_logits=True``) become probabilities on the host, after the copy: ``torch.sigmoid``
in float32 (float64 for float64 logits). Doing it on the host makes CPU and GPU batches tune
identically. Tuning then sees exactly ``torch.sigmoid(preds.cpu().float())``: distinct logits
whose float32 probabilities round to the same value (e.g. every logit above about 16.6 gives
1.0) are one score, so the tuned thresholds are probabilities that a deployment applying
``torch.sigmoid(logits) >= thresholds`` in float32 reproduces.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch


class HostBatch(NamedTuple):
    """A checked batch as CPU arrays of shape (n, num_labels): uint8 labels and float32/64 scores.

    ``y_owned``/``s_owned`` say whether an array is a fresh copy (safe to keep as is; otherwise
    it may share memory with the caller's tensor, which callers reuse).
    """

    y: np.ndarray
    s: np.ndarray
    y_owned: bool
    s_owned: bool


def _check_shapes(preds: Any, target: Any, num_labels: int) -> tuple[torch.Tensor, torch.Tensor]:
    for name, t in (("preds", preds), ("target", target)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name}: expected a torch.Tensor, got {type(t).__name__}")
    if not preds.is_floating_point():
        raise TypeError(f"preds: expected a floating-point tensor (probabilities or logits), got dtype {preds.dtype}")
    if target.is_complex():
        raise TypeError(f"target: expected bool, integer or floating-point 0/1 values, got dtype {target.dtype}")
    if preds.shape != target.shape:
        raise ValueError(
            f"preds and target: expected the same shape, got {tuple(preds.shape)} and {tuple(target.shape)}"
        )
    expected = f"(n, {num_labels})" + (" or (n,)" if num_labels == 1 else "")
    if preds.ndim == 1 and num_labels == 1:
        preds, target = preds[:, None], target[:, None]
    if preds.ndim != 2 or preds.shape[1] != num_labels:
        raise ValueError(f"preds: expected shape {expected} (num_labels={num_labels}), got {tuple(preds.shape)}")
    if target.device != preds.device:
        raise ValueError(f"target: expected a tensor on {preds.device} like preds, got {target.device}")
    return preds.detach(), target.detach()


def _labels_uint8(target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Target as uint8 on its device, and a 0-d 'has values other than 0/1' flag (None: bool)."""
    if target.dtype == torch.bool:
        return target.view(torch.uint8), None
    if target.dtype == torch.uint8:
        return target, (target > 1).any()
    return target.to(torch.uint8), ((target != 0) & (target != 1)).any()


def _scores(preds_cpu: torch.Tensor, from_logits: bool) -> torch.Tensor:
    if preds_cpu.dtype not in (torch.float32, torch.float64):
        preds_cpu = preds_cpu.float()  # half precision: exact in float32
    return torch.sigmoid(preds_cpu) if from_logits else preds_cpu


def _check_scores(s: torch.Tensor, from_logits: bool) -> None:
    if s.numel() == 0:
        return
    mn, mx = torch.aminmax(s)  # NaN propagates to both
    if torch.isnan(mn):
        raise ValueError(f"preds: expected {'logits' if from_logits else 'probabilities'} without NaN, got NaN")
    if not from_logits and (mn < 0 or mx > 1):
        raise ValueError(
            f"preds: expected probabilities in [0, 1], got values in [{mn.item():.6g}, {mx.item():.6g}]; "
            "pass from_logits=True for logits"
        )


def host_batch(preds: Any, target: Any, num_labels: int, from_logits: bool) -> HostBatch:
    """Check a batch and return it as host arrays; messages name ``preds`` or ``target``."""
    preds, target = _check_shapes(preds, target, num_labels)
    y, bad_label = _labels_uint8(target)
    y_owned = y.data_ptr() != target.data_ptr() or y.numel() == 0
    x = preds
    if preds.device.type != "cpu":
        cuda = preds.device.type == "cuda"  # elsewhere a non-blocking copy may not be safe to read
        x = preds.to("cpu", non_blocking=cuda)
        y = y.to("cpu", non_blocking=cuda)
        if cuda:
            torch.cuda.current_stream(preds.device).synchronize()  # both copies have landed
        y_owned = True
    if bad_label is not None and bool(bad_label):
        raise ValueError(f"target: expected values in {{0, 1}}, got other values (dtype {target.dtype})")
    s = _scores(x, from_logits)
    _check_scores(s, from_logits)
    s_owned = s.data_ptr() != preds.data_ptr() or s.numel() == 0
    return HostBatch(y.numpy(), s.numpy(), y_owned, s_owned)
