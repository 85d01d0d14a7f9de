"""Command-line options that name an input array (file, .npz member, table columns) and read it."""

from __future__ import annotations

import argparse

from f1tune._array_files import LoadedArray, load_array


def _column_list(text: str) -> list[str]:
    names = [c.strip() for c in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected comma-separated column names, got {text!r}")
    return names


def add_input_arguments(parser: argparse.ArgumentParser, option: str, what: str) -> None:
    """Add ``--<option>`` (the file) and its ``-key``, ``-columns`` and ``-prefix`` selectors.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The sub-command's parser.
    option : str
        ``"y-true"`` or ``"y-score"``.
    what : str
        What the array holds, for the help text.
    """
    parser.add_argument(
        f"--{option}",
        required=True,
        metavar="FILE",
        help=f"{what}, shape (n_samples, n_labels): .npy, .npz (FILE.npz:NAME), .csv or .parquet",
    )
    parser.add_argument(f"--{option}-key", metavar="NAME", help=f"the array in a .npz --{option} file")
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        f"--{option}-columns",
        type=_column_list,
        metavar="A,B,...",
        help=f"the columns of a .csv/.parquet --{option} file, in order (default all)",
    )
    group.add_argument(
        f"--{option}-prefix", metavar="PREFIX", help=f"the columns of a .csv/.parquet --{option} file starting with it"
    )


def add_progress_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--progress``: a bar on stderr while reading tables (default: when stderr is a terminal)."""
    parser.add_argument(
        "--progress",
        action="store_true",
        default=None,
        help="show a progress bar on stderr while reading .csv/.parquet inputs (default: for large files "
        "when stderr is a terminal)",
    )


def read_input(args: argparse.Namespace, option: str) -> LoadedArray:
    """Read the array an ``add_input_arguments`` option names, with the selectors given."""
    attr = option.replace("-", "_")
    return load_array(
        getattr(args, attr),
        f"--{option}",
        key=getattr(args, f"{attr}_key"),
        columns=getattr(args, f"{attr}_columns"),
        prefix=getattr(args, f"{attr}_prefix"),
        progress=getattr(args, "progress", None),
    )
