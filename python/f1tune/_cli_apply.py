"""``f1tune apply``: saved thresholds + scores -> a 0/1 predictions file."""

from __future__ import annotations

import argparse
import csv
import os

import numpy as np

from f1tune._cli_inputs import add_input_arguments, add_progress_argument, read_input

OUTPUT_KINDS = (".npy", ".csv")


def add_apply_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``apply`` sub-command."""
    apply = sub.add_parser(
        "apply",
        help="apply saved thresholds (the JSON 'tune' writes) to scores: a .npy (bool) or .csv (0/1) file",
        description="Predict y_score >= threshold per label with thresholds saved by 'f1tune tune'.",
    )
    apply.add_argument("--thresholds", required=True, metavar="JSON", help="a ThresholdResult saved by 'f1tune tune'")
    add_input_arguments(apply, "y-score", "float scores")
    apply.add_argument(
        "-o", "--output", required=True, help="predictions file: .npy (bool array) or .csv (0/1 with a header row)"
    )
    add_progress_argument(apply)


def run_apply(args: argparse.Namespace) -> int:
    """Run ``apply``; return the exit code."""
    from f1tune._threshold_result import ThresholdResult

    ext = os.path.splitext(args.output)[1].lower()
    if ext not in OUTPUT_KINDS:
        raise ValueError(f"--output: expected a .npy or .csv file name, got {args.output!r}")
    try:
        result = ThresholdResult.load(args.thresholds)
    except OSError as err:
        raise ValueError(f"--thresholds: {args.thresholds}: {err.strerror or err}") from None
    except ValueError as err:
        raise ValueError(f"--thresholds: {args.thresholds}: {err}") from None
    scores = read_input(args, "y-score")
    # The library's one comparison rule (y_score >= threshold, in float64), shape checks included.
    predicted = result.predict(scores.array)  # same shape as the scores
    if ext == ".npy":
        with open(args.output, "wb") as f:  # np.save(path) would append .npy to other names
            np.save(f, predicted)
    else:
        predicted = predicted.reshape(predicted.shape[0], -1)  # one column per label, also for 1-D scores
        names = scores.names or [f"label_{j}" for j in range(predicted.shape[1])]
        with open(args.output, "w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerow(names)  # quoted where a name holds a comma
            np.savetxt(f, predicted.astype(np.uint8), fmt="%d", delimiter=",")
    return 0
