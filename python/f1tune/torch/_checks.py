"""Argument and value checks for the soft F-beta losses.

Messages follow f1tune's style: ``"<argument>: expected ..., got ..."``. Value problems (NaN,
values outside [0, 1]) are detected cheaply during the counting pass — NaN poisons the sums,
the numba kernel accumulates a range-violation measure, the torch path takes one min/max — and
only then does :func:`diagnose_values` look closer to say exactly what is wrong.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, NamedTuple

import numpy as np
import torch

AVERAGES = ("macro", "micro")
REDUCTIONS = ("mean", "sum", "none")


# The counts are float32 on the torch path for float32/half input: the floors and limits below
# keep every denominator a normal float32 and every sigmoid argument representable there.
FLOAT32_TINY = float(np.finfo(np.float32).tiny)  # 1.18e-38, the smallest normal float32
FLOAT32_MAX = float(np.finfo(np.float32).max)  # 3.40e38


class LossOptions(NamedTuple):
    """The loss options after checking: floats and bools."""

    beta: float
    eps: float
    slope: float
    offset: float
    double: bool
    from_logits: bool
    sync_dist: bool


def _finite_number(value: Any, name: str, *, positive: bool = False, nonzero: bool = False) -> float:
    what = "a finite number" + (" > 0" if positive else " != 0" if nonzero else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected {what}, got {type(value).__name__}")
    v = float(value)
    if not math.isfinite(v) or (positive and v <= 0) or (nonzero and v == 0):
        raise ValueError(f"{name}: expected {what}, got {value!r}")
    return v


def _at_most(value: float, name: str, limit: float, why: str) -> float:
    if abs(value) > limit:
        raise ValueError(f"{name}: expected a magnitude <= {limit:.6g} ({why}), got {value!r}")
    return value


def _flag(value: Any, name: str) -> bool:
    """Return ``value`` as a bool if it is one (Python or NumPy); reject anything else, strings like ``"no"`` too."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected a bool (True or False), got {type(value).__name__} {value!r}")
    return bool(value)


def check_options(
    *,
    beta: Any,
    average: Any,
    double: Any,
    from_logits: Any,
    slope: Any,
    offset: Any,
    eps: Any,
    reduction: Any,
    sync_dist: Any,
) -> LossOptions:
    """Check the scalar options of the loss; return them as floats and bools."""
    beta = _finite_number(beta, "beta", positive=True)
    eps = _finite_number(eps, "eps", positive=True)
    if eps < FLOAT32_TINY:
        raise ValueError(f"eps: expected a finite number >= {FLOAT32_TINY:.6g} (a normal float32), got {eps!r}")
    if beta > 1.0 and (eps / beta) / beta < FLOAT32_TINY:  # the scaled denominator floor, see _formula
        limit = math.sqrt(eps / FLOAT32_TINY)
        raise ValueError(
            f"beta: expected a finite number > 0 with eps / beta**2 >= {FLOAT32_TINY:.6g} "
            f"(beta <= {limit:.6g} for eps={eps!r}), got {beta!r}"
        )
    slope = _at_most(_finite_number(slope, "slope", nonzero=True), "slope", FLOAT32_MAX, "float32 range")
    offset = _at_most(_finite_number(offset, "offset"), "offset", FLOAT32_MAX, "float32 range")
    double_, from_logits_, sync_dist_ = (
        _flag(double, "double"),
        _flag(from_logits, "from_logits"),
        _flag(sync_dist, "sync_dist"),
    )
    if average not in AVERAGES:
        raise ValueError(f"average: expected 'macro' or 'micro', got {average!r}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction: expected 'mean', 'sum' or 'none', got {reduction!r}")
    if not from_logits_ and (slope != 1.0 or offset != 0.0):
        raise ValueError(
            f"slope and offset: expected the defaults (1, 0) unless from_logits=True, got slope={slope}, offset={offset}"
        )
    return LossOptions(beta, eps, slope, offset, double_, from_logits_, sync_dist_)


def check_tensors(input: Any, target: Any) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """Check the pair and return 2-D views of shape (n, L), and whether the input was 1-D (one label)."""
    for name, t in (("input", input), ("target", target)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name}: expected a torch.Tensor, got {type(t).__name__}")
    if not input.is_floating_point():
        raise TypeError(f"input: expected a floating-point tensor (probabilities or logits), got dtype {input.dtype}")
    if target.is_complex():
        raise TypeError(f"target: expected bool, integer or floating-point values in [0, 1], got dtype {target.dtype}")
    if input.shape != target.shape:
        raise ValueError(
            f"input and target: expected the same shape, got {tuple(input.shape)} and {tuple(target.shape)}"
        )
    if input.ndim not in (1, 2):
        raise ValueError(
            f"input: expected shape (n_samples,) or (n_samples, n_labels), got {input.ndim}-D shape {tuple(input.shape)}"
        )
    if input.numel() == 0:
        raise ValueError(f"input: expected a non-empty batch, got shape {tuple(input.shape)}")
    if target.device != input.device:
        raise ValueError(f"target: expected a tensor on {input.device} like input, got {target.device}")
    one_label = input.ndim == 1
    if one_label:
        input, target = input[:, None], target[:, None]
    return input, target, one_label


def _range(t: torch.Tensor) -> str:
    mn, mx = torch.aminmax(t.detach().double())
    return f"min {mn.item():.6g}, max {mx.item():.6g}"


def diagnose_values(x: torch.Tensor, y: torch.Tensor, from_logits: bool) -> None:
    """Raise a ``ValueError`` naming the bad values in ``x`` or ``y`` (error path only; full passes)."""
    x, y = x.detach(), y.detach()
    if y.dtype == torch.bool:
        y = y.view(torch.uint8)
    if y.is_floating_point() and torch.isnan(y).any():
        raise ValueError("target: expected values in [0, 1], got NaN")
    if ((y < 0) | (y > 1)).any():
        raise ValueError(f"target: expected values in [0, 1], got values outside ({_range(y)})")
    if torch.isnan(x).any():
        raise ValueError(f"input: expected {'logits' if from_logits else 'probabilities'} without NaN, got NaN")
    if not from_logits and ((x < 0) | (x > 1)).any():
        raise ValueError(
            f"input: expected probabilities in [0, 1], got values outside ({_range(x)}); pass from_logits=True for logits"
        )
    raise ValueError("input and target: the soft counts are not finite (overflow?)")


def check_values_torch(x: torch.Tensor, y: torch.Tensor, counts: torch.Tensor, from_logits: bool) -> None:
    """Torch-path value check: NaN via the counts, ranges via one min/max per tensor; one host sync."""
    bad = [~torch.isfinite(counts.detach()).all()]
    if y.dtype != torch.bool:
        mn, mx = torch.aminmax(y.detach())
        bad += [mn < 0, mx > 1]
    if not from_logits:
        mn, mx = torch.aminmax(x.detach())
        bad += [mn < 0, mx > 1]
    if torch.stack(bad).any().item():
        diagnose_values(x, y, from_logits)
