"""The seed experiment, reproduced: threshold tuning and the Stretcher side by side.

:func:`run_demo` makes the seed article's toy data (:func:`f1tune.datasets.make_seed_toy`),
fits every method on the training rows and scores it on the test rows; :func:`format_table`
renders the rows. ``python -m f1tune demo`` does both.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from f1tune.datasets import make_seed_toy
from f1tune.metrics import f1_score

__all__ = ["SEED_GLOBAL_F1", "SEED_STRETCHER_F1", "DemoResult", "DemoRow", "format_table", "run_demo"]

SEED_GLOBAL_F1 = 0.7935  # the article's best of 20 global thresholds (0.42)
SEED_STRETCHER_F1 = 0.9900  # the article's network, thresholded at 0.5 (Keras, 200 epochs)
SEED_GRID = np.linspace(0.0, 1.0, 20)  # the article's global-threshold grid


@dataclass(frozen=True)
class DemoRow:
    """One method's result on the test rows.

    Attributes
    ----------
    method : str
        What was fitted.
    threshold : str
        The threshold used: a number, "per label", or the Stretcher's threshold.
    micro_f1, macro_f1 : float
        Test micro-/macro-F1 of the predictions ``score >= threshold``.
    fit_time : float
        Seconds to fit on the training rows (threshold search or network training).
    seed_reported : float or None
        The seed article's figure for this method, where it reports one.
    """

    method: str
    threshold: str
    micro_f1: float
    macro_f1: float
    fit_time: float
    seed_reported: float | None = None


@dataclass(frozen=True)
class DemoResult:
    """Rows of :func:`run_demo` and the setting that produced them."""

    rows: list[DemoRow]
    n_train: int
    n_test: int
    n_labels: int
    random_state: int


def _scores(y_true: np.ndarray, y_score: np.ndarray, thresholds: Any) -> tuple[float, float]:
    micro = f1_score(y_true, y_score, thresholds=thresholds, average="micro")
    macro = f1_score(y_true, y_score, thresholds=thresholds, average="macro")
    return float(micro), float(macro)


def run_demo(
    n_train: int = 100_000,
    n_test: int = 10_000,
    n_labels: int = 100,
    random_state: int = 0,
    *,
    epochs: int | None = None,
    progress: bool = False,
    n_threads: int | None = 1,
) -> DemoResult:
    """Fit every method on the seed toy problem's training rows; score it on the test rows.

    Methods: the seed's 20-point global grid (scored in one batched :func:`f1tune.f1_score`
    call), the exact best global threshold, exact per-label macro-optimal and micro-optimal
    thresholds (:func:`f1tune.tune_thresholds`), and the default :class:`f1tune.Stretcher`
    trained with BCE and with soft-F1, each thresholded at 0.5 and at the single threshold
    tuned on its held-out (cross-fitted) outputs (``tune_threshold=True``: one shared threshold; one fit gives both rows). Thresholds
    are always chosen on the training rows (the article searched its grid on the test rows).

    Parameters
    ----------
    n_train, n_test, n_labels : int
        Size of the toy problem; the defaults are the article's.
    random_state : int, default=0
        Seed of the data and of the Stretchers.
    epochs : int, optional
        Override the Stretchers' upper bound on passes over the training rows (their budget is
        ``max_steps`` optimizer steps; ``epochs`` caps it at ``epochs`` passes).
    progress : bool, default=False
        Show the Stretchers' progress bars.
    n_threads : int or None, default=1
        torch threads for the Stretchers (see :class:`f1tune.Stretcher`); None keeps torch's.

    Returns
    -------
    DemoResult
        One :class:`DemoRow` per method, in the order above.
    """
    from f1tune.stretcher import Stretcher
    from f1tune.thresholds import tune_thresholds

    data = make_seed_toy(n_train, n_test, n_labels, random_state)
    rows: list[DemoRow] = []

    t0 = time.perf_counter()
    grid_f1 = f1_score(data.y_train, data.X_train, thresholds=SEED_GRID[:, None])  # one pass, 20 settings
    best = float(SEED_GRID[int(np.argmax(grid_f1))])
    fit_time = time.perf_counter() - t0
    rows.append(
        DemoRow(
            "Global threshold, seed's 20-point grid (1 batched f1_score call)",
            f"{best:.3f}",
            *_scores(data.y_test, data.X_test, best),
            fit_time,
            SEED_GLOBAL_F1,
        )
    )

    for method, average in (
        ("Best global threshold (exact)", "global"),
        ("Per-label thresholds (exact, macro-optimal)", "macro"),
        ("Per-label thresholds (exact, micro-optimal)", "micro"),
    ):
        t0 = time.perf_counter()
        tuned = tune_thresholds(data.y_train, data.X_train, average=average)
        fit_time = time.perf_counter() - t0
        thresholds = np.asarray(tuned.thresholds, dtype=np.float64)
        shown = f"{thresholds.ravel()[0]:.3f}" if average == "global" else "per label"
        rows.append(DemoRow(method, shown, *_scores(data.y_test, data.X_test, thresholds), fit_time))

    extra: dict[str, Any] = {} if epochs is None else {"epochs": epochs}
    for name, loss, seed_f1 in (("BCE (default)", "bce", SEED_STRETCHER_F1), ("soft-F1", "soft_f1", None)):
        st = Stretcher(
            loss=loss, tune_threshold=True, random_state=random_state, progress=progress, n_threads=n_threads, **extra
        )
        st.fit(data.X_train, data.y_train)
        p = st.transform(data.X_test)
        rows.append(
            DemoRow(
                f"Stretcher, {name}", f"{st.threshold:g}", *_scores(data.y_test, p, st.threshold), st.fit_time_, seed_f1
            )
        )
        rows.append(
            DemoRow(
                f"Stretcher, {name}, one threshold tuned on held-out outputs",
                f"{st.threshold_:.3f}",
                *_scores(data.y_test, p, st.threshold_),
                st.fit_time_,
            )
        )
    return DemoResult(rows, n_train, n_test, n_labels, random_state)


def format_table(result: DemoResult) -> str:
    """Render a :class:`DemoResult` as a plain-text table with a one-line header."""
    head = ("method", "threshold", "micro-F1", "macro-F1", "fit time", "seed article")
    body = [
        (
            r.method,
            r.threshold,
            f"{r.micro_f1:.4f}",
            f"{r.macro_f1:.4f}",
            f"{r.fit_time:.2f} s" if r.fit_time >= 0.1 else f"{r.fit_time * 1e3:.1f} ms",
            "" if r.seed_reported is None else f"{r.seed_reported:.4f}",
        )
        for r in result.rows
    ]
    widths = [max(len(row[i]) for row in (head, *body)) for i in range(len(head))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    title = (
        f"Seed toy problem: {result.n_train:,} training rows, {result.n_test:,} test rows, "
        f"{result.n_labels} labels, seed {result.random_state}. Thresholds and networks are fitted "
        "on the training rows; F1 is measured on the test rows."
    )
    rule = "-" * len(line(head))
    best = max(result.rows, key=lambda r: r.micro_f1)
    footer = f"Highest test micro-F1: {best.method} ({best.micro_f1:.4f})."
    return "\n".join([title, "", line(head), rule, *(line(b) for b in body), rule, footer])
