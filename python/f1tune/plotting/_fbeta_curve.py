"""F-beta, precision and recall against the threshold, one panel per label, the thresholds marked."""

from __future__ import annotations

from typing import Any

import numpy as np

from f1tune.metrics import fbeta_score
from f1tune.plotting._axes import fbeta_name, mark_threshold
from f1tune.plotting._decimate import decimate_indices
from f1tune.plotting._matplotlib import axes_grid
from f1tune.plotting._predictions import check_drawn_predictions
from f1tune.thresholds import FbetaCurve, fbeta_curve

DEFAULT_MAX_POINTS = 2000  # drawn points per curve: well above a panel's width in pixels


class FBetaCurveDisplay:
    """F-beta, precision and recall as functions of the threshold, per label.

    The curves are exact (:func:`f1tune.fbeta_curve`: every distinct score is a cut); long curves
    are thinned for drawing only, keeping each pixel column's extremes, so 10^6 cuts per label
    draw quickly and look the same. The marked thresholds and the F-beta at them are computed on
    the full data, never on the thinned curve. Prediction rule: ``y_score >= threshold``.

    It is recommended to create a display with :meth:`from_predictions`; all parameters are
    stored as attributes.

    Parameters
    ----------
    curves : list of FbetaCurve
        One exact curve per drawn label.
    label_names : list of str
        One name per drawn label.
    marked_thresholds : ndarray of shape (n_drawn,) or None
        Threshold marked on each panel (a vertical line and a point on the F-beta curve).
    marked_fbeta : ndarray of shape (n_drawn,) or None
        Exact F-beta of ``y_score >= marked_thresholds`` per drawn label.
    beta : float
        The F-beta's beta (for the axis label).

    Attributes
    ----------
    fbeta_lines_, precision_lines_, recall_lines_ : list of matplotlib Line2D
        One per drawn label.
    threshold_lines_ : list of matplotlib Line2D
        The vertical line at each marked threshold (empty when nothing is marked).
    optimum_markers_ : list of matplotlib Line2D
        The point (threshold, F-beta) on each panel (empty when nothing is marked).
    axes_ : list of matplotlib Axes
        One per drawn label.
    ax_ : matplotlib Axes
        The first panel.
    figure_ : matplotlib Figure
        The figure holding the panels.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from f1tune.plotting import FBetaCurveDisplay
    >>> rng = np.random.default_rng(0)
    >>> y = rng.random((1000, 2)) < 0.3
    >>> s = np.clip(y + rng.normal(0, 0.5, y.shape), 0, 1)
    >>> disp = FBetaCurveDisplay.from_predictions(y, s)
    >>> len(disp.fbeta_lines_)
    2
    """

    def __init__(
        self,
        curves: list[FbetaCurve],
        label_names: list[str],
        *,
        marked_thresholds: np.ndarray | None = None,
        marked_fbeta: np.ndarray | None = None,
        beta: float = 1.0,
    ) -> None:
        self.curves = curves
        self.label_names = label_names
        self.marked_thresholds = marked_thresholds
        self.marked_fbeta = marked_fbeta
        self.beta = beta

    @classmethod
    def from_predictions(
        cls,
        y_true: Any,
        y_score: Any,
        *,
        thresholds: Any = "tuned",
        labels: Any = None,
        label_names: Any = None,
        beta: float = 1.0,
        ax: Any = None,
        max_points: int = DEFAULT_MAX_POINTS,
    ) -> FBetaCurveDisplay:
        """Compute the exact curves of the chosen labels and draw them.

        Parameters
        ----------
        y_true : array-like of shape (n_samples, n_labels) or (n_samples,)
            0/1 targets.
        y_score : array-like of shape (n_samples, n_labels) or (n_samples,)
            Scores, float32 or float64.
        thresholds : "tuned", None, float, array-like of shape (n_labels,) or ThresholdResult, default="tuned"
            What to mark: "tuned" marks each label's own best threshold (``tune_thresholds`` with
            ``average=None``); a ThresholdResult (micro-tuned, bootstrap-aggregated...) or an
            array marks those thresholds, which need not sit at a curve's maximum; None marks
            nothing.
        labels : list of int, optional
            Indices of the labels to draw (default all).
        label_names : list of str, optional
            Names of all ``n_labels`` labels (default "label 0", "label 1", ...).
        beta : float, default=1.0
            Weight of recall relative to precision.
        ax : matplotlib Axes or list of Axes, optional
            One Axes per drawn label; default a new figure with one panel per label.
        max_points : int, default=2000
            Points drawn per curve (the curves and the marks stay exact).

        Returns
        -------
        FBetaCurveDisplay
        """
        y, s, drawn, names, marked = check_drawn_predictions(
            y_true, y_score, thresholds=thresholds, labels=labels, label_names=label_names, beta=beta
        )
        curves = [fbeta_curve(y[:, j], s[:, j], beta=beta) for j in drawn]
        marked_fbeta = None
        if marked is not None:
            marked_fbeta = np.asarray(
                fbeta_score(y[:, drawn], s[:, drawn], beta=beta, thresholds=marked, average=None), dtype=np.float64
            )
        disp = cls(curves, names, marked_thresholds=marked, marked_fbeta=marked_fbeta, beta=beta)
        return disp.plot(ax=ax, max_points=max_points)

    def plot(self, ax: Any = None, *, max_points: int = DEFAULT_MAX_POINTS, legend: bool = True) -> FBetaCurveDisplay:
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes or list of Axes, optional
            One Axes per label; default a new figure with one panel per label.
        max_points : int, default=2000
            Points drawn per curve; longer curves keep each column's extremes.
        legend : bool, default=True
            Put one legend on the first panel (above the curves).

        Returns
        -------
        FBetaCurveDisplay
            ``self``, with the artists set.
        """
        if not (isinstance(max_points, int) and max_points >= 8):
            raise ValueError(f"max_points: expected an int >= 8, got {max_points!r}")
        axes = axes_grid(ax, len(self.curves))
        self.fbeta_lines_, self.precision_lines_, self.recall_lines_ = [], [], []
        self.threshold_lines_, self.optimum_markers_ = [], []
        fname = fbeta_name(self.beta)
        for k, (a, c) in enumerate(zip(axes, self.curves)):
            keep = decimate_indices(c.thresholds, [c.fbeta, c.precision, c.recall], max(max_points // 4, 2))
            x = c.thresholds[keep]
            (pl,) = a.plot(x, c.precision[keep], color="tab:blue", lw=1.0, alpha=0.8, label="precision")
            (rl,) = a.plot(x, c.recall[keep], color="tab:orange", lw=1.0, alpha=0.8, label="recall")
            (fl,) = a.plot(x, c.fbeta[keep], color="tab:green", lw=2.0, label=fname)
            self.precision_lines_.append(pl)
            self.recall_lines_.append(rl)
            self.fbeta_lines_.append(fl)
            title = self.label_names[k]
            if self.marked_thresholds is not None and self.marked_fbeta is not None:
                t, f = float(self.marked_thresholds[k]), float(self.marked_fbeta[k])
                self.threshold_lines_.append(mark_threshold(a, t))
                (mk,) = a.plot([t], [f], "o", color="black", ms=5)
                self.optimum_markers_.append(mk)
                title = f"{title}: {fname} {f:.3f} at {t:.3g}"
            a.set_title(title, fontsize="medium")
            a.set_xlabel("threshold (predict y_score >= threshold)")
            a.set_ylabel(f"{fname}, precision, recall")
            a.set_ylim(-0.02, 1.2)  # headroom above 1 holds the legend, clear of the curves
            a.set_yticks(np.linspace(0, 1, 6))
            a.grid(alpha=0.3)
        if legend:
            axes[0].legend(loc="upper center", ncols=4, fontsize="x-small", framealpha=0.8, handlelength=1.5)
        self.axes_ = axes
        self.ax_ = axes[0]
        self.figure_ = axes[0].figure
        return self
