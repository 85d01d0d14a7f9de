"""The Stretcher's network: standardize the scores, then an MLP that outputs one logit per label.

The seed article's network is ``Linear(L, hidden) -> Linear(hidden, L) -> sigmoid``; the sigmoid
is applied by the estimator (losses take logits), so :func:`build_network` returns the logits
part. This module imports torch; it is only imported when a Stretcher is fitted or loaded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from f1tune._stretcher.options import ACTIVATIONS, SOFT_LOSSES

# Torch modules of the activation names in options.ACTIVATIONS (same keys, checked below).
ACTIVATION_MODULES: dict[str, type[nn.Module]] = {
    "identity": nn.Identity,
    "relu": nn.ReLU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "silu": nn.SiLU,
}
assert tuple(ACTIVATION_MODULES) == ACTIVATIONS


# Standardized inputs are clipped to +-this many training standard deviations.
STANDARDIZED_LIMIT = 1e6
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def as_float32_tensor(a: np.ndarray, device: Any = "cpu") -> torch.Tensor:
    """Copy ``a`` into a float32 tensor; finite float64 values beyond float32's range saturate at its limits."""
    if a.dtype != np.float32:
        a = np.clip(a, -_FLOAT32_MAX, _FLOAT32_MAX)
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)).to(device)


class Standardize(nn.Module):
    """Per-label affine input transform ``(x - mean) / scale`` with fixed (saved) buffers."""

    mean: torch.Tensor
    scale: torch.Tensor

    def __init__(self, n_labels: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(n_labels))
        self.register_buffer("scale", torch.ones(n_labels))

    def fit(self, x: torch.Tensor) -> Standardize:
        """Set mean and scale from training scores ``x`` of shape (n, L); constant labels get scale 1."""
        std, mean = torch.std_mean(x.double(), dim=0)
        std = torch.where(std > 1e-12, std, torch.ones_like(std))
        self.mean.copy_(mean.to(self.mean.dtype))
        self.scale.copy_(std.to(self.scale.dtype))
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Far out-of-range scores saturate instead of overflowing to inf (then NaN in the next layer).
        return torch.clamp((x - self.mean) / self.scale, -STANDARDIZED_LIMIT, STANDARDIZED_LIMIT)


def build_network(n_labels: int, hidden: int, n_layers: int, activation: str, seed: int) -> nn.Sequential:
    """Build the logits network ``Standardize -> [Linear -> act] * n_layers -> Linear``.

    Parameters
    ----------
    n_labels : int
        Number of labels L (input and output width).
    hidden : int
        Width of each hidden layer.
    n_layers : int
        Number of hidden layers (the seed article uses 1, with no activation).
    activation : str
        Key of :data:`ACTIVATION_MODULES` applied after each hidden layer.
    seed : int
        Seed of the weight initialization; the global torch RNG is left untouched.

    Returns
    -------
    torch.nn.Sequential
        Maps float32 scores of shape (n, L) to logits of shape (n, L).
    """
    layers: list[nn.Module] = [Standardize(n_labels)]
    width = n_labels
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for _ in range(n_layers):
            layers += [nn.Linear(width, hidden), ACTIVATION_MODULES[activation]()]
            width = hidden
        layers.append(nn.Linear(width, n_labels))
    return nn.Sequential(*layers)


def make_loss(name: str, beta: float) -> Any:
    """Return ``loss(logits, target) -> scalar tensor`` for a loss name of :data:`LOSSES`."""
    if name == "bce":
        return nn.BCEWithLogitsLoss()
    from f1tune.torch.losses import soft_fbeta_loss

    kwargs = SOFT_LOSSES[name]

    def soft_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return soft_fbeta_loss(logits, target, beta=beta, from_logits=True, **kwargs)

    return soft_loss


@torch.no_grad()
def predict_logits(net: nn.Module, x: torch.Tensor, chunk: int = 65536) -> torch.Tensor:
    """Logits of ``net`` on ``x`` of shape (n, L), in evaluation mode, ``chunk`` rows at a time."""
    was_training = net.training
    net.eval()
    try:
        return torch.cat([net(x[i : i + chunk]) for i in range(0, x.shape[0], chunk)])
    finally:
        net.train(was_training)


@contextlib.contextmanager
def torch_threads(n_threads: int | None) -> Iterator[None]:
    """Run the block with ``torch.set_num_threads(n_threads)``, restoring the previous value after.

    ``None`` leaves torch's setting alone.
    """
    if n_threads is None or n_threads == torch.get_num_threads():
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
