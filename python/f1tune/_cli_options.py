"""Argument types and options shared by the ``f1tune`` sub-commands."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import NoReturn


def int_at_least(low: int) -> Callable[[str], int]:
    """Return an argparse type: an integer >= ``low``, with a one-line error naming what was given."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= {low}, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"expected an integer >= {low}, got {text}")
        return value

    return parse


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line (``f1tune demo: error: ...``) and exit code 2, without the usage block."""

    def error(self, message: str) -> NoReturn:
        """Print ``message`` as one line on stderr and exit with code 2."""
        self.exit(2, f"{self.prog}: error: {message}\n")


def add_tuning_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--average`` and ``--beta`` as :func:`f1tune.tune_thresholds` takes them."""
    parser.add_argument(
        "--average",
        default="macro",
        choices=["macro", "weighted", "micro", "global", "none"],
        help="what to maximize (default macro: each label's own F-beta; 'none' is per label)",
    )
    parser.add_argument("--beta", type=float, default=1.0, help="F-beta's beta (default 1)")


def tuning_average(args: argparse.Namespace) -> str | None:
    """Return the ``average`` to pass to :func:`f1tune.tune_thresholds` (``--average none`` is None)."""
    return None if args.average == "none" else args.average
