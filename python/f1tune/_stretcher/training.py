"""The Stretcher's training procedure (imports torch).

1. Inputs (scores, then optional features) are mapped to log-odds where they are probabilities
   and standardized (:class:`~f1tune._stretcher.network.InputMap`, fitted on all rows: no labels).
2. The rows are split into ``cv`` folds. On each evaluated fold (all ``cv`` of them up to
   ``CROSS_FIT_MAX_ROWS`` rows, fold 0 only above) the per-label map and the linear stacker are
   fitted exactly on the other folds (:mod:`f1tune._stretcher.linear`; on a random sample of
   ``LINEAR_MAX_ROWS`` of them, fewer for many inputs, for large data) and predict the fold: held-out (cross-fitted)
   outputs of both.
3. Selection by cross-validated F-beta *after threshold tuning*, the quantity the user is judged
   on (:func:`richer_is_better`): the held-out rows are cut into ``N_SELECTION_GROUPS`` random
   groups; for each group, thresholds are tuned (``tune_thresholds`` with the requested
   ``average``; the fixed ``threshold`` when not tuning) on the other groups' outputs and the
   F-beta of the group is scored. The richer model wins only if its mean paired gain over the
   groups exceeds ``SELECTION_STANDARD_ERRORS`` (2) standard errors. Where stacking cannot help, the Stretcher therefore stays
   the per-label map, i.e. plain per-label thresholds.
4. An MLP residual (last layer zero at the start) on top of the chosen stage is considered only
   when at least ``residual_min_rows`` rows lie outside fold 0. It is cross-fitted like the
   linear stages: for evaluated fold k it is trained on the folds other than k and its monitor
   fold (k + 1) % cv, on top of the stage's fold-k fit (AdamW on shuffled mini-batches for a
   budget of optimizer steps, evaluated on the monitor fold every ``EVAL_EVERY`` steps starting
   with the initial zero residual, early-stopped on that loss), then predicts fold k, which it
   has never seen. It is kept only if its held-out outputs win the same F-beta selection
   against the stage's. The kept network is retrained on all folds but 0 (monitored on fold 0)
   on the stage fitted without fold 0 (above ``CROSS_FIT_MAX_ROWS`` rows: the fold-0 network).
5. Thresholds are tuned on held-out outputs: the cross-fitted outputs of all folds for the
   linear stacker and the residual (fold 0 only above ``CROSS_FIT_MAX_ROWS`` rows), and the
   in-sample outputs of the per-label map (a monotone map of each score: those thresholds are
   exactly plain per-label thresholds).
"""

from __future__ import annotations

import copy
import math
from typing import Any, NamedTuple

import numpy as np
import torch

from f1tune._stretcher.linear import fit_linear, fit_per_label, per_label_as_linear
from f1tune._stretcher.network import StackingNetwork, as_float32_tensor, make_loss, predict_logits
from f1tune._stretcher.options import CROSS_FIT_MAX_ROWS
from f1tune.metrics import fbeta_score
from f1tune.thresholds import tune_thresholds

EVAL_EVERY = 50  # optimizer steps between evaluations on the validation fold
LINEAR_MAX_ROWS = 10_000  # rows (sampled at random) the exact linear fits see on large data
LINEAR_MAX_ELEMENTS = 500_000  # ... and at most this many input values (rows x inputs), at least 2,000 rows
N_SELECTION_GROUPS = 10  # groups of held-out rows the model selection is paired over
# Random partitions into groups averaged: 3 made the rule more lenient (a smaller spread of the
# averaged gains), which on real data let the linear stacker in where it then lost on test.
SELECTION_REPEATS = 1
SELECTION_STANDARD_ERRORS = 2.0  # a richer model must gain more than this many standard errors


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


def _group_fbeta(
    y: np.ndarray, p: np.ndarray, groups: np.ndarray, n_groups: int, average: str | None, threshold: float, beta: float
) -> np.ndarray:
    """F-beta of each group of rows, with thresholds tuned for ``average`` on the other groups (or fixed)."""
    scored = "macro" if average == "macro" else "micro"
    out = np.empty(n_groups)
    for g in range(n_groups):
        test = groups == g
        if average is None:
            t: Any = threshold
        else:
            t = tune_thresholds(y[~test], p[~test], average=average, beta=beta).thresholds
        out[g] = fbeta_score(y[test], p[test], beta=beta, thresholds=t, average=scored)
    return out


def richer_is_better(
    y: np.ndarray,
    p_simple: np.ndarray,
    p_rich: np.ndarray,
    rng: np.random.Generator,
    *,
    average: str | None,
    threshold: float,
    beta: float,
) -> bool:
    """Whether held-out outputs ``p_rich`` beat ``p_simple`` in cross-validated F-beta by more than one s.e.

    Both are (m, L) probabilities of the same held-out rows with labels ``y``. The rows are cut
    into ``N_SELECTION_GROUPS`` random groups; each group is scored with thresholds tuned on the
    others (see :func:`_group_fbeta`); the paired gains, averaged over ``SELECTION_REPEATS``
    random partitions, decide (mean gain above ``SELECTION_STANDARD_ERRORS`` standard errors
    over the groups).
    """
    m = y.shape[0]
    n_groups = min(N_SELECTION_GROUPS, m)
    if n_groups < 2:
        return False
    gains = np.zeros(n_groups)
    for _ in range(SELECTION_REPEATS):
        groups = np.empty(m, dtype=np.int64)
        groups[rng.permutation(m)] = np.arange(m) % n_groups
        args = (groups, n_groups, average, threshold, beta)
        gains += _group_fbeta(y, p_rich, *args) - _group_fbeta(y, p_simple, *args)
    # Group g's gain averaged over the partitions; the repeats are not independent, so the
    # standard error counts n_groups observations, not n_groups * SELECTION_REPEATS.
    gains /= SELECTION_REPEATS
    return float(gains.mean()) > SELECTION_STANDARD_ERRORS * float(gains.std(ddof=1)) / math.sqrt(n_groups)


def _fit_stage(
    stage: str, z: torch.Tensor, y: torch.Tensor, alpha: float, n_labels: int
) -> tuple[torch.Tensor, torch.Tensor]:
    a, b = fit_per_label(z[:, :n_labels], y, alpha)
    w, b = per_label_as_linear(a, b, z.shape[1])
    if stage == "per_label":
        return w, b
    return fit_linear(z, y, alpha, init=(w, b))


def _probabilities(logits: torch.Tensor) -> np.ndarray:
    return torch.sigmoid(logits).cpu().numpy()


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
    select = {"average": params["tune_threshold"], "threshold": params["threshold"], "beta": params["beta"]}
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

    # Held-out logits of both linear stages on the evaluated folds, and each fold's fits.
    held_np = fold < n_evaluated
    held = torch.from_numpy(held_np).to(dev)
    held_logits = {s: torch.zeros(n, n_labels, device=dev) for s in ("per_label", "linear")}
    fold_fits: dict[str, list[tuple[torch.Tensor, torch.Tensor]]] = {"per_label": [], "linear": []}
    linear_rows = max(2_000, min(LINEAR_MAX_ROWS, LINEAR_MAX_ELEMENTS // n_inputs))
    for k in range(n_evaluated):
        te = torch.from_numpy(fold == k).to(dev)
        tr_rows = np.flatnonzero(fold != k)
        if tr_rows.size > linear_rows:  # large data: the linear stages are well determined by a sample
            tr_rows = np.sort(rng.choice(tr_rows, linear_rows, replace=False))
        tr = torch.from_numpy(tr_rows).to(dev)
        w, b = _fit_stage("per_label", z[tr], yt[tr], alpha, n_labels)
        wl, bl = fit_linear(z[tr], yt[tr], alpha, init=(w, b))
        for stage, (ws, bs) in (("per_label", (w, b)), ("linear", (wl, bl))):
            held_logits[stage][te] = z[te] @ ws.T + bs
            fold_fits[stage].append((ws, bs))
    y_held = y[held_np]
    p_linear = _probabilities(held_logits["linear"][held])
    linear_wins = richer_is_better(y_held, _probabilities(held_logits["per_label"][held]), p_linear, rng, **select)
    stacking = "linear" if linear_wins else "per_label"

    # The residual, cross-fitted like the linear stages: for evaluated fold k, trained on the
    # folds other than k and its monitor fold (k + 1) % cv, on top of the stage's fold-k fit.
    history: dict[str, list[float]] = {"step": [], "train_loss": [], "val_loss": [], "val_fbeta": []}
    n_steps, best_step, spe, keep = 0, 0, 1, False
    initial_residual = copy.deepcopy(net.residual.state_dict())
    if params["max_steps"] > 0 and n - int((fold == 0).sum()) >= params["residual_min_rows"]:
        rich_logits = torch.zeros(n, n_labels, device=dev)
        fold0_state: dict[str, torch.Tensor] = {}
        for k in range(n_evaluated):
            net.residual.load_state_dict(initial_residual)
            trained = _train_residual(
                net, z, yt, fold, k, (k + 1) % cv, fold_fits[stacking][k], params, shuffle_seed + k, progress
            )
            te = torch.from_numpy(fold == k).to(dev)
            rich_logits[te] = predict_logits(net, xt[te])
            if k == 0:
                history, n_steps, best_step, spe = trained
                fold0_state = copy.deepcopy(net.residual.state_dict())
        p_rich = _probabilities(rich_logits[held])
        p_base = _probabilities(held_logits[stacking][held])
        keep = richer_is_better(y_held, p_base, p_rich, rng, **select)
        if keep and n_evaluated > 1:
            # The kept network: trained on all folds but 0 (its monitor), on the stage fitted without fold 0.
            net.residual.load_state_dict(initial_residual)
            history, n_steps, best_step, spe = _train_residual(
                net, z, yt, fold, None, 0, fold_fits[stacking][0], params, shuffle_seed, progress
            )
        elif keep:
            net.residual.load_state_dict(fold0_state)
            with torch.no_grad():
                net.skip.weight.copy_(fold_fits[stacking][0][0])
                net.skip.bias.copy_(fold_fits[stacking][0][1])
    if keep:
        stacking = "nonlinear"
    else:
        net.residual.load_state_dict(initial_residual)  # zero last layer: no residual
        w, b = fold_fits[stacking][0] if n_evaluated == 1 else _fit_stage(stacking, z, yt, alpha, n_labels)
        with torch.no_grad():
            net.skip.weight.copy_(w)
            net.skip.bias.copy_(b)
    net.eval()
    if stacking == "per_label":
        # A per-label map is monotone: thresholds tuned on its in-sample outputs are exactly the
        # per-label thresholds tuned on the scores themselves.
        tune_p, tune_y = _probabilities(predict_logits(net, xt)), y
    elif stacking == "linear":
        tune_p, tune_y = p_linear, y_held
    else:
        tune_p, tune_y = p_rich, y_held
    return FitResult(net, stacking, history, n_steps, best_step, spe, tune_y, tune_p)


def _train_residual(
    net: StackingNetwork,
    z: torch.Tensor,
    yt: torch.Tensor,
    fold: np.ndarray,
    held_out: int | None,
    monitor: int,
    base: tuple[torch.Tensor, torch.Tensor],
    params: dict[str, Any],
    shuffle_seed: int,
    progress: bool,
) -> tuple[dict[str, list[float]], int, int, int]:
    """Train ``net.residual`` on top of the linear stage ``base``, early-stopped on fold ``monitor``.

    The training rows are all folds but ``monitor`` and ``held_out`` (None: none held out).
    Returns (history, steps run, best step, steps per epoch); the residual's weights are left at
    the best evaluation (the initial zero residual when nothing beat it), ``net.skip`` holds ``base``.
    """
    dev = z.device
    va = torch.from_numpy(fold == monitor).to(dev)
    tr = torch.from_numpy((fold != monitor) & (fold != (-1 if held_out is None else held_out))).to(dev)
    with torch.no_grad():
        net.skip.weight.copy_(base[0])
        net.skip.bias.copy_(base[1])
        skip_logits = net.skip(z)
    z_tr, y_tr, s_tr = z[tr], yt[tr], skip_logits[tr]
    z_va, y_va, s_va = z[va], yt[va], skip_logits[va]
    y_va_np = y_va.cpu().numpy().astype(np.uint8)
    loss_fn = make_loss(params["loss"], params["beta"])
    n_tr = z_tr.shape[0]
    bs = min(params["batch_size"], n_tr)
    spe = (n_tr + bs - 1) // bs
    total = min(params["max_steps"], params["epochs"] * spe)
    residual = net.residual
    fused: dict[str, Any] = (
        {"fused": True} if dev.type in ("cpu", "cuda") else {}
    )  # one kernel per step: the net is small
    optimizer = torch.optim.AdamW(residual.parameters(), lr=params["lr"], weight_decay=params["weight_decay"], **fused)
    gen = torch.Generator(device="cpu").manual_seed(shuffle_seed % 2**63)

    history: dict[str, list[float]] = {"step": [], "train_loss": [], "val_loss": [], "val_fbeta": []}

    def evaluate(step: int, train_loss: float) -> float:
        residual.eval()
        with torch.no_grad():
            logits = s_va + residual(z_va)
            val_loss = float(loss_fn(logits, y_va))
        residual.train()
        p = torch.sigmoid(logits).cpu().numpy()
        val_f = float(fbeta_score(y_va_np, p, beta=params["beta"], thresholds=params["threshold"], average="micro"))
        history["step"].append(float(step))
        history["train_loss"].append(train_loss)
        history["val_loss"].append(val_loss)
        history["val_fbeta"].append(val_f)
        return val_loss

    from tqdm.auto import tqdm

    with torch.no_grad():
        first_loss = float(loss_fn(s_tr[:bs], y_tr[:bs]))
    best_val, best_step = evaluate(0, first_loss), 0
    best_state = {k: v.detach().clone() for k, v in residual.state_dict().items()}
    since_best, step, running, count = 0, 0, 0.0, 0
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
            val_loss = evaluate(step, running / count)
            running, count = 0.0, 0
            bar.set_postfix(
                train=f"{history['train_loss'][-1]:.4f}",
                val=f"{val_loss:.4f}",
                val_f1=f"{history['val_fbeta'][-1]:.4f}",
                refresh=False,
            )
            if val_loss < best_val:
                best_val, best_step, since_best = val_loss, step, 0
                best_state = {k: v.detach().clone() for k, v in residual.state_dict().items()}
            else:
                since_best += 1
            if params["early_stopping"] and since_best >= params["patience"]:
                break
    bar.close()
    if not params["early_stopping"]:  # keep the last weights (the budget always ends with an evaluation)
        best_step = step
        best_state = {k: v.detach().clone() for k, v in residual.state_dict().items()}
    residual.load_state_dict(best_state)
    return history, step, best_step, spe
