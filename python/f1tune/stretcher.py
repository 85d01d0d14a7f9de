"""The Stretcher: learn to re-map soft predictions so that one threshold maximizes F1.

After the "NN stretching" idea: a small network is trained on a base model's soft predictions
(``X``), with the true labels as targets, so that thresholding its output at 0.5 gives a high
micro-F1 even when every label would need its own threshold on the raw scores.

torch is imported when a Stretcher is fitted or loaded, not when this module is imported.
"""

from __future__ import annotations

import inspect
import math
import numbers
import os
import time
from typing import Any

import numpy as np

from f1tune._stretcher.options import ACTIVATIONS, LOSSES
from f1tune._validation import (
    check_beta,
    check_bool,
    check_choice,
    check_finite_scores,
    check_float,
    check_int,
    check_label_values,
    check_targets_and_scores,
    check_y_score,
)
from f1tune.exceptions import NotFittedError

__all__ = ["NotFittedError", "Stretcher"]


def _check_scores(y_score: Any, name: str = "y_score") -> np.ndarray:
    s = check_y_score(y_score, name)
    if s.ndim != 2:
        raise ValueError(f"{name}: expected shape (n_samples, n_labels), got shape {s.shape}")
    check_finite_scores(s, name)  # the network, not a kernel, reads them: check here
    return s


class Stretcher:
    """Re-map soft multi-label predictions so that one threshold (0.5) maximizes micro-F1.

    A small network (the seed article's ``Linear(L, hidden) -> Linear(hidden, L) -> sigmoid``
    by default) is trained on a base model's scores ``X`` with the labels ``y`` as targets. Its
    output is a "stretched" probability per label; thresholding it at ``threshold`` gives the
    predictions (positive iff ``stretched >= threshold``). Inputs are standardized per label
    first; training uses Adam with a one-cycle learning-rate schedule over shuffled
    mini-batches, and, when a validation split is held out, keeps the weights of the epoch
    with the best validation micro F-beta.

    Parameters
    ----------
    hidden : int, default=200
        Width of each hidden layer.
    loss : {"bce", "soft_f1", "double_soft_f1", "micro_soft_f1"}, default="bce"
        Training loss: binary cross-entropy, or an f1tune soft-F-beta loss (macro soft-F1, the
        macro average of the soft-F1 of both classes, or micro soft-F1); see
        :func:`f1tune.torch.soft_fbeta_loss`.
    epochs : int, default=10
        Maximum number of passes over the training rows (the length of the schedule).
    batch_size : int, default=1024
        Rows per optimization step.
    lr : float, default=0.03
        Peak learning rate of the one-cycle schedule.
    validation_fraction : float, default=0.1
        Fraction of the rows held out (at random) to monitor training, stop early and tune the
        threshold; 0 trains on all rows (then ``early_stopping`` must be False).
    early_stopping : bool, default=True
        Stop when the validation micro F-beta has not improved for ``patience`` epochs, and
        restore the best epoch's weights.
    patience : int, default=3
        Epochs without improvement before stopping.
    threshold : float, default=0.5
        Threshold on the stretched probabilities used by :meth:`predict` and :meth:`score`.
    tune_threshold : bool, default=False
        After training, replace ``threshold`` by the single threshold that maximizes the micro
        F-beta of the stretched validation (or, without one, training) predictions, found
        exactly by :func:`f1tune.tune_thresholds`. The result is ``threshold_``.
    n_layers : int, default=1
        Number of hidden layers.
    activation : {"identity", "relu", "gelu", "tanh", "silu"}, default="identity"
        Nonlinearity after each hidden layer; "identity" is the seed article's linear network.
    beta : float, default=1.0
        Weight of recall in the F-beta used by the soft losses, the validation monitor,
        ``tune_threshold`` and :meth:`score`.
    random_state : int or None, default=None
        Seed of the validation split, the weight initialization and the shuffling; an int
        makes ``fit`` reproducible on a given machine.
    device : str or torch.device, default="cpu"
        Where the network is trained and evaluated.
    progress : bool, default=True
        Show a tqdm progress bar with the train/validation loss and validation micro F-beta of
        each epoch.
    n_threads : int or None, default=1
        torch CPU threads used by ``fit`` and ``transform`` (set for the call, then restored);
        None keeps torch's current setting. One thread is the default because the network is
        small: on 2 idle cores two threads were 1.7x faster per step, but with one other busy
        process they were 17-48x slower (threads waiting on a descheduled peer), so one
        thread is the choice that is never bad.

    Attributes
    ----------
    n_labels_ : int
        Number of labels seen in ``fit``.
    threshold_ : float
        Threshold used by :meth:`predict` and :meth:`score`.
    network_ : torch.nn.Module
        The trained network, mapping scores of shape (n, L) to logits of shape (n, L).
    history_ : dict of str to list of float
        Per epoch: ``"train_loss"``, and with a validation split ``"val_loss"`` and
        ``"val_fbeta"`` (micro F-beta at ``threshold``).
    best_epoch_ : int
        Epoch (1-based) whose weights were kept.
    n_epochs_ : int
        Epochs actually run.
    fit_time_ : float
        Seconds spent in ``fit``.

    Examples
    --------
    >>> from f1tune import Stretcher
    >>> from f1tune.datasets import make_seed_toy
    >>> data = make_seed_toy(n_train=20_000, n_test=2_000, n_labels=10)
    >>> st = Stretcher(random_state=0, progress=False).fit(data.X_train, data.y_train)
    >>> st.transform(data.X_test).shape
    (2000, 10)
    >>> st.score(data.X_test, data.y_test) > 0.95
    True
    """

    def __init__(
        self,
        hidden: int = 200,
        loss: str = "bce",
        epochs: int = 10,
        batch_size: int = 1024,
        lr: float = 0.03,
        validation_fraction: float = 0.1,
        early_stopping: bool = True,
        patience: int = 3,
        threshold: float = 0.5,
        tune_threshold: bool = False,
        n_layers: int = 1,
        activation: str = "identity",
        beta: float = 1.0,
        random_state: int | None = None,
        device: Any = "cpu",
        progress: bool = True,
        n_threads: int | None = 1,
    ) -> None:
        self.hidden = hidden
        self.loss = loss
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.patience = patience
        self.threshold = threshold
        self.tune_threshold = tune_threshold
        self.n_layers = n_layers
        self.activation = activation
        self.beta = beta
        self.random_state = random_state
        self.device = device
        self.progress = progress
        self.n_threads = n_threads

    # ------------------------------------------------------------------ scikit-learn protocol
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the constructor parameters as a dict (scikit-learn protocol; ``deep`` is unused)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Stretcher:
        """Set constructor parameters by name and return ``self`` (scikit-learn protocol)."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"{name}: not a parameter of Stretcher; expected one of {', '.join(valid)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = [
            f"{k}={v!r}"
            for k, v in self.get_params().items()
            if not (v is defaults[k] or (type(v) is type(defaults[k]) and v == defaults[k]))
        ]
        return f"Stretcher({', '.join(changed)})"

    def _validated_params(self) -> dict[str, Any]:
        p = {
            "hidden": check_int(self.hidden, "hidden", 1),
            "loss": check_choice(self.loss, "loss", LOSSES),
            "epochs": check_int(self.epochs, "epochs", 1),
            "batch_size": check_int(self.batch_size, "batch_size", 1),
            "lr": check_float(self.lr, "lr", 0.0, math.inf, low_open=True),
            "validation_fraction": check_float(
                self.validation_fraction, "validation_fraction", 0.0, 1.0, high_open=True
            ),
            "patience": check_int(self.patience, "patience", 1),
            "threshold": check_float(self.threshold, "threshold", 0.0, 1.0),
            "n_layers": check_int(self.n_layers, "n_layers", 0),
            "activation": check_choice(self.activation, "activation", ACTIVATIONS),
            "beta": check_beta(self.beta),
            "early_stopping": check_bool(self.early_stopping, "early_stopping"),
            "tune_threshold": check_bool(self.tune_threshold, "tune_threshold"),
            "progress": check_bool(self.progress, "progress"),
        }
        if p["early_stopping"] and p["validation_fraction"] == 0.0:
            raise ValueError(
                "early_stopping: expected False when validation_fraction is 0 (nothing to monitor), got True"
            )
        if self.n_threads is not None:
            check_int(self.n_threads, "n_threads", 1)
        if self.random_state is not None and (
            isinstance(self.random_state, bool) or not isinstance(self.random_state, numbers.Integral)
        ):
            raise ValueError(f"random_state: expected an int or None, got {self.random_state!r}")
        return p

    # ------------------------------------------------------------------ fitting
    def fit(self, y_score: Any, y_true: Any) -> Stretcher:
        """Train the network on scores ``y_score`` (X) with labels ``y_true`` (y) as targets.

        Parameters
        ----------
        y_score : array-like of shape (n_samples, n_labels)
            The base model's soft predictions, float32 or float64, finite.
        y_true : array-like of shape (n_samples, n_labels)
            0/1 targets; dtype bool, uint8, int8, int32 or int64.

        Returns
        -------
        Stretcher
            ``self``, fitted.
        """
        t0 = time.perf_counter()
        p = self._validated_params()
        s = _check_scores(y_score)
        y, s, _ = check_targets_and_scores(y_true, s)
        check_label_values(y)
        n_val = int(round(p["validation_fraction"] * s.shape[0])) if p["validation_fraction"] > 0 else 0
        if n_val > 0 and n_val == s.shape[0]:
            n_val -= 1
        if (p["validation_fraction"] > 0 and n_val == 0) or s.shape[0] - n_val < 1:
            raise ValueError(
                f"y_score: expected enough rows for a validation split of {p['validation_fraction']}, got {s.shape[0]} rows"
            )
        from f1tune._stretcher.network import torch_threads
        from f1tune._stretcher.training import fit_network  # imports torch

        with torch_threads(self.n_threads):
            result = fit_network(
                s,
                y,
                n_val=n_val,
                params=p,
                random_state=self.random_state,
                device=self.device,
                progress=p["progress"],
            )
        self.network_ = result.network
        self.history_ = result.history
        self.best_epoch_ = result.best_epoch
        self.n_epochs_ = result.n_epochs
        self.n_labels_ = s.shape[1]
        self.threshold_ = p["threshold"]
        if p["tune_threshold"]:
            from f1tune.thresholds import tune_thresholds

            tuned = tune_thresholds(result.tune_y, result.tune_p, average="global", beta=p["beta"])
            self.threshold_ = float(np.asarray(tuned.thresholds).ravel()[0])
        self.fit_time_ = time.perf_counter() - t0
        return self

    # ------------------------------------------------------------------ inference
    def _check_fitted(self) -> None:
        if not hasattr(self, "network_"):
            raise NotFittedError("This Stretcher is not fitted yet; call fit(y_score, y_true) first")

    def _input(self, y_score: Any) -> np.ndarray:
        self._check_fitted()
        s = _check_scores(y_score)
        if s.shape[1] != self.n_labels_:
            raise ValueError(f"y_score: expected {self.n_labels_} labels (as in fit), got shape {s.shape}")
        return s

    def transform(self, y_score: Any) -> np.ndarray:
        """Return the stretched probabilities of scores ``y_score``.

        Parameters
        ----------
        y_score : array-like of shape (n_samples, n_labels)
            Scores of the same base model and label set as in ``fit``; float32 or float64.

        Returns
        -------
        ndarray of shape (n_samples, n_labels), float32
            Probabilities in [0, 1]; a label is predicted positive iff its value is
            ``>= threshold_``.
        """
        import torch

        from f1tune._stretcher.network import as_float32_tensor, predict_logits, torch_threads

        s = self._input(y_score)
        x = as_float32_tensor(s, next(self.network_.parameters()).device)
        with torch_threads(self.n_threads):
            return torch.sigmoid(predict_logits(self.network_, x)).cpu().numpy()

    def predict(self, y_score: Any) -> np.ndarray:
        """Return 0/1 predictions ``transform(y_score) >= threshold_``, uint8 of shape (n_samples, n_labels)."""
        return (self.transform(y_score) >= self.threshold_).astype(np.uint8)

    def score(self, y_score: Any, y_true: Any) -> float:
        """Return the micro F-beta (F1 by default) of :meth:`predict` against ``y_true``.

        Parameters
        ----------
        y_score : array-like of shape (n_samples, n_labels)
            Scores, as in :meth:`transform`.
        y_true : array-like of shape (n_samples, n_labels)
            0/1 targets.

        Returns
        -------
        float
            ``f1tune.fbeta_score(y_true, transform(y_score), beta=beta, thresholds=threshold_)``.
        """
        from f1tune.metrics import fbeta_score

        return float(
            fbeta_score(
                y_true, self.transform(y_score), beta=check_beta(self.beta), thresholds=self.threshold_, average="micro"
            )
        )

    # ------------------------------------------------------------------ persistence
    _STATE = ("n_labels_", "threshold_", "best_epoch_", "n_epochs_", "history_", "fit_time_")

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the fitted Stretcher to ``path`` (an ``.npz`` archive: JSON parameters + weights).

        The file holds no pickled objects; :meth:`load` reads it with ``allow_pickle=False``.
        ``random_state`` is saved as given; ``device`` is saved but not used by :meth:`load`.
        """
        from f1tune._stretcher import file_format

        self._check_fitted()
        params = self.get_params()
        params["device"] = str(params["device"])
        state = {k: getattr(self, k) for k in self._STATE}
        weights = {k: v.detach().cpu().numpy() for k, v in self.network_.state_dict().items()}
        file_format.write(path, params, state, weights)

    @classmethod
    def load(cls, path: str | os.PathLike[str], device: Any = "cpu") -> Stretcher:
        """Load a Stretcher saved by :meth:`save`, onto ``device``.

        Raises
        ------
        FileNotFoundError
            If ``path`` does not exist.
        ValueError
            ``"<path>: not an f1tune Stretcher file (...)"`` for a corrupt or foreign file.
        """
        import torch

        from f1tune._stretcher import file_format
        from f1tune._stretcher.network import build_network

        params, state, weights = file_format.read(path)
        try:
            est = cls(**{k: v for k, v in params.items() if k in cls._param_names()})
            est.device = device
            p = est._validated_params()
            shape = (int(state["n_labels_"]), p["hidden"], p["n_layers"], p["activation"])
            # Shapes first, on the meta device (no memory): sizes come from the arrays the file holds.
            with torch.device("meta"):
                expected = {k: tuple(v.shape) for k, v in build_network(*shape, seed=0).state_dict().items()}
            got = {k: tuple(v.shape) for k, v in weights.items()}
            if got != expected:
                raise ValueError(f"weights do not match the saved parameters: expected {expected}, got {got}")
            net = build_network(*shape, seed=0)
            net.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in weights.items()}, strict=True)
            for k in cls._STATE:
                setattr(est, k, state[k])
        except (KeyError, TypeError, ValueError, RuntimeError) as err:
            raise file_format.StretcherFileError(path, f"inconsistent content: {err}") from None
        est.network_ = net.to(device).eval()
        return est
