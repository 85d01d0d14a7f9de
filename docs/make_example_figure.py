"""Draw docs/example.png, the README's picture of a threshold decision.

Three labels of a synthetic multi-label problem shaped like the seed article's movie genres
(a common, a mid and a rare label; calibrated scores): the top row shows F1, precision and
recall against the threshold with each label's exact best threshold marked, the bottom row the
scores of the true negatives and positives with the same threshold.

Run from the repository root: ``python docs/make_example_figure.py`` (needs matplotlib).
"""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from f1tune.plotting import FBetaCurveDisplay, ScoreHistogramDisplay  # noqa: E402
from f1tune.thresholds import tune_thresholds  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "example.png")


def make_scores(n: int = 20_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Calibrated scores and labels drawn from them: label j is 1 with probability score j."""
    rng = np.random.default_rng(seed)
    names = ["Drama (common)", "Comedy", "Horror (rare)"]
    offsets, slopes = np.array([0.0, -0.9, -3.0]), np.array([1.0, 1.4, 1.6])
    z = rng.normal(size=(n, 3))
    p = 1.0 / (1.0 + np.exp(-(offsets + slopes * z)))
    y = (rng.random((n, 3)) < p).astype(np.int8)
    return y, p.astype(np.float32), names


def main() -> None:
    """Draw the figure and write it to docs/example.png."""
    y, s, names = make_scores()
    tuned = tune_thresholds(y, s, average=None)
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.6), layout="constrained")
    FBetaCurveDisplay.from_predictions(y, s, thresholds=tuned, label_names=names, ax=axes[0])
    ScoreHistogramDisplay.from_predictions(y, s, thresholds=tuned, label_names=names, ax=axes[1], bins=40)
    fig.suptitle("Each label's F1-optimal threshold (dashed), its curves and its scores by true class")
    fig.savefig(OUT, dpi=80)
    print(f"wrote {OUT} ({os.path.getsize(OUT) / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
