"""Exact full-batch fits of the Stretcher's linear stages (imports torch).

Both minimize, over all labels at once, ``sum_j mean_i BCE(logit_ij, y_ij) + alpha / (2 n) ||W||^2``
(biases unpenalized): for each label the objective of scikit-learn's
``LogisticRegression(C=1/alpha)`` divided by n. L-BFGS with a strong-Wolfe line search (the per-label fit: Newton), in
float64 for small inputs; no randomness.

- :func:`fit_per_label`: label j's logit is ``a_j z_j + b_j`` (its own standardized score only):
  a monotone map, so thresholds on it are plain per-label thresholds on the scores.
- :func:`fit_linear`: label j's logit is ``W_j . z + b_j`` on all inputs: the logistic stacker.
"""

from __future__ import annotations

import torch

_MAX_ITER = 100
_MAX_NEWTON_STEP = 4.0
_FLOAT64_MAX_ELEMENTS = 4_000_000  # inputs up to this size are fitted in float64


def _lbfgs(params: list[torch.Tensor], objective, max_iter: int) -> None:  # type: ignore[no-untyped-def]
    opt = torch.optim.LBFGS(
        params,
        lr=1.0,
        max_iter=max_iter,
        history_size=20,
        tolerance_grad=1e-7,
        tolerance_change=1e-12,
        line_search_fn="strong_wolfe",
    )

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = objective()
        loss.backward()
        return loss

    opt.step(closure)


def _initial_bias(y: torch.Tensor) -> torch.Tensor:
    rate = y.mean(dim=0).clamp(1e-4, 1 - 1e-4)
    return torch.log(rate) - torch.log1p(-rate)


def _dtype(z: torch.Tensor) -> torch.dtype:
    return torch.float64 if z.numel() <= _FLOAT64_MAX_ELEMENTS and z.device.type == "cpu" else torch.float32


def fit_per_label(z: torch.Tensor, y: torch.Tensor, alpha: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Fit ``logit_j = a_j z_j + b_j`` on standardized scores ``z`` (n, L) and labels ``y`` (n, L).

    Newton's method on every label's two parameters at once (a 2x2 system per label), with steps
    capped at ``_MAX_NEWTON_STEP`` so that (nearly) separable labels cannot overshoot.

    Returns
    -------
    (a, b) : float32 tensors of shape (L,)
    """
    dt = _dtype(z)
    z, y = z.to(dt), y.to(dt)
    n = z.shape[0]
    a = torch.zeros(z.shape[1], dtype=dt, device=z.device)
    b = _initial_bias(y)
    reg = alpha / n
    for _ in range(_MAX_ITER):
        p = torch.sigmoid(z * a + b)
        r, w = p - y, p * (1 - p)
        g_a, g_b = (r * z).mean(0) + reg * a, r.mean(0)
        wz = w * z
        h_aa, h_ab, h_bb = (wz * z).mean(0) + reg, wz.mean(0), w.mean(0) + 1e-12
        det = h_aa * h_bb - h_ab * h_ab
        da = ((h_bb * g_a - h_ab * g_b) / det).clamp(-_MAX_NEWTON_STEP, _MAX_NEWTON_STEP)
        db = ((h_aa * g_b - h_ab * g_a) / det).clamp(-_MAX_NEWTON_STEP, _MAX_NEWTON_STEP)
        a, b = a - da, b - db
        if float(torch.maximum(da.abs().max(), db.abs().max())) < 1e-9:
            break
    return a.float(), b.float()


def fit_linear(
    z: torch.Tensor, y: torch.Tensor, alpha: float, init: tuple[torch.Tensor, torch.Tensor] | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Fit ``logits = z W^T + b`` on standardized inputs ``z`` (n, D) and labels ``y`` (n, L).

    ``init`` = (W, b) starts the solver there (e.g. from the per-label fit).

    Returns
    -------
    (W, b) : float32 tensors of shapes (L, D) and (L,)
    """
    dt = _dtype(z)
    z, y = z.to(dt), y.to(dt)
    n, n_labels = z.shape[0], y.shape[1]
    if init is None:
        w = torch.zeros(n_labels, z.shape[1], dtype=dt)
        b = _initial_bias(y)
    else:
        w, b = init[0].to(dt).clone(), init[1].to(dt).clone()
    w.requires_grad_(True)
    b.requires_grad_(True)
    bce = torch.nn.BCEWithLogitsLoss(reduction="sum")

    def objective() -> torch.Tensor:
        return (bce(torch.addmm(b, z, w.T), y) + 0.5 * alpha * (w * w).sum()) / n

    with torch.enable_grad():
        _lbfgs([w, b], objective, _MAX_ITER)
    return w.detach().float(), b.detach().float()


def per_label_as_linear(a: torch.Tensor, b: torch.Tensor, n_inputs: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the per-label map ``(a, b)`` as a (W, b) pair of shapes (L, D), (L,): diagonal on the score columns."""
    w = torch.zeros(a.shape[0], n_inputs, dtype=a.dtype)
    w[:, : a.shape[0]] = torch.diag(a)
    return w, b.clone()
