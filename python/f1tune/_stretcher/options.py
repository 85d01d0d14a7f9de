"""Names of the Stretcher's losses and activations, defined once and free of torch.

The estimator validates its parameters against these names without importing torch; the
network module maps the same names to torch modules and losses.
"""

from __future__ import annotations

from typing import Any

ACTIVATIONS = ("identity", "relu", "gelu", "tanh", "silu")

# Soft-F1 variants: name -> keyword arguments of f1tune.torch.losses.soft_fbeta_loss.
SOFT_LOSSES: dict[str, dict[str, Any]] = {
    "soft_f1": {"average": "macro", "double": False},
    "double_soft_f1": {"average": "macro", "double": True},
    "micro_soft_f1": {"average": "micro", "double": False},
}
LOSSES = ("bce", *SOFT_LOSSES)
