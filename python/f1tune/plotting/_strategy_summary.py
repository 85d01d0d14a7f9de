"""Micro and macro F-beta of the four threshold strategies, side by side."""

from __future__ import annotations

from typing import Any

import numpy as np

from f1tune.plotting._axes import fbeta_name
from f1tune.plotting._matplotlib import one_axes
from f1tune.plotting._strategies import STRATEGIES, STRATEGY_TITLES, StrategyScores, compare_strategies

_COLORS = {"0.5": "tab:gray", "global": "tab:blue", "per label": "tab:orange", "micro": "tab:green"}


class StrategySummaryDisplay:
    """Micro and macro F-beta of four threshold strategies: 0.5, one global, per label, micro.

    The thresholds that maximize micro F-beta differ from the per-label (macro) ones; this
    figure shows what each choice costs under each average. Scored on held-out data when given,
    otherwise on the tuning data (optimistic: say so in the title).

    It is recommended to create a display with :meth:`from_predictions`.

    Parameters
    ----------
    scores : StrategyScores
        Thresholds and F-beta of each strategy.
    beta : float
        The F-beta's beta.
    held_out : bool
        Whether the scores were measured on data the thresholds were not tuned on.

    Attributes
    ----------
    bars_ : dict of str to matplotlib BarContainer
        One container per strategy, holding its micro and its macro bar.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from f1tune.plotting import StrategySummaryDisplay
    >>> rng = np.random.default_rng(0)
    >>> y = rng.random((1000, 4)) < 0.3
    >>> s = np.clip(y + rng.normal(0, 0.5, y.shape), 0, 1)
    >>> sorted(StrategySummaryDisplay.from_predictions(y, s).bars_)
    ['0.5', 'global', 'micro', 'per label']
    """

    def __init__(self, scores: StrategyScores, *, beta: float = 1.0, held_out: bool = False) -> None:
        self.scores = scores
        self.beta = beta
        self.held_out = held_out

    @classmethod
    def from_predictions(
        cls,
        y_true: Any,
        y_score: Any,
        *,
        beta: float = 1.0,
        y_true_eval: Any = None,
        y_score_eval: Any = None,
        ax: Any = None,
    ) -> StrategySummaryDisplay:
        """Tune the four strategies on ``(y_true, y_score)``, score them, draw the bars.

        Parameters
        ----------
        y_true, y_score : array-like of shape (n_samples, n_labels)
            Tuning data.
        beta : float, default=1.0
            Weight of recall relative to precision.
        y_true_eval, y_score_eval : array-like of shape (m_samples, n_labels), optional
            Held-out data to score on (default: the tuning data, which flatters tuned thresholds).
        ax : matplotlib Axes, optional

        Returns
        -------
        StrategySummaryDisplay
        """
        scores = compare_strategies(y_true, y_score, beta=beta, y_eval=y_true_eval, s_eval=y_score_eval)
        return cls(scores, beta=beta, held_out=y_true_eval is not None).plot(ax=ax)

    def plot(self, ax: Any = None) -> StrategySummaryDisplay:
        """Draw grouped bars: one group per average (micro, macro), one bar per strategy.

        Parameters
        ----------
        ax : matplotlib Axes, optional

        Returns
        -------
        StrategySummaryDisplay
            ``self``, with the artists set.
        """
        ax = one_axes(ax, size=(6.5, 4.0))
        fname = fbeta_name(self.beta)
        names = list(STRATEGIES)
        width = 0.8 / len(names)
        groups = np.arange(2)
        self.bars_ = {}
        for i, name in enumerate(names):
            values = [self.scores.micro[name], self.scores.macro[name]]
            bars = ax.bar(
                groups + (i - (len(names) - 1) / 2) * width,
                values,
                width * 0.95,
                color=_COLORS[name],
                label=f"{name}: {STRATEGY_TITLES[name].replace('F-beta', fname)}",
            )
            ax.bar_label(bars, fmt="%.3f", fontsize="x-small", padding=2)
            self.bars_[name] = bars
        ax.set_xticks(groups, [f"micro {fname}", f"macro {fname}"])
        ax.set_ylabel(fname)
        top = max(max(self.scores.micro.values()), max(self.scores.macro.values()))
        ax.set_ylim(0, (top if top > 0 else 1.0) * 1.4)  # headroom for the legend above the bars
        ax.set_yticks([v for v in np.linspace(0, 1, 11) if v <= top * 1.1 + 0.1])  # never a tick above 1
        where = "held-out data" if self.held_out else "the tuning data (optimistic)"
        ax.set_title(f"{fname} of each threshold strategy, measured on {where}", fontsize="medium")
        ax.legend(loc="upper center", fontsize="x-small", ncols=2, framealpha=0.9)
        ax.grid(axis="y", alpha=0.3)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self
