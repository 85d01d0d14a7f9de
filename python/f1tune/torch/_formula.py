"""The soft F-beta formula in a form that stays finite for any accepted ``beta``.

``F = (1+b²) TP / (b² S_y + S_p + eps)`` overflows for huge ``beta`` (``b² = inf`` from
``beta ≈ 1.4e154``, and ``(1+b²) TP`` long before). For ``beta > 1`` numerator and denominator
are divided by ``b²``, which gives the same F with weights in [0, 2]::

    F = k_c TP / (k_y S_y + k_p S_p + k_e)
    beta <= 1:  (k_c, k_y, k_p, k_e) = (1 + b², b², 1, eps)
    beta  > 1:  (k_c, k_y, k_p, k_e) = (1 + 1/b², 1, 1/b², eps/b²)

The denominator is at least ``k_e``; :func:`f1tune.torch._checks.check_options` rejects a
``beta`` whose ``k_e`` is below the smallest normal float32, so F and its derivatives
(at most ``k_c / k_e``) stay finite in every dtype the counts use.
"""

from __future__ import annotations

from typing import NamedTuple


class FBetaWeights(NamedTuple):
    """Weights of ``F = k_c TP / (k_y S_y + k_p S_p + k_e)``."""

    k_c: float
    k_y: float
    k_p: float
    k_e: float


def fbeta_weights(beta: float, eps: float) -> FBetaWeights:
    """Return the weights of the soft F-beta for ``beta`` and ``eps`` (scaled by ``1/b²`` when ``beta > 1``)."""
    if beta <= 1.0:
        b2 = beta * beta
        return FBetaWeights(1.0 + b2, b2, 1.0, eps)
    w = (1.0 / beta) / beta  # 1/b² without forming b² (which overflows for beta >~ 1.3e154)
    return FBetaWeights(1.0 + w, 1.0, w, eps * w)
