"""``f1tune report``: an HTML page with the figures and the per-label table of a threshold decision."""

from __future__ import annotations

import argparse

from f1tune._cli_inputs import add_input_arguments, add_progress_argument, read_input
from f1tune._cli_options import add_tuning_options, int_at_least, tuning_average
from f1tune._report import DEFAULT_MAX_PLOTS


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction in (0, 1), got {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a fraction in (0, 1), got {text}")
    return value


def add_report_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``report`` sub-command."""
    report = sub.add_parser(
        "report",
        help="write a self-contained HTML report: figures and a per-label table of the tuned thresholds",
        description="Tune thresholds and write an HTML page with the F-beta curves, score histograms, "
        "strategy comparison and a per-label table (PNG figures embedded; needs matplotlib).",
    )
    add_input_arguments(report, "y-true", "0/1 labels")
    add_input_arguments(report, "y-score", "float scores")
    add_tuning_options(report)
    report.add_argument(
        "--holdout",
        type=_fraction,
        metavar="FRACTION",
        help="tune on the other rows and measure every F-beta on this fraction of rows (default: measure on "
        "the tuning data, which is optimistic)",
    )
    report.add_argument(
        "--seed", type=int_at_least(0), default=0, help="seed of the holdout split and the bootstrap (default 0)"
    )
    report.add_argument(
        "--n-bootstrap",
        type=int_at_least(0),
        default=0,
        help="bootstrap-aggregate the thresholds over B resamples and draw their spread (default 0: exact)",
    )
    report.add_argument(
        "--max-plots",
        type=int_at_least(1),
        default=DEFAULT_MAX_PLOTS,
        help=f"labels drawn as curves and histograms (default {DEFAULT_MAX_PLOTS}; the table lists all)",
    )
    report.add_argument("-o", "--output", required=True, help="the HTML file to write")
    add_progress_argument(report)


def run_report(args: argparse.Namespace) -> int:
    """Run ``report``; return the exit code."""
    from f1tune._report import build_report
    from f1tune.plotting._matplotlib import INSTALL_COMMAND

    try:  # fail before reading the inputs when matplotlib is missing
        import matplotlib
    except ImportError:
        raise ImportError(f"the report draws with matplotlib: {INSTALL_COMMAND}") from None
    matplotlib.use("Agg")  # files only: never open a window
    y = read_input(args, "y-true")
    s = read_input(args, "y-score")
    page = build_report(
        y.array,
        s.array,
        average=tuning_average(args),
        beta=args.beta,
        holdout=args.holdout,
        seed=args.seed,
        n_bootstrap=args.n_bootstrap,
        label_names=s.names or y.names,
        max_plots=args.max_plots,
    )
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(page)
    return 0
