"""The Stretcher's networks (imports torch; imported only when a Stretcher is fitted or loaded).

Version 2 (:class:`StackingNetwork`): inputs (all labels' scores, then optional features) are
mapped to log-odds where they are probabilities and standardized; a linear *skip* layer maps them
to one logit per label (fitted exactly first: the logistic stacker), and an MLP *residual* whose
last layer starts at zero adds a nonlinear correction. Version 1 files hold the seed article's
``Standardize -> Linear -> Linear`` network, built by :func:`build_seed_network`.
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
# Probabilities are clipped to [EPS, 1 - EPS] before log-odds (as the logistic stacker does).
PROBABILITY_EPS = 1e-6
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def as_float32_tensor(a: np.ndarray, device: Any = "cpu") -> torch.Tensor:
    """Copy ``a`` into a float32 tensor; finite float64 values beyond float32's range saturate at its limits."""
    if a.dtype != np.float32:
        a = np.clip(a, -_FLOAT32_MAX, _FLOAT32_MAX)
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)).to(device)


class Standardize(nn.Module):
    """Per-column affine input transform ``(x - mean) / scale`` with fixed (saved) buffers."""

    mean: torch.Tensor
    scale: torch.Tensor

    def __init__(self, n_inputs: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(n_inputs))
        self.register_buffer("scale", torch.ones(n_inputs))

    def fit(self, x: torch.Tensor) -> Standardize:
        """Set mean and scale from training inputs ``x`` of shape (n, D); constant columns get scale 1."""
        std, mean = torch.std_mean(x.double(), dim=0)
        std = torch.where(std > 1e-12, std, torch.ones_like(std))
        self.mean.copy_(mean.to(self.mean.dtype))
        self.scale.copy_(std.to(self.scale.dtype))
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Far out-of-range inputs saturate instead of overflowing to inf (then NaN in the next layer).
        return torch.clamp((x - self.mean) / self.scale, -STANDARDIZED_LIMIT, STANDARDIZED_LIMIT)


class InputMap(nn.Module):
    """Log-odds of the columns that are probabilities (``logit_mask`` 1), then :class:`Standardize`."""

    logit_mask: torch.Tensor

    def __init__(self, n_inputs: int) -> None:
        super().__init__()
        self.register_buffer("logit_mask", torch.zeros(n_inputs))  # float 0/1: files hold float arrays only
        self.standardize = Standardize(n_inputs)

    def log_odds(self, x: torch.Tensor) -> torch.Tensor:
        p = torch.clamp(x, PROBABILITY_EPS, 1.0 - PROBABILITY_EPS)
        return torch.where(self.logit_mask > 0, torch.log(p) - torch.log1p(-p), x)

    def fit(self, x: torch.Tensor, logit_mask: torch.Tensor) -> InputMap:
        """Set the mask, then standardize the mapped training inputs ``x`` of shape (n, D)."""
        self.logit_mask.copy_(logit_mask.to(self.logit_mask.dtype))
        self.standardize.fit(self.log_odds(x))
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.standardize(self.log_odds(x))


class StackingNetwork(nn.Module):
    """``logits = skip(z) + residual(z)`` with ``z`` the mapped, standardized inputs.

    ``skip`` is a linear layer (D inputs -> L logits); ``residual`` is an MLP whose last layer
    is initialized to zero, so a fresh residual changes nothing.
    """

    def __init__(self, n_inputs: int, n_labels: int, hidden: int, n_layers: int, activation: str, seed: int) -> None:
        super().__init__()
        self.inputs = InputMap(n_inputs)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.skip = nn.Linear(n_inputs, n_labels)
            layers: list[nn.Module] = []
            width = n_inputs
            for _ in range(n_layers):
                layers += [nn.Linear(width, hidden), ACTIVATION_MODULES[activation]()]
                width = hidden
            layers.append(nn.Linear(width, n_labels))
            self.residual = nn.Sequential(*layers)
        with torch.no_grad():
            for p in (*self.skip.parameters(), *layers[-1].parameters()):
                p.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.inputs(x)
        return self.skip(z) + self.residual(z)


def build_seed_network(n_labels: int, hidden: int, n_layers: int, activation: str, seed: int) -> nn.Sequential:
    """Build the version-1 logits network ``Standardize -> [Linear -> act] * n_layers -> Linear``.

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
    """Logits of ``net`` on ``x`` of shape (n, D), in evaluation mode, ``chunk`` rows at a time."""
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
