"""Names of the Stretcher's losses, activations, threshold rules and stacking levels, defined once, free of torch.

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

# tune_threshold values other than False/True; True means "global" (the version-1 meaning).
TUNE_AVERAGES = ("micro", "macro", "global")

# What a fitted Stretcher ended up as, from simplest to richest (``stacking_``):
# "per_label": each label's logit is an affine map of its own score (plain per-label thresholds);
# "linear": each label's logit is a linear map of all labels' scores (and features): the logistic stacker;
# "nonlinear": the linear stacker plus a trained MLP residual.
STACKINGS = ("per_label", "linear", "nonlinear")

# Above this many rows the held-out evidence comes from one validation fold, below it from
# cross-fitting all ``cv`` folds (small data: one fold is too few rows to select or tune on).
CROSS_FIT_MAX_ROWS = 20_000
