"""Figures that show a threshold decision: curves, score histograms, spreads, strategy summaries.

Displays follow scikit-learn's conventions: build one with ``from_predictions(...)`` (or
``from_result`` / ``from_estimator``), draw again with ``.plot(ax=...)``; the display keeps its
matplotlib artists as attributes ending in ``_``. matplotlib is imported when a display is first
drawn (``pip install 'f1tune[plot]'``); ``import f1tune`` never imports it.
"""

from __future__ import annotations

from f1tune.plotting._fbeta_curve import FBetaCurveDisplay
from f1tune.plotting._score_histogram import ScoreHistogramDisplay
from f1tune.plotting._strategy_summary import StrategySummaryDisplay
from f1tune.plotting._threshold_spread import ThresholdSpreadDisplay

__all__ = ["FBetaCurveDisplay", "ScoreHistogramDisplay", "StrategySummaryDisplay", "ThresholdSpreadDisplay"]
