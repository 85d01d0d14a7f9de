"""Per-label histograms of the scores, split by true class, with the thresholds marked."""

from __future__ import annotations

from typing import Any

import numpy as np

from f1tune.plotting._axes import mark_threshold
from f1tune.plotting._matplotlib import axes_grid
from f1tune.plotting._predictions import check_drawn_predictions

# When one class's tallest bin is this many times the other's, the smaller class would be a
# sliver at the bottom of a linear axis: the count axis goes logarithmic.
LOG_SCALE_RATIO = 10.0


def use_log_scale(negative_counts: np.ndarray, positive_counts: np.ndarray) -> bool:
    """Say whether the two classes' tallest bins differ by ``LOG_SCALE_RATIO`` or more.

    A rare label's positives (or a common label's negatives) then span decades below the other
    class's peak and are unreadable on a linear axis. Single stray counts in the tails of one
    histogram do not decide it: only the peaks do.
    """
    peaks = [float(c.max()) for c in (negative_counts, positive_counts) if c.size and c.max() > 0]
    return len(peaks) == 2 and max(peaks) / min(peaks) >= LOG_SCALE_RATIO


class ScoreHistogramDisplay:
    """Histograms of each label's scores for the true negatives and the true positives.

    The seed article's second figure: where the two classes' scores overlap is where a threshold
    must compromise. Counts are computed once with NumPy (10^6 scores bin in milliseconds) and
    drawn as steps; the count axis is logarithmic when one class's peak is 10 times the other's
    or more (a rare label's positives would otherwise be invisible).

    It is recommended to create a display with :meth:`from_predictions`; all parameters are
    stored as attributes.

    Parameters
    ----------
    bin_edges : list of ndarray of shape (n_bins + 1,)
        Bin edges per drawn label.
    negative_counts, positive_counts : list of ndarray of shape (n_bins,)
        Counts of the scores of rows whose true value is 0 (resp. 1), per drawn label.
    label_names : list of str
        One name per drawn label.
    marked_thresholds : ndarray of shape (n_drawn,) or None
        Threshold marked on each panel.

    Attributes
    ----------
    negative_patches_, positive_patches_ : list of matplotlib StepPatch
        One per drawn label.
    threshold_lines_ : list of matplotlib Line2D
        The vertical line at each marked threshold (empty when nothing is marked).
    log_scale_ : list of bool
        Whether each panel's count axis is logarithmic.
    axes_ : list of matplotlib Axes
    ax_ : matplotlib Axes
        The first panel.
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from f1tune.plotting import ScoreHistogramDisplay
    >>> rng = np.random.default_rng(0)
    >>> y = rng.random((1000, 2)) < 0.3
    >>> s = np.clip(y + rng.normal(0, 0.5, y.shape), 0, 1)
    >>> len(ScoreHistogramDisplay.from_predictions(y, s).positive_patches_)
    2
    """

    def __init__(
        self,
        bin_edges: list[np.ndarray],
        negative_counts: list[np.ndarray],
        positive_counts: list[np.ndarray],
        label_names: list[str],
        *,
        marked_thresholds: np.ndarray | None = None,
    ) -> None:
        self.bin_edges = bin_edges
        self.negative_counts = negative_counts
        self.positive_counts = positive_counts
        self.label_names = label_names
        self.marked_thresholds = marked_thresholds

    @classmethod
    def from_predictions(
        cls,
        y_true: Any,
        y_score: Any,
        *,
        thresholds: Any = "tuned",
        labels: Any = None,
        label_names: Any = None,
        bins: int = 50,
        beta: float = 1.0,
        log_scale: bool | str = "auto",
        ax: Any = None,
    ) -> ScoreHistogramDisplay:
        """Bin the scores of the chosen labels by true class and draw them.

        Parameters
        ----------
        y_true : array-like of shape (n_samples, n_labels) or (n_samples,)
            0/1 targets.
        y_score : array-like of shape (n_samples, n_labels) or (n_samples,)
            Scores.
        thresholds : "tuned", None, float, array-like of shape (n_labels,) or ThresholdResult, default="tuned"
            What to mark: "tuned" marks each label's own best F-beta threshold; None nothing.
        labels : list of int, optional
            Indices of the labels to draw (default all).
        label_names : list of str, optional
            Names of all ``n_labels`` labels.
        bins : int, default=50
            Equal-width bins between each label's lowest and highest score.
        beta : float, default=1.0
            The F-beta's beta for ``thresholds="tuned"``.
        log_scale : "auto" or bool, default="auto"
            Logarithmic count axis; "auto" when one class's tallest bin is 10 times the other's.
        ax : matplotlib Axes or list of Axes, optional
            One Axes per drawn label; default a new figure.

        Returns
        -------
        ScoreHistogramDisplay
        """
        if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
            raise ValueError(f"bins: expected an int >= 1, got {bins!r}")
        y, s, drawn, names, marked = check_drawn_predictions(
            y_true, y_score, thresholds=thresholds, labels=labels, label_names=label_names, beta=beta
        )
        edges, neg, pos = [], [], []
        for j in drawn:
            sj = np.asarray(s[:, j], dtype=np.float64)
            if not np.isfinite(sj).all():
                raise ValueError(f"y_score: expected finite scores, got NaN or infinity in label {j}")
            is_pos = np.asarray(y[:, j]).astype(bool)
            e = np.histogram_bin_edges(sj, bins=bins)
            edges.append(e)
            neg.append(np.histogram(sj[~is_pos], bins=e)[0])
            pos.append(np.histogram(sj[is_pos], bins=e)[0])
        disp = cls(edges, neg, pos, names, marked_thresholds=marked)
        return disp.plot(ax=ax, log_scale=log_scale)

    def plot(self, ax: Any = None, *, log_scale: bool | str = "auto", legend: bool = True) -> ScoreHistogramDisplay:
        """Draw the histograms.

        Parameters
        ----------
        ax : matplotlib Axes or list of Axes, optional
            One Axes per label; default a new figure.
        log_scale : "auto" or bool, default="auto"
            Logarithmic count axis; "auto" when one class's tallest bin is 10 times the other's.
        legend : bool, default=True
            Put one legend on the first panel.

        Returns
        -------
        ScoreHistogramDisplay
            ``self``, with the artists set.
        """
        if not (log_scale == "auto" or isinstance(log_scale, bool)):
            raise ValueError(f'log_scale: expected "auto", True or False, got {log_scale!r}')
        axes = axes_grid(ax, len(self.bin_edges))
        self.negative_patches_, self.positive_patches_, self.threshold_lines_, self.log_scale_ = [], [], [], []
        for k, a in enumerate(axes):
            e, neg, pos = self.bin_edges[k], self.negative_counts[k], self.positive_counts[k]
            log = use_log_scale(neg, pos) if log_scale == "auto" else bool(log_scale)
            self.negative_patches_.append(
                a.stairs(neg, e, fill=True, alpha=0.45, color="tab:blue", label=f"true 0 ({int(neg.sum()):,})")
            )
            self.positive_patches_.append(
                a.stairs(pos, e, fill=True, alpha=0.45, color="tab:red", label=f"true 1 ({int(pos.sum()):,})")
            )
            if self.marked_thresholds is not None:
                t = float(self.marked_thresholds[k])
                self.threshold_lines_.append(mark_threshold(a, t))
                a.set_title(f"{self.label_names[k]}: threshold {t:.3g}", fontsize="medium")
            else:
                a.set_title(self.label_names[k], fontsize="medium")
            # Headroom above the tallest bin holds the legend, so it never covers the bars.
            peak = max(float(neg.max(initial=0)), float(pos.max(initial=0)), 1.0)
            if log:
                a.set_yscale("log")
                a.set_ylim(0.7, peak * 15)
            else:
                a.set_ylim(0, peak * 1.3)
            self.log_scale_.append(log)
            a.set_xlabel("score")
            a.set_ylabel("rows" + (" (log scale)" if log else ""))
            a.grid(alpha=0.3)
            if legend:  # per panel: the class counts differ by label
                a.legend(loc="upper center", ncols=3, fontsize="x-small", framealpha=0.8, handlelength=1.5)
        self.axes_ = axes
        self.ax_ = axes[0]
        self.figure_ = axes[0].figure
        return self
