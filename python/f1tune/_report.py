"""A self-contained HTML report of a threshold decision: figures as embedded PNGs, a per-label table."""

from __future__ import annotations

import base64
import html
import io
from typing import Any, NamedTuple

import numpy as np

from f1tune.thresholds import tune_thresholds

DEFAULT_MAX_PLOTS = 6  # labels drawn as curves and histograms (the table lists all)
MAX_SPREAD_LABELS = 60  # rows of the threshold-spread figure


class Split(NamedTuple):
    """Rows that tune the thresholds and rows that score them (the same rows without a holdout)."""

    tune_rows: np.ndarray | None
    eval_rows: np.ndarray | None


def holdout_split(n_samples: int, fraction: float | None, seed: int) -> Split:
    """Shuffle the rows with ``seed`` and hold out ``fraction`` of them for scoring.

    Raises
    ------
    ValueError
        When ``fraction`` is not in (0, 1) or leaves either part empty.
    """
    if fraction is None:
        return Split(None, None)
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"--holdout: expected a fraction in (0, 1), got {fraction}")
    n_eval = int(round(fraction * n_samples))
    if not 0 < n_eval < n_samples:
        raise ValueError(f"--holdout: {fraction} of {n_samples} rows leaves a part empty (need >= 1 row in each)")
    order = np.random.default_rng(seed).permutation(n_samples)
    return Split(np.sort(order[n_eval:]), np.sort(order[:n_eval]))


def _png_data_uri(fig: Any) -> str:
    from f1tune.plotting._matplotlib import pyplot

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    pyplot().close(fig)  # a report may draw many figures: free each one once encoded
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _fmt(x: float) -> str:
    return "nan" if np.isnan(x) else f"{x:.4f}"


def build_report(
    y_true: Any,
    y_score: Any,
    *,
    average: str | None = "macro",
    beta: float = 1.0,
    holdout: float | None = None,
    seed: int = 0,
    n_bootstrap: int = 0,
    label_names: list[str] | None = None,
    max_plots: int = DEFAULT_MAX_PLOTS,
    title: str = "f1tune threshold report",
) -> str:
    """Tune thresholds, score them, draw the figures, return the report as one HTML string.

    Parameters
    ----------
    y_true, y_score : array-like of shape (n_samples, n_labels)
        Targets and scores.
    average : {"macro", "weighted", None, "micro", "global"}, default="macro"
        What the tuned thresholds maximize (as :func:`f1tune.tune_thresholds`).
    beta : float, default=1.0
        Weight of recall relative to precision.
    holdout : float, optional
        Fraction of the rows (shuffled with ``seed``) kept out of tuning and used for every
        F-beta in the report; without it F-beta is measured on the tuning data (optimistic).
    seed : int, default=0
        Seed of the holdout split and of the bootstrap resamples.
    n_bootstrap : int, default=0
        Bootstrap resamples for the tuned thresholds (adds the threshold-spread figure).
    label_names : list of str, optional
        One name per label.
    max_plots : int, default=6
        Labels drawn as curves and histograms (the first ones); the table lists all.
    title : str
        The report's heading.

    Returns
    -------
    str
        A complete HTML document; images are embedded as base64 PNG data URIs.
    """
    from f1tune.plotting._axes import fbeta_name
    from f1tune.plotting._fbeta_curve import FBetaCurveDisplay
    from f1tune.plotting._labels import check_label_names
    from f1tune.plotting._predictions import two_dimensional
    from f1tune.plotting._score_histogram import ScoreHistogramDisplay
    from f1tune.plotting._strategies import STRATEGY_TITLES, compare_strategies, score_thresholds
    from f1tune.plotting._strategy_summary import StrategySummaryDisplay
    from f1tune.plotting._threshold_spread import ThresholdSpreadDisplay

    y, s = two_dimensional(y_true, "y_true"), two_dimensional(y_score, "y_score")
    if y.shape != s.shape:  # checked before the rows are split, so that indexing cannot fail first
        raise ValueError(f"y_true and y_score: expected the same shape, got {y.shape} and {s.shape}")
    split = holdout_split(y.shape[0], holdout, seed)
    if split.tune_rows is None:
        y_tune, s_tune, y_eval, s_eval = y, s, y, s
    else:
        y_tune, s_tune = y[split.tune_rows], s[split.tune_rows]
        y_eval, s_eval = y[split.eval_rows], s[split.eval_rows]
    result = tune_thresholds(
        y_tune, s_tune, average=average, beta=beta, n_bootstrap=n_bootstrap, random_state=seed if n_bootstrap else None
    )
    n_labels = result.n_labels
    names = check_label_names(label_names, n_labels)
    held = split.eval_rows is not None
    strategies = compare_strategies(
        y_tune, s_tune, beta=beta, y_eval=y_eval if held else None, s_eval=s_eval if held else None, tuned=result
    )
    tuned_per_label, tuned_micro, tuned_macro = score_thresholds(y_eval, s_eval, result.thresholds, beta=beta)
    positives = np.asarray(y_eval, dtype=bool).sum(axis=0)

    drawn = list(range(min(max_plots, n_labels)))
    figures = [
        (
            "Threshold strategies",
            StrategySummaryDisplay(strategies, beta=beta, held_out=held).plot().figure_,
        ),
        (
            "F-beta, precision and recall against the threshold (tuned threshold marked)",
            FBetaCurveDisplay.from_predictions(
                y_eval, s_eval, thresholds=result, labels=drawn, label_names=names, beta=beta
            ).figure_,
        ),
        (
            "Scores by true class (tuned threshold marked)",
            ScoreHistogramDisplay.from_predictions(
                y_eval, s_eval, thresholds=result, labels=drawn, label_names=names
            ).figure_,
        ),
    ]
    if result.threshold_std is not None:
        k = min(n_labels, MAX_SPREAD_LABELS)  # one row per label: thousands would be unreadable
        shown = "" if k == n_labels else f" (first {k} of {n_labels} labels)"
        spread = ThresholdSpreadDisplay(result.thresholds[:k], names[:k], threshold_std=result.threshold_std[:k])
        figures.append(
            (f"Spread of the thresholds over {result.n_bootstrap} bootstrap resamples{shown}", spread.plot().figure_)
        )
    images = [(caption, _png_data_uri(fig)) for caption, fig in figures]

    fname = fbeta_name(beta)
    avg_name = "none (per label)" if average is None else average
    if held:
        where = (
            f"Every {fname} below is measured on {y_eval.shape[0]} held-out rows (fraction {holdout}, seed "
            f"{seed}); the thresholds were tuned on the other {y_tune.shape[0]} rows."
        )
    else:
        where = (
            f"Every {fname} below is measured on the same {y.shape[0]} rows the thresholds were tuned on. "
            f"It is optimistic: tuned thresholds fit this data's noise, and new data will score lower. "
            f"Use --holdout FRACTION to measure on rows kept out of tuning."
        )
    e = html.escape
    boot = f", {result.n_bootstrap} bootstrap resamples" if result.n_bootstrap else ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;font-size:0.9em}td,th{border:1px solid #ccc;padding:3px 8px}"
        "td{text-align:right}td:first-child{text-align:left}th{background:#f2f2f2}"
        ".note{background:#fff6dd;border-left:4px solid #e0a800;padding:0.5em 1em}"
        "img{max-width:100%}figure{margin:1.5em 0}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f"<p>{y.shape[0]} rows, {n_labels} labels; thresholds tuned for average={e(avg_name)}, beta={beta:g}"
        + (f", aggregated over {result.n_bootstrap} bootstrap resamples" if result.n_bootstrap else "")
        + ". Prediction rule: positive iff y_score &gt;= threshold.</p>",
        f'<p class="note" id="where-measured">{e(where)}</p>',
        "<h2>Summary</h2>",
        f'<table id="summary"><tr><th>thresholds</th><th>micro {fname}</th><th>macro {fname}</th></tr>',
    ]
    for key, label in STRATEGY_TITLES.items():
        parts.append(
            f"<tr><td>{e(key)}: {e(label.replace('F-beta', fname))}</td><td>{_fmt(strategies.micro[key])}</td>"
            f"<td>{_fmt(strategies.macro[key])}</td></tr>"
        )
    parts.append(
        f"<tr><td><b>tuned (average={e(avg_name)}{boot})</b></td><td><b>{_fmt(tuned_micro)}</b></td>"
        f"<td><b>{_fmt(tuned_macro)}</b></td></tr></table>"
    )
    parts.append("<h2>Per label</h2>")
    parts.append(
        '<table id="per-label"><tr><th>label</th><th>positives</th><th>tuned threshold</th>'
        f"<th>{fname} at 0.5</th><th>{fname} at global threshold</th><th>{fname} at tuned threshold</th></tr>"
    )
    for j in range(n_labels):
        parts.append(
            f"<tr><td>{e(names[j])}</td><td>{int(positives[j])}</td><td>{result.thresholds[j]:.6g}</td>"
            f"<td>{_fmt(strategies.per_label['0.5'][j])}</td><td>{_fmt(strategies.per_label['global'][j])}</td>"
            f"<td>{_fmt(tuned_per_label[j])}</td></tr>"
        )
    parts.append("</table>")
    parts.append(f"<p>The global threshold is {strategies.thresholds['global'][0]:.6g} (shared by all labels).</p>")
    parts.append("<h2>Figures</h2>")
    if n_labels > len(drawn):
        parts.append(f"<p>Curves and histograms show the first {len(drawn)} of {n_labels} labels.</p>")
    for caption, uri in images:
        parts.append(f'<figure><img src="{uri}" alt="{e(caption)}"><figcaption>{e(caption)}</figcaption></figure>')
    parts.append("</body></html>")
    return "\n".join(parts)
