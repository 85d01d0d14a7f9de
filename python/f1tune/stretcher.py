"""The Stretcher: a stacking step that re-maps a base model's scores so that thresholds generalize.

After the "NN stretching" idea: a small network is trained on a base model's soft predictions
(all labels' scores in, one decision per label out), with the true labels as targets. Trained on
out-of-fold scores, it is a stacking step: a label can borrow evidence from the others (a label
that is the union of two others, nested labels, ...), which no threshold can.

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

from f1tune._stretcher.options import ACTIVATIONS, LOSSES, STACKINGS, TUNE_AVERAGES
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
assert STACKINGS  # documented in fitted attribute ``stacking_``


def _check_scores(y_score: Any, name: str = "y_score") -> np.ndarray:
    s = check_y_score(y_score, name)
    if s.ndim != 2:
        raise ValueError(f"{name}: expected shape (n_samples, n_labels), got shape {s.shape}")
    check_finite_scores(s, name)  # the network, not a kernel, reads them: check here
    return s


def _check_features(features: Any, n_rows: int, n_features: int | None) -> np.ndarray | None:
    """Validate optional extra inputs: 2-D float, finite, one row per score row (and, after fit, as many columns)."""
    if features is None:
        if n_features:
            raise ValueError(f"features: expected an array of shape (n_samples, {n_features}) (as in fit), got None")
        return None
    f = check_y_score(features, "features")
    if f.ndim != 2:
        raise ValueError(f"features: expected shape (n_samples, n_features), got shape {f.shape}")
    if f.shape[0] != n_rows:
        raise ValueError(f"features: expected {n_rows} rows (one per row of y_score), got {f.shape[0]}")
    if n_features is not None and f.shape[1] != n_features:
        raise ValueError(f"features: expected {n_features} columns (as in fit), got shape {f.shape}")
    if not np.isfinite(f).all():
        raise ValueError("features: expected finite values, found NaN or inf")
    return f


def _inputs(s: np.ndarray, f: np.ndarray | None) -> np.ndarray:
    if f is None:
        return s
    return np.concatenate([s.astype(np.float64, copy=False), f.astype(np.float64, copy=False)], axis=1)


class Stretcher:
    """Stack a base model's multi-label scores: all labels' scores in, one probability per label out.

    Fit it on out-of-fold (OOF) scores of a base model with the true labels as targets. The
    network is ``logits = skip(z) + residual(z)``: ``z`` are the inputs (scores mapped to
    log-odds where they are probabilities, then optional ``features``), standardized; ``skip`` is
    linear; ``residual`` is an MLP whose last layer starts at zero. Training is staged so that
    the Stretcher can only improve, on held-out rows, on what simpler methods do:

    1. Internal ``cv`` folds (all of them up to 20,000 rows, the first one only above) give
       held-out (cross-fitted) outputs of a *per-label* map (label j's logit is an affine map of
       its own score: equivalent to plain per-label thresholds) and of the *linear* stacker (a
       logistic regression of each label on all inputs, fitted exactly, full-batch, with an L2
       penalty ``alpha`` as in ``LogisticRegression(C=1/alpha)``).
    2. **Decision rule.** A richer model replaces a simpler one only if it wins in
       cross-validated F-beta *after threshold tuning*, which is what the user is judged on: the
       held-out rows are cut into 10 random groups; each group is scored with thresholds tuned
       (``tune_thresholds`` with ``average=tune_threshold``; the fixed ``threshold`` when
       ``tune_threshold`` is False) on the other groups' outputs; the richer model must win by
       more than two standard errors of the paired per-group gains (one was too lenient on
       real data: the linear stacker won by one s.e. in cross-validation on 5 of 10 splits of
       a task where it then lost on test, because scores of the base model refitted on all
       rows are not distributed like its out-of-fold scores). So where stacking cannot
       help (labels independent given the scores), the Stretcher *is* plain per-label
       thresholds: same predictions as ``tune_thresholds(y_true, y_score, average=...)``.
    3. The MLP residual is considered only with at least ``residual_min_rows`` rows outside the
       first fold (its gain cannot be shown on a few hundred rows). It is cross-fitted like the
       linear stages, on top of the chosen one: trained for a *budget of optimizer steps*
       (``max_steps``, at most ``epochs`` passes), AdamW on shuffled mini-batches, early-stopped
       on a monitor fold evaluated every 50 steps *starting with the initial (zero) residual*,
       then predicting a fold it has not seen. It is kept only if it wins the same F-beta
       decision against the stage it was trained on; the kept network is retrained on all but
       the first fold.
    4. With ``tune_threshold``, thresholds are tuned exactly (:func:`f1tune.tune_thresholds`)
       on held-out outputs (stretch-then-tune), never on one small fold: the cross-fitted
       outputs of all folds for the linear stacker and the residual (the first fold only above
       20,000 rows), and the in-sample outputs of the per-label map (a monotone map, so those
       are exactly the per-label thresholds tuned on the scores).

    ``stacking_`` says which model was chosen.

    A label is predicted positive iff its stretched probability is ``>= thresholds_[label]``.

    Parameters
    ----------
    hidden : int, default=200
        Width of each hidden layer of the residual.
    loss : {"bce", "soft_f1", "double_soft_f1", "micro_soft_f1"}, default="bce"
        Training loss of the residual: binary cross-entropy, or an f1tune soft-F-beta loss
        (macro soft-F1, the macro average of the soft-F1 of both classes, or micro soft-F1;
        see :func:`f1tune.torch.soft_fbeta_loss`). The linear stages are always fitted by
        (penalized) log-loss, so the loss matters only where a residual is trained and kept.
        Measured on real data (``benchmarks/real_data/stretcher_study.py``, 10 splits, held-out
        F1 at 0.5, base model one-vs-rest logistic regression): on the one task where the
        residual was kept (digits: 10 digit labels + 4 unions, 1,257 training rows),
        ``"soft_f1"`` *lost* both averages against ``"bce"`` (micro-F1 0.9578 vs 0.9660,
        macro-F1 0.9584 vs 0.9619) and ``"double_soft_f1"`` too (0.9593 / 0.9594); on the three
        smaller tasks no residual was trained and all losses gave the same predictions. The
        trade-off reported for the seed's Stretcher (macro-F1 up to +0.04, micro-F1 down 0.04
        to 0.07) did not reappear: prefer ``"bce"`` and tune thresholds for the average you are judged
        on (``tune_threshold="macro"``).
    max_steps : int, default=1000
        Budget of optimizer steps for the residual (0: no residual).
    epochs : int, default=100
        Upper bound on the passes over the training rows (the budget is
        ``min(max_steps, epochs * steps_per_epoch)``).
    batch_size : int, default=256
        Rows per optimizer step (all rows when fewer).
    lr : float, default=1e-3
        AdamW learning rate of the residual.
    weight_decay : float, default=1e-4
        AdamW weight decay of the residual.
    alpha : float, default=1.0
        L2 penalty of the linear stages, as ``1/C`` of scikit-learn's ``LogisticRegression``.
    residual_min_rows : int, default=1000
        Rows outside the first internal fold needed before the MLP residual is trained at all
        (fewer: the Stretcher is the per-label map or the linear stacker; see step 3).
    cv : int, default=5
        Internal folds for the held-out evidence; the first fold is also the validation fold.
    early_stopping : bool, default=True
        Stop the residual when the validation loss has not improved for ``patience``
        evaluations, and keep its best evaluation; False keeps the last weights.
    patience : int, default=5
        Evaluations (50 steps each) without improvement before stopping.
    threshold : float, default=0.5
        Threshold on the stretched probabilities used when ``tune_threshold`` is False, and by
        the validation monitor.
    tune_threshold : {False, "micro", "macro", "global", True}, default=False
        After training, tune thresholds exactly on held-out stretched outputs: "micro" (per-label
        thresholds that jointly maximize micro F-beta), "macro" (each label's own best), "global"
        (one shared threshold; True means "global", as in version-1 files). The result is
        ``thresholds_``.
    n_layers : int, default=1
        Number of hidden layers of the residual.
    activation : {"identity", "relu", "gelu", "tanh", "silu"}, default="relu"
        Nonlinearity after each hidden layer of the residual.
    beta : float, default=1.0
        Weight of recall in the F-beta used by the soft losses, the validation monitor,
        ``tune_threshold`` and :meth:`score`.
    random_state : int or None, default=None
        Seed of the folds, the residual's initialization and the shuffling; an int makes
        ``fit`` reproducible on a given machine.
    device : str or torch.device, default="cpu"
        Where the network is trained and evaluated.
    progress : bool, default=True
        Show a tqdm progress bar (steps) with the train/validation loss and validation micro
        F-beta at each evaluation.
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
    n_features_ : int
        Number of extra input columns (``features``) seen in ``fit`` (0 without).
    stacking_ : {"per_label", "linear", "nonlinear"} or None
        The model chosen by the decision rule: the per-label map (plain per-label thresholds),
        the linear stacker, or the chosen linear stage plus the trained residual; None for a
        version-1 file's network.
    thresholds_ : ndarray of shape (n_labels,)
        Per-label thresholds used by :meth:`predict` and :meth:`score`.
    threshold_ : float
        The shared threshold, when all of ``thresholds_`` are equal (AttributeError otherwise).
    network_ : torch.nn.Module
        The network, mapping inputs of shape (n, n_labels + n_features) to logits (n, n_labels).
    history_ : dict of str to list of float
        Per evaluation of the residual: ``"step"``, ``"train_loss"`` (mean over the steps since
        the previous evaluation; at step 0 the first batch's loss), ``"val_loss"`` and
        ``"val_fbeta"`` (micro F-beta at ``threshold``); empty lists when no residual was
        trained (fewer than ``residual_min_rows`` rows, or ``max_steps=0``).
    n_steps_, best_step_ : int
        Optimizer steps run, and the step of the residual's best evaluation (0: the initial
        network; the residual is then kept only if ``stacking_ == "nonlinear"``).
    n_epochs_, best_epoch_ : int
        The same in passes over the training rows (rounded up).
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
        max_steps: int = 1000,
        epochs: int = 100,
        batch_size: int = 256,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        alpha: float = 1.0,
        residual_min_rows: int = 1_000,
        cv: int = 5,
        early_stopping: bool = True,
        patience: int = 5,
        threshold: float = 0.5,
        tune_threshold: bool | str = False,
        n_layers: int = 1,
        activation: str = "relu",
        beta: float = 1.0,
        random_state: int | None = None,
        device: Any = "cpu",
        progress: bool = True,
        n_threads: int | None = 1,
    ) -> None:
        self.hidden = hidden
        self.loss = loss
        self.max_steps = max_steps
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.alpha = alpha
        self.residual_min_rows = residual_min_rows
        self.cv = cv
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
            "max_steps": check_int(self.max_steps, "max_steps", 0),
            "epochs": check_int(self.epochs, "epochs", 1),
            "batch_size": check_int(self.batch_size, "batch_size", 1),
            "lr": check_float(self.lr, "lr", 0.0, math.inf, low_open=True),
            "weight_decay": check_float(self.weight_decay, "weight_decay", 0.0, math.inf),
            "alpha": check_float(self.alpha, "alpha", 0.0, math.inf, low_open=True),
            "residual_min_rows": check_int(self.residual_min_rows, "residual_min_rows", 1),
            "cv": check_int(self.cv, "cv", 2),
            "patience": check_int(self.patience, "patience", 1),
            "threshold": check_float(self.threshold, "threshold", 0.0, 1.0),
            "n_layers": check_int(self.n_layers, "n_layers", 0),
            "activation": check_choice(self.activation, "activation", ACTIVATIONS),
            "beta": check_beta(self.beta),
            "early_stopping": check_bool(self.early_stopping, "early_stopping"),
            "tune_threshold": self._tune_average(),
            "progress": check_bool(self.progress, "progress"),
        }
        if self.n_threads is not None:
            check_int(self.n_threads, "n_threads", 1)
        if self.random_state is not None and (
            isinstance(self.random_state, bool) or not isinstance(self.random_state, numbers.Integral)
        ):
            raise ValueError(f"random_state: expected an int or None, got {self.random_state!r}")
        return p

    def _tune_average(self) -> str | None:
        """Return the ``average`` thresholds are tuned for, or None for the fixed ``threshold``."""
        t = self.tune_threshold
        if isinstance(t, (bool, np.bool_)):
            return "global" if t else None
        if isinstance(t, str) and t in TUNE_AVERAGES:
            return t
        raise TypeError(
            f"tune_threshold: expected True or False or one of {', '.join(map(repr, TUNE_AVERAGES))}, got {t!r}"
        )

    # ------------------------------------------------------------------ fitting
    def fit(self, y_score: Any, y_true: Any, features: Any = None) -> Stretcher:
        """Fit the Stretcher on scores ``y_score`` (ideally out-of-fold) with labels ``y_true`` as targets.

        Parameters
        ----------
        y_score : array-like of shape (n_samples, n_labels)
            The base model's scores (probabilities or decision values), float32 or float64, finite.
        y_true : array-like of shape (n_samples, n_labels)
            0/1 targets; dtype bool, uint8, int8, int32 or int64.
        features : array-like of shape (n_samples, n_features), optional
            Extra inputs (e.g. the original features), float32 or float64, finite; then
            :meth:`transform` needs them too.

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
        f = _check_features(features, s.shape[0], None)
        if s.shape[0] < 2 * p["cv"]:
            raise ValueError(
                f"y_score: expected at least {2 * p['cv']} rows (2 per internal fold, cv={p['cv']}), got {s.shape[0]}"
            )
        from f1tune._stretcher.network import torch_threads
        from f1tune._stretcher.training import fit_network  # imports torch

        with torch_threads(self.n_threads):
            result = fit_network(
                _inputs(s, f),
                y,
                n_labels=s.shape[1],
                params=p,
                random_state=self.random_state,
                device=self.device,
                progress=p["progress"],
            )
        self.network_: Any = result.network  # a StackingNetwork, or the seed's network from a version 1 file
        self.stacking_: str | None = result.stacking  # None: loaded from a version 1 file
        self.history_ = result.history
        self.n_steps_: int | None = result.n_steps  # None: loaded from a version 1 file
        self.best_step_: int | None = result.best_step
        self.n_epochs_ = -(-result.n_steps // result.steps_per_epoch)
        self.best_epoch_ = -(-result.best_step // result.steps_per_epoch)
        self.n_labels_ = s.shape[1]
        self.n_features_ = 0 if f is None else f.shape[1]
        self.thresholds_ = np.full(self.n_labels_, p["threshold"])
        if p["tune_threshold"] is not None:
            from f1tune.thresholds import tune_thresholds

            tuned = tune_thresholds(result.tune_y, result.tune_p, average=p["tune_threshold"], beta=p["beta"])
            self.thresholds_ = np.broadcast_to(np.asarray(tuned.thresholds, dtype=np.float64), (self.n_labels_,)).copy()
        self.fit_time_ = time.perf_counter() - t0
        return self

    @property
    def threshold_(self) -> float:
        """The threshold shared by all labels (AttributeError when ``thresholds_`` differ per label)."""
        self._check_fitted()
        t = self.thresholds_
        if not np.all(t == t[0]):
            raise AttributeError("threshold_: the thresholds differ per label; see thresholds_")
        return float(t[0])

    # ------------------------------------------------------------------ inference
    def _check_fitted(self) -> None:
        if not hasattr(self, "network_"):
            raise NotFittedError("This Stretcher is not fitted yet; call fit(y_score, y_true) first")

    def _input(self, y_score: Any, features: Any) -> np.ndarray:
        self._check_fitted()
        s = _check_scores(y_score)
        if s.shape[1] != self.n_labels_:
            raise ValueError(f"y_score: expected {self.n_labels_} labels (as in fit), got shape {s.shape}")
        return _inputs(s, _check_features(features, s.shape[0], self.n_features_))

    def transform(self, y_score: Any, features: Any = None) -> np.ndarray:
        """Return the stretched probabilities of scores ``y_score``.

        Parameters
        ----------
        y_score : array-like of shape (n_samples, n_labels)
            Scores of the same base model and label set as in ``fit``; float32 or float64.
        features : array-like of shape (n_samples, n_features), optional
            The extra inputs, required when ``fit`` had them.

        Returns
        -------
        ndarray of shape (n_samples, n_labels), float32
            Probabilities in [0, 1]; a label is predicted positive iff its value is
            ``>= thresholds_[label]``.
        """
        import torch

        from f1tune._stretcher.network import as_float32_tensor, predict_logits, torch_threads

        x = self._input(y_score, features)
        xt = as_float32_tensor(x, next(self.network_.parameters()).device)
        with torch_threads(self.n_threads):
            return torch.sigmoid(predict_logits(self.network_, xt)).cpu().numpy()

    def predict(self, y_score: Any, features: Any = None) -> np.ndarray:
        """Return 0/1 predictions ``transform(y_score, features) >= thresholds_``, uint8 of shape (n_samples, n_labels)."""
        return (self.transform(y_score, features) >= self.thresholds_).astype(np.uint8)

    def score(self, y_score: Any, y_true: Any, features: Any = None) -> float:
        """Return the micro F-beta (F1 by default) of :meth:`predict` against ``y_true``.

        Parameters
        ----------
        y_score : array-like of shape (n_samples, n_labels)
            Scores, as in :meth:`transform`.
        y_true : array-like of shape (n_samples, n_labels)
            0/1 targets.
        features : array-like of shape (n_samples, n_features), optional
            The extra inputs, required when ``fit`` had them.

        Returns
        -------
        float
            ``f1tune.fbeta_score(y_true, transform(y_score), beta=beta, thresholds=thresholds_)``.
        """
        from f1tune.metrics import fbeta_score

        return float(
            fbeta_score(
                y_true,
                self.transform(y_score, features),
                beta=check_beta(self.beta),
                thresholds=self.thresholds_,
                average="micro",
            )
        )

    # ------------------------------------------------------------------ persistence
    _STATE = (
        "n_labels_",
        "n_features_",
        "stacking_",
        "best_step_",
        "n_steps_",
        "best_epoch_",
        "n_epochs_",
        "history_",
        "fit_time_",
    )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the fitted Stretcher to ``path`` (an ``.npz`` archive: JSON parameters + weights).

        The file (format version 2) holds no pickled objects; :meth:`load` reads it with
        ``allow_pickle=False``. ``random_state`` is saved as given; ``device`` is saved but not
        used by :meth:`load`.
        """
        from f1tune._stretcher import file_format

        self._check_fitted()
        if self.stacking_ is None:
            raise ValueError("save: a network loaded from a version-1 file cannot be saved as version 2; refit it")
        params = self.get_params()
        params["device"] = str(params["device"])
        state = {k: getattr(self, k) for k in self._STATE}
        state["thresholds_"] = [float(t) for t in self.thresholds_]
        weights = {k: v.detach().cpu().numpy() for k, v in self.network_.state_dict().items()}
        file_format.write(path, params, state, weights)

    @classmethod
    def load(cls, path: str | os.PathLike[str], device: Any = "cpu") -> Stretcher:
        """Load a Stretcher saved by :meth:`save` (format version 2, or version 1), onto ``device``.

        Raises
        ------
        FileNotFoundError
            If ``path`` does not exist.
        ValueError
            ``"<path>: not an f1tune Stretcher file (...)"`` for a corrupt or foreign file.
        """
        import torch

        from f1tune._stretcher import file_format
        from f1tune._stretcher.network import StackingNetwork, build_seed_network

        version, params, state, weights = file_format.read(path)
        try:
            est = cls(**{k: v for k, v in params.items() if k in cls._param_names()})
            est.device = device
            p = est._validated_params()
            n_labels = int(state["n_labels_"])

            def build() -> torch.nn.Module:
                if version == 1:
                    return build_seed_network(n_labels, p["hidden"], p["n_layers"], p["activation"], seed=0)
                n_inputs = n_labels + int(state["n_features_"])
                return StackingNetwork(n_inputs, n_labels, p["hidden"], p["n_layers"], p["activation"], seed=0)

            # Shapes first, on the meta device (no memory): sizes come from the arrays the file holds.
            with torch.device("meta"):
                expected = {k: tuple(v.shape) for k, v in build().state_dict().items()}
            got = {k: tuple(v.shape) for k, v in weights.items()}
            if got != expected:
                raise ValueError(f"weights do not match the saved parameters: expected {expected}, got {got}")
            net = build()
            net.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in weights.items()}, strict=True)
            if version == 1:
                est.n_labels_, est.n_features_, est.stacking_ = n_labels, 0, None
                est.thresholds_ = np.full(n_labels, float(state["threshold_"]))
                est.n_steps_ = est.best_step_ = None
                for k in ("best_epoch_", "n_epochs_", "history_", "fit_time_"):
                    setattr(est, k, state[k])
            else:
                for k in cls._STATE:
                    setattr(est, k, state[k])
                est.thresholds_ = np.array(state["thresholds_"], dtype=np.float64)
        except (KeyError, TypeError, ValueError, RuntimeError) as err:
            raise file_format.StretcherFileError(path, f"inconsistent content: {err}") from None
        est.network_ = net.to(device).eval()
        return est
