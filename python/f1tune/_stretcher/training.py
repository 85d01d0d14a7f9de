"""The Stretcher's training loop (imports torch).

Data stays in two tensors; each epoch draws a random permutation and slices it into batches
(no DataLoader). Adam with a one-cycle learning-rate schedule; with a validation split, the
weights of the epoch with the best validation micro F-beta (ties: lower validation loss) are
kept, and training stops after ``patience`` post-warm-up epochs without improvement when early
stopping is on.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch

from f1tune._stretcher.network import Standardize, as_float32_tensor, build_network, make_loss, predict_logits
from f1tune.metrics import fbeta_score


class FitResult(NamedTuple):
    """What :func:`fit_network` hands back to the estimator."""

    network: torch.nn.Module
    history: dict[str, list[float]]
    best_epoch: int
    n_epochs: int
    tune_y: np.ndarray | None  # labels (n, L) of the rows to tune a threshold on (validation, else training)
    tune_p: np.ndarray | None  # stretched probabilities (n, L), float32, of the same rows


def _seeds(random_state: int | None) -> tuple[np.random.Generator, int, int]:
    rng = np.random.default_rng(random_state)
    init_seed, shuffle_seed = (int(v) for v in rng.integers(0, 2**62, size=2))
    return rng, init_seed, shuffle_seed


def fit_network(
    s: np.ndarray,
    y: np.ndarray,
    *,
    n_val: int,
    params: dict[str, Any],
    random_state: int | None,
    device: Any,
    progress: bool,
) -> FitResult:
    """Train a Stretcher network on validated scores ``s`` and labels ``y`` of shape (n, L).

    ``n_val`` rows, drawn at random, are held out for validation (0: none). ``params`` are the
    estimator's validated parameters.
    """
    dev = torch.device(device)
    rng, init_seed, shuffle_seed = _seeds(random_state)
    n, n_labels = s.shape
    order = rng.permutation(n)
    val_idx, train_idx = np.sort(order[:n_val]), np.sort(order[n_val:])

    def tensor(a: np.ndarray, idx: np.ndarray) -> torch.Tensor:
        return as_float32_tensor(a[idx], dev)

    x_tr, y_tr = tensor(s, train_idx), tensor(y, train_idx)
    x_val, y_val = (tensor(s, val_idx), tensor(y, val_idx)) if n_val else (None, None)
    y_val_np = y[val_idx] if n_val else None

    net = build_network(n_labels, params["hidden"], params["n_layers"], params["activation"], init_seed)
    standardize = net[0]
    assert isinstance(standardize, Standardize)
    standardize.fit(x_tr.cpu())
    net = net.to(dev).train()
    loss_fn = make_loss(params["loss"], params["beta"])
    epochs, bs = params["epochs"], min(params["batch_size"], x_tr.shape[0])
    steps = (x_tr.shape[0] + bs - 1) // bs
    optimizer = torch.optim.Adam(net.parameters(), lr=params["lr"])
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=params["lr"], total_steps=epochs * steps)
    gen = torch.Generator(device="cpu").manual_seed(shuffle_seed)
    # The one-cycle warm-up (first 30% of the steps) is often noisy: it never counts toward patience.
    warmup_epochs = int(np.ceil(0.3 * epochs))

    from tqdm.auto import tqdm

    history: dict[str, list[float]] = {"train_loss": []}
    if n_val:
        history.update(val_loss=[], val_fbeta=[])
    best_key: tuple[float, float] | None = None
    best_state: dict[str, torch.Tensor] | None = None
    best_epoch, since_best, epoch = 0, 0, 0
    bar = tqdm(range(1, epochs + 1), desc="Stretcher", unit="epoch", disable=not progress, leave=True)
    for epoch in bar:
        perm = torch.randperm(x_tr.shape[0], generator=gen).to(dev)
        total = 0.0
        for i in range(steps):
            idx = perm[i * bs : (i + 1) * bs]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(net(x_tr[idx]), y_tr[idx])
            loss.backward()
            optimizer.step()
            schedule.step()
            total += float(loss.detach()) * idx.shape[0]
        history["train_loss"].append(total / x_tr.shape[0])
        postfix = {"train": f"{history['train_loss'][-1]:.4f}"}
        if x_val is not None:
            logits = predict_logits(net, x_val)
            with torch.no_grad():
                val_loss = float(loss_fn(logits, y_val))
            p_val = torch.sigmoid(logits).cpu().numpy()
            val_f = float(
                fbeta_score(y_val_np, p_val, beta=params["beta"], thresholds=params["threshold"], average="micro")
            )
            history["val_loss"].append(val_loss)
            history["val_fbeta"].append(val_f)
            postfix.update(val=f"{val_loss:.4f}", val_f1=f"{val_f:.4f}")
            key = (val_f, -val_loss)
            if best_key is None or key > best_key:
                best_key, best_epoch, since_best = key, epoch, 0
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            elif epoch > warmup_epochs:
                since_best += 1
        bar.set_postfix(postfix, refresh=False)
        if params["early_stopping"] and since_best >= params["patience"]:
            break
    bar.close()
    if params["early_stopping"] and best_state is not None:
        net.load_state_dict(best_state)
    else:
        best_epoch = epoch
    net.eval()
    tune_y = tune_p = None
    if params["tune_threshold"]:
        tune_y, tune_x = (y_val_np, x_val) if x_val is not None else (y[train_idx], x_tr)
        tune_p = torch.sigmoid(predict_logits(net, tune_x)).cpu().numpy()
    return FitResult(net, history, best_epoch, epoch, tune_y, tune_p)
