"""Command line: ``f1tune demo``, ``tune``, ``apply`` and ``report`` (also ``python -m f1tune ...``).

Every bad input ends with one line on stderr naming the argument, and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from f1tune._cli_apply import add_apply_parser, run_apply
from f1tune._cli_inputs import add_input_arguments, add_progress_argument, read_input
from f1tune._cli_options import OneLineParser, add_tuning_options, int_at_least, tuning_average
from f1tune._cli_report import add_report_parser, run_report

__all__ = ["main"]


_positive_int = int_at_least(1)


def _parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="f1tune", description="Exact F1/F-beta threshold tuning and prediction stretching.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{demo,tune,apply,report}")

    demo = sub.add_parser(
        "demo",
        help="reproduce the NN-stretching seed experiment on its toy data",
        description="Make the seed article's toy data and compare threshold tuning with the Stretcher on it.",
    )
    demo.add_argument(
        "--rows", type=_positive_int, default=None, help="training rows (default 100000; 20000 with --quick)"
    )
    demo.add_argument(
        "--test-rows", type=_positive_int, default=None, help="test rows (default 10000; 5000 with --quick)"
    )
    demo.add_argument("--labels", type=_positive_int, default=100, help="number of labels (default 100)")
    demo.add_argument(
        "--seed", type=int_at_least(0), default=0, help="random seed of the data and the networks (default 0)"
    )
    demo.add_argument("--epochs", type=_positive_int, default=None, help="override the Stretcher's default epochs")
    demo.add_argument("--threads", type=_positive_int, default=1, help="torch threads for the Stretchers (default 1)")
    demo.add_argument("--quick", action="store_true", help="a smaller problem: a few seconds")
    demo.add_argument("--progress", action="store_true", help="show the Stretchers' progress bars")

    tune = sub.add_parser(
        "tune",
        help="tune thresholds and write them as JSON (f1tune.ThresholdResult.load and 'f1tune apply' read it)",
        description="Find the thresholds that maximize F-beta of y_score >= threshold against y_true.",
    )
    add_input_arguments(tune, "y-true", "0/1 labels")
    add_input_arguments(tune, "y-score", "float scores")
    add_tuning_options(tune)
    tune.add_argument(
        "-o", "--output", default="-", help="output file: a ThresholdResult as JSON (default: standard output)"
    )
    add_progress_argument(tune)
    add_apply_parser(sub)
    add_report_parser(sub)
    return parser


def _demo(args: argparse.Namespace) -> int:
    from f1tune.demo import format_table, run_demo

    n_train = args.rows if args.rows is not None else (20_000 if args.quick else 100_000)
    n_test = args.test_rows if args.test_rows is not None else (5_000 if args.quick else 10_000)
    print(
        f"f1tune demo: {n_train:,} training rows x {args.labels} labels; tuning thresholds and training two "
        "Stretchers...",
        file=sys.stderr,
        flush=True,
    )
    t0 = time.perf_counter()
    result = run_demo(
        n_train, n_test, args.labels, args.seed, epochs=args.epochs, progress=args.progress, n_threads=args.threads
    )
    print(format_table(result))
    print(f"(total {time.perf_counter() - t0:.1f} s)")
    return 0


def _tune(args: argparse.Namespace) -> int:
    from f1tune.thresholds import tune_thresholds

    y_true = read_input(args, "y-true").array
    y_score = read_input(args, "y-score").array

    average = tuning_average(args)
    result = tune_thresholds(y_true, y_score, average=average, beta=args.beta)
    if args.output == "-":
        print(result.to_json())
    else:
        result.save(args.output)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``f1tune`` command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    args = _parser().parse_args(argv)
    commands = {"demo": _demo, "tune": _tune, "apply": run_apply, "report": run_report}
    try:
        return commands[args.command](args)
    except ImportError as err:
        hint = " (the demo needs torch: pip install 'f1tune[torch]')" if args.command == "demo" else ""
        print(f"f1tune {args.command}: error: {err}{hint}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, OSError, MemoryError) as err:
        message = " ".join(str(err).split()) or type(err).__name__  # one line, whatever the message
        print(f"f1tune {args.command}: error: {message}", file=sys.stderr)
        return 2
