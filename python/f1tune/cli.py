"""Command line: ``f1tune demo`` and ``f1tune tune`` (also ``python -m f1tune ...``)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import NoReturn

__all__ = ["main"]


def _int_at_least(low: int):  # noqa: ANN202  (an argparse type)
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= {low}, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"expected an integer >= {low}, got {text}")
        return value

    return parse


_positive_int = _int_at_least(1)


class _OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line (``f1tune demo: error: ...``) and exit code 2, without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="f1tune", description="Exact F1/F-beta threshold tuning and prediction stretching.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{demo,tune}")

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
        "--seed", type=_int_at_least(0), default=0, help="random seed of the data and the networks (default 0)"
    )
    demo.add_argument("--epochs", type=_positive_int, default=None, help="override the Stretcher's default epochs")
    demo.add_argument("--threads", type=_positive_int, default=1, help="torch threads for the Stretchers (default 1)")
    demo.add_argument("--quick", action="store_true", help="a smaller problem: a few seconds")
    demo.add_argument("--progress", action="store_true", help="show the Stretchers' progress bars")

    tune = sub.add_parser(
        "tune",
        help="tune thresholds on .npy arrays and write them as JSON (f1tune.ThresholdResult.load reads it)",
        description="Find the thresholds that maximize F-beta of y_score >= threshold against y_true.",
    )
    tune.add_argument("--y-true", required=True, help=".npy file of 0/1 labels, shape (n_samples, n_labels)")
    tune.add_argument("--y-score", required=True, help=".npy file of float scores, same shape")
    tune.add_argument(
        "--average",
        default="macro",
        choices=["macro", "weighted", "micro", "global", "none"],
        help="what to maximize (default macro: each label's own F-beta; 'none' is per label)",
    )
    tune.add_argument("--beta", type=float, default=1.0, help="F-beta's beta (default 1)")
    tune.add_argument(
        "-o", "--output", default="-", help="output file: a ThresholdResult as JSON (default: standard output)"
    )
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
    from f1tune._array_files import load_npy
    from f1tune.thresholds import tune_thresholds

    y_true = load_npy(args.y_true, "--y-true")
    y_score = load_npy(args.y_score, "--y-score")

    average = None if args.average == "none" else args.average
    result = tune_thresholds(y_true, y_score, average=average, beta=args.beta)
    if args.output == "-":
        print(result.to_json())
    else:
        result.save(args.output)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``f1tune`` command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    args = _parser().parse_args(argv)
    try:
        return _demo(args) if args.command == "demo" else _tune(args)
    except ImportError as err:
        hint = " (the demo needs torch: pip install 'f1tune[torch]')" if args.command == "demo" else ""
        print(f"f1tune {args.command}: error: {err}{hint}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, OSError, MemoryError) as err:
        message = " ".join(str(err).split()) or type(err).__name__  # one line, whatever the message
        print(f"f1tune {args.command}: error: {message}", file=sys.stderr)
        return 2
