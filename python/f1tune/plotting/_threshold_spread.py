"""Each label's threshold with its spread over bootstrap resamples or cross-validation folds."""

from __future__ import annotations

from typing import Any

import numpy as np

from f1tune.plotting._labels import check_label_names
from f1tune.plotting._matplotlib import one_axes


class ThresholdSpreadDisplay:
    """Per-label thresholds with how far they move between resamples or folds.

    A threshold the data pins down has a small spread; a wide spread (a flat, noisy F-beta
    curve) says the exact optimum of one sample will not be the optimum of the next. Labels
    are rows, thresholds the x axis, so a hundred labels stay readable.

    It is recommended to create a display with :meth:`from_result` (a bootstrap
    :class:`f1tune.ThresholdResult`), :meth:`from_cv_results` or :meth:`from_estimator` (a
    fitted :class:`f1tune.sklearn.TunedThresholdsClassifierCV`).

    Parameters
    ----------
    thresholds : ndarray of shape (n_labels,)
        The thresholds in use.
    label_names : list of str
        One name per label.
    threshold_std : ndarray of shape (n_labels,) or None
        Standard deviation of each label's threshold over bootstrap resamples (drawn as
        ``thresholds +- threshold_std``).
    fold_thresholds : ndarray of shape (n_folds, n_labels) or None
        Each fold's own optimum (drawn as small points).

    Attributes
    ----------
    threshold_points_ : matplotlib Line2D
        The thresholds in use, one point per label.
    errorbar_ : matplotlib ErrorbarContainer or None
        The bootstrap spread (None without ``threshold_std``).
    fold_points_ : matplotlib PathCollection or None
        The per-fold thresholds (None without ``fold_thresholds``).
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np, f1tune
    >>> from f1tune.plotting import ThresholdSpreadDisplay
    >>> rng = np.random.default_rng(0)
    >>> y = rng.random((500, 3)) < 0.3
    >>> s = np.clip(y + rng.normal(0, 0.6, y.shape), 0, 1)
    >>> res = f1tune.tune_thresholds(y, s, n_bootstrap=20, random_state=0)
    >>> ThresholdSpreadDisplay.from_result(res).errorbar_ is not None
    True
    """

    def __init__(
        self,
        thresholds: np.ndarray,
        label_names: list[str],
        *,
        threshold_std: np.ndarray | None = None,
        fold_thresholds: np.ndarray | None = None,
    ) -> None:
        self.thresholds = thresholds
        self.label_names = label_names
        self.threshold_std = threshold_std
        self.fold_thresholds = fold_thresholds

    @classmethod
    def from_result(cls, result: Any, *, label_names: Any = None, ax: Any = None) -> ThresholdSpreadDisplay:
        """Draw a bootstrap-aggregated ThresholdResult: thresholds +- their resamples' std.

        Parameters
        ----------
        result : ThresholdResult
            From ``tune_thresholds(..., n_bootstrap=B)`` with B > 0.
        label_names : list of str, optional
            One name per label.
        ax : matplotlib Axes, optional

        Returns
        -------
        ThresholdSpreadDisplay
        """
        std = getattr(result, "threshold_std", None)
        if std is None:
            raise ValueError(
                "result: expected a bootstrap ThresholdResult (tune_thresholds(..., n_bootstrap=B) with B > 0), "
                f"got {'one without threshold_std' if hasattr(result, 'thresholds') else type(result).__name__}"
            )
        t = np.asarray(result.thresholds, dtype=np.float64)
        disp = cls(t, check_label_names(label_names, t.shape[0]), threshold_std=np.asarray(std, dtype=np.float64))
        return disp.plot(ax=ax)

    @classmethod
    def from_cv_results(
        cls, cv_results: Any, thresholds: Any, *, label_names: Any = None, ax: Any = None
    ) -> ThresholdSpreadDisplay:
        """Draw the folds' own optima around the thresholds in use.

        Parameters
        ----------
        cv_results : dict
            ``TunedThresholdsClassifierCV.cv_results_`` (``store_cv_results=True``): its
            ``"fold_thresholds"`` (n_folds, n_labels) and, with bootstrap,
            ``"bootstrap_threshold_std"``.
        thresholds : array-like of shape (n_labels,)
            The thresholds in use (the estimator's ``thresholds_``).
        label_names : list of str, optional
        ax : matplotlib Axes, optional

        Returns
        -------
        ThresholdSpreadDisplay
        """
        if not isinstance(cv_results, dict) or "fold_thresholds" not in cv_results:
            raise ValueError(
                "cv_results: expected TunedThresholdsClassifierCV.cv_results_ (a dict with 'fold_thresholds'), "
                f"got {type(cv_results).__name__}"
            )
        folds = np.asarray(cv_results["fold_thresholds"], dtype=np.float64)
        t = np.asarray(thresholds, dtype=np.float64)
        if folds.ndim != 2 or t.shape != (folds.shape[1],):
            raise ValueError(
                f"thresholds: expected shape ({folds.shape[-1]},) to match cv_results['fold_thresholds'] "
                f"{folds.shape}, got {t.shape}"
            )
        std = cv_results.get("bootstrap_threshold_std")
        disp = cls(
            t,
            check_label_names(label_names, t.shape[0]),
            threshold_std=None if std is None else np.asarray(std, dtype=np.float64),
            fold_thresholds=folds,
        )
        return disp.plot(ax=ax)

    @classmethod
    def from_estimator(cls, estimator: Any, *, label_names: Any = None, ax: Any = None) -> ThresholdSpreadDisplay:
        """Draw a fitted ``TunedThresholdsClassifierCV`` (with ``store_cv_results=True``).

        Parameters
        ----------
        estimator : TunedThresholdsClassifierCV
            Fitted, with ``cv_results_``.
        label_names : list of str, optional
        ax : matplotlib Axes, optional

        Returns
        -------
        ThresholdSpreadDisplay
        """
        if not hasattr(estimator, "cv_results_"):
            raise ValueError(
                "estimator: expected a fitted TunedThresholdsClassifierCV with store_cv_results=True "
                f"(it has cv_results_), got {type(estimator).__name__} without cv_results_"
            )
        return cls.from_cv_results(estimator.cv_results_, estimator.thresholds_, label_names=label_names, ax=ax)

    def plot(self, ax: Any = None) -> ThresholdSpreadDisplay:
        """Draw one row per label.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Default a new figure whose height grows with the number of labels.

        Returns
        -------
        ThresholdSpreadDisplay
            ``self``, with the artists set.
        """
        n = self.thresholds.shape[0]
        ax = one_axes(ax, size=(6.5, min(1.5 + 0.28 * n, 40.0)))
        rows = np.arange(n)
        self.fold_points_ = None
        if self.fold_thresholds is not None:
            k = self.fold_thresholds.shape[0]
            self.fold_points_ = ax.scatter(
                self.fold_thresholds.ravel(),
                np.tile(rows, k),
                s=14,
                color="tab:gray",
                alpha=0.7,
                label=f"each fold's own optimum ({k} folds)",
                zorder=2,
            )
        self.errorbar_ = None
        if self.threshold_std is not None:
            self.errorbar_ = ax.errorbar(
                self.thresholds,
                rows,
                xerr=self.threshold_std,
                fmt="none",
                ecolor="tab:blue",
                elinewidth=2,
                capsize=3,
                label="± bootstrap std",
                zorder=3,
            )
        (self.threshold_points_,) = ax.plot(
            self.thresholds, rows, "D", color="black", ms=5, label="threshold in use", zorder=4
        )
        ax.set_yticks(rows, self.label_names, fontsize="small" if n <= 30 else "x-small")
        ax.set_ylim(n - 0.5, -0.5)  # first label on top
        ax.set_xlabel("threshold (predict y_score >= threshold)")
        ax.set_ylabel("label")
        ax.grid(axis="x", alpha=0.3)
        # Above the axes, not inside: with many labels and folds there is no empty corner.
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3, fontsize="small", frameon=False)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self
