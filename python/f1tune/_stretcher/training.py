"""The Stretcher's training procedure (imports torch).

1. Inputs (scores, then optional features) are mapped to log-odds where they are probabilities
   and standardized (:class:`~f1tune._stretcher.network.InputMap`, fitted on all rows: no labels).
2. The rows are split into ``cv`` folds. On each evaluated fold (all ``cv`` of them for small
   data, fold 0 only above ``CROSS_FIT_MAX_ROWS`` rows) the per-label map and the linear stacker
   are fitted exactly on the other folds (:mod:`f1tune._stretcher.linear`; on a random sample of
   ``LINEAR_MAX_ROWS`` of them for large data) and predict the fold.
3. The linear stacker replaces the per-label map only if its held-out log-loss is lower by more
   than one standard error (paired over rows): where the labels are independent given the
   scores, the Stretcher stays a per-label map, i.e. plain per-label thresholds.
4. An MLP residual, initialized to zero on top of the chosen stage (fitted without fold 0), is
   trained with AdamW on shuffled mini-batches for a budget of optimizer steps, evaluated on
   fold 0 every ``EVAL_EVERY`` steps starting with the initial (zero) residual, and kept at its
   best evaluation only if that beats the initial one (by one standard error for BCE).
5. The result holds the final network and the held-out outputs thresholds are tuned on.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import torch

from f1tune._stretcher.linear import fit_linear, fit_per_label, per_label_as_linear
from f1tune._stretcher.network import StackingNetwork, as_float32_tensor, make_loss, predict_logits
from f1tune._stretcher.options import CROSS_FIT_MAX_ROWS
from f1tune.metrics import fbeta_score

EVAL_EVERY = 50  # optimizer steps between evaluations on the validation fold
LINEAR_MAX_ROWS = 10_000  # rows (sampled at random) the exact linear fits see on large data


class FitResult(NamedTuple):
    """What :func:`fit_network` hands back to the estimator."""

    network: StackingNetwork
    stacking: str  # one of options.STACKINGS
    history: dict[str, list[float]]
    n_steps: int
    best_step: int
    steps_per_epoch: int
    tune_y: np.ndarray  # labels (m, L) of the rows to tune thresholds on
    tune_p: np.ndarray  # held-out (or, for a per-label map, in-sample) probabilities (m, L), float32


def _row_bce(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-row log-loss summed over labels, shape (n,)."""
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none").sum(dim=1)


def _better(loss_simple: torch.Tensor, loss_rich: torch.Tensor) -> bool:
    """Whether the richer model's per-row losses are lower by more than one standard error (paired)."""
    d = (loss_simple - loss_rich).double()
    if d.numel() < 2:
        return False
    return float(d.mean()) > float(d.std()) / math.sqrt(d.numel())


def _fit_stage(
    stage: str, z: torch.Tensor, y: torch.Tensor, alpha: float, n_labels: int
) -> tuple[torch.Tensor, torch.Tensor]:
    a, b = fit_per_label(z[:, :n_labels], y, alpha)
    w, b = per_label_as_linear(a, b, z.shape[1])
    if stage == "per_label":
        return w, b
    return fit_linear(z, y, alpha, init=(w, b))


def fit_network(
    x: np.ndarray,
    y: np.ndarray,
    *,
    n_labels: int,
    params: dict[str, Any],
    random_state: int | None,
    device: Any,
    progress: bool,
) -> FitResult:
    """Fit a Stretcher on validated inputs ``x`` (n, L + n_features) and labels ``y`` (n, L).

    ``params`` are the estimator's validated parameters.
    """
    dev = torch.device(device)
    rng = np.random.default_rng(random_state)
    init_seed, shuffle_seed = (int(v) for v in rng.integers(0, 2**62, size=2))
    n, n_inputs = x.shape
    cv, alpha = params["cv"], params["alpha"]
    fold = np.empty(n, dtype=np.int64)
    fold[rng.permutation(n)] = np.arange(n) % cv
    n_evaluated = cv if n <= CROSS_FIT_MAX_ROWS else 1

    xt = as_float32_tensor(x, dev)
    yt = as_float32_tensor(y, dev)
    net = StackingNetwork(n_inputs, n_labels, params["hidden"], params["n_layers"], params["activation"], init_seed)
    net = net.to(dev)
    scores = xt[:, :n_labels]
    logit_mask = torch.zeros(n_inputs, device=dev)
    if bool(((scores >= 0) & (scores <= 1)).all()):
        logit_mask[:n_labels] = 1.0
    with torch.no_grad():
        net.inputs.fit(xt, logit_mask)
        z = net.inputs(xt)

    # Held-out logits of both linear stages on the evaluated folds; the fold-0 fits are kept.
    held = torch.from_numpy(fold < n_evaluated).to(dev)
    held_logits = {s: torch.zeros(n, n_labels, device=dev) for s in ("per_label", "linear")}
    fold0_fits: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
    for k in range(n_evaluated):
        te = torch.from_numpy(fold == k).to(dev)
        tr_rows = np.flatnonzero(fold != k)
        if tr_rows.size > LINEAR_MAX_ROWS:  # large data: the linear stages are well determined by a sample
            tr_rows = np.sort(rng.choice(tr_rows, LINEAR_MAX_ROWS, replace=False))
        tr = torch.from_numpy(tr_rows).to(dev)
        w, b = _fit_stage("per_label", z[tr], yt[tr], alpha, n_labels)
        wl, bl = fit_linear(z[tr], yt[tr], alpha, init=(w, b))
        for stage, (ws, bs) in (("per_label", (w, b)), ("linear", (wl, bl))):
            held_logits[stage][te] = z[te] @ ws.T + bs
            if k == 0:
                fold0_fits[stage] = (ws, bs)
    stacking = (
        "linear"
        if _better(_row_bce(held_logits["per_label"][held], yt[held]), _row_bce(held_logits["linear"][held], yt[held]))
        else "per_label"
    )

    history, n_steps, best_step, spe, keep = _train_residual(
        net, z, yt, fold, fold0_fits[stacking], params, shuffle_seed, progress, n_labels
    )
    val = torch.from_numpy(fold == 0).to(dev)
    if keep:
        stacking = "nonlinear"
        tune_rows = val
    else:
        with torch.no_grad():
            for p in net.residual[-1].parameters():
                p.zero_()
        w, b = fold0_fits[stacking] if n_evaluated == 1 else _fit_stage(stacking, z, yt, alpha, n_labels)
        with torch.no_grad():
            net.skip.weight.copy_(w)
            net.skip.bias.copy_(b)
        tune_rows = held
    net.eval()
    if stacking == "per_label":
        # A per-label map is monotone: thresholds tuned on its in-sample outputs are exactly the
        # per-label thresholds tuned on the scores themselves.
        tune_p = torch.sigmoid(predict_logits(net, xt)).cpu().numpy()
        tune_y = y
    elif stacking == "linear":
        tune_p = torch.sigmoid(held_logits["linear"][held]).cpu().numpy()
        tune_y = y[held.cpu().numpy()]
    else:
        tune_p = torch.sigmoid(predict_logits(net, xt[tune_rows])).cpu().numpy()
        tune_y = y[tune_rows.cpu().numpy()]
    return FitResult(net, stacking, history, n_steps, best_step, spe, tune_y, tune_p)


def _train_residual(
    net: StackingNetwork,
    z: torch.Tensor,
    yt: torch.Tensor,
    fold: np.ndarray,
    base: tuple[torch.Tensor, torch.Tensor],
    params: dict[str, Any],
    shuffle_seed: int,
    progress: bool,
    n_labels: int,
) -> tuple[dict[str, list[float]], int, int, int, bool]:
    """Train ``net.residual`` on folds 1.. on top of the linear stage ``base``; evaluate on fold 0.

    Returns (history, steps run, best step, steps per epoch, whether the residual is kept); the
    residual's weights are left at the best evaluation, ``net.skip`` holds ``base``.
    """
    dev = z.device
    tr = torch.from_numpy(fold != 0).to(dev)
    va = ~tr
    with torch.no_grad():
        net.skip.weight.copy_(base[0])
        net.skip.bias.copy_(base[1])
        skip_logits = net.skip(z)
    z_tr, y_tr, s_tr = z[tr], yt[tr], skip_logits[tr]
    z_va, y_va, s_va = z[va], yt[va], skip_logits[va]
    y_va_np = y_va.cpu().numpy().astype(np.uint8)
    loss_fn = make_loss(params["loss"], params["beta"])
    bce = params["loss"] == "bce"
    n_tr = z_tr.shape[0]
    bs = min(params["batch_size"], n_tr)
    spe = (n_tr + bs - 1) // bs
    total = min(params["max_steps"], params["epochs"] * spe)
    residual = net.residual
    optimizer = torch.optim.AdamW(residual.parameters(), lr=params["lr"], weight_decay=params["weight_decay"])
    gen = torch.Generator(device="cpu").manual_seed(shuffle_seed)

    history: dict[str, list[float]] = {"step": [], "train_loss": [], "val_loss": [], "val_fbeta": []}

    def evaluate(step: int, train_loss: float) -> tuple[float, torch.Tensor]:
        residual.eval()
        with torch.no_grad():
            logits = s_va + residual(z_va)
            val_loss = float(loss_fn(logits, y_va))
            rows = _row_bce(logits, y_va)
        residual.train()
        p = torch.sigmoid(logits).cpu().numpy()
        val_f = float(fbeta_score(y_va_np, p, beta=params["beta"], thresholds=params["threshold"], average="micro"))
        history["step"].append(float(step))
        history["train_loss"].append(train_loss)
        history["val_loss"].append(val_loss)
        history["val_fbeta"].append(val_f)
        return val_loss, rows

    from tqdm.auto import tqdm

    with torch.no_grad():
        first_loss = float(loss_fn(s_tr[:bs], y_tr[:bs]))
    val0, rows0 = evaluate(0, first_loss)
    best_val, best_rows, best_step = val0, rows0, 0
    best_state = {k: v.detach().clone() for k, v in residual.state_dict().items()}
    since_best, step, running, count = 0, 0, 0.0, 0
    last_rows = rows0
    bar = tqdm(total=total, desc="Stretcher", unit="step", disable=not progress, leave=True)
    residual.train()
    perm = torch.empty(0, dtype=torch.long)
    while step < total:
        i = step % spe
        if i == 0:
            perm = torch.randperm(n_tr, generator=gen).to(dev)
        idx = perm[i * bs : (i + 1) * bs]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(s_tr[idx] + residual(z_tr[idx]), y_tr[idx])
        loss.backward()
        optimizer.step()
        step += 1
        running += float(loss.detach())
        count += 1
        bar.update(1)
        if step % EVAL_EVERY == 0 or step == total:
            val_loss, rows = evaluate(step, running / count)
            last_rows = rows
            running, count = 0.0, 0
            bar.set_postfix(
                train=f"{history['train_loss'][-1]:.4f}",
                val=f"{val_loss:.4f}",
                val_f1=f"{history['val_fbeta'][-1]:.4f}",
                refresh=False,
            )
            if val_loss < best_val:
                best_val, best_rows, best_step, since_best = val_loss, rows, step, 0
                best_state = {k: v.detach().clone() for k, v in residual.state_dict().items()}
            else:
                since_best += 1
            if params["early_stopping"] and since_best >= params["patience"]:
                break
    bar.close()
    if not params["early_stopping"]:  # keep the last weights (the budget always ends with an evaluation)
        best_step, best_val, best_rows = step, history["val_loss"][-1], last_rows
        best_state = {k: v.detach().clone() for k, v in residual.state_dict().items()}
    residual.load_state_dict(best_state)
    keep = best_step > 0 and (_better(rows0, best_rows) if bce else best_val < val0)
    return history, step, best_step, spe, keep
