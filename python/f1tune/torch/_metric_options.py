"""The options of the tuned F-beta metric, checked once at construction."""

from __future__ import annotations

import numbers
from typing import Any, NamedTuple

from f1tune._validation import check_average, check_beta, check_bool, check_zero_division

# The averages ThresholdTuner tunes for; None gives per-label scores.
METRIC_AVERAGES = ("micro", "macro", "weighted", "global", None)


class MetricOptions(NamedTuple):
    """The metric's options after checking."""

    num_labels: int
    average: str | None
    beta: float
    zero_division: Any
    exact: bool
    bins: int
    from_logits: bool


def check_metric_options(
    num_labels: Any,
    *,
    average: Any,
    beta: Any,
    zero_division: Any,
    exact: Any,
    bins: Any,
    from_logits: Any,
) -> MetricOptions:
    """Check the constructor arguments of the metric; messages name the argument."""
    if isinstance(num_labels, bool) or not isinstance(num_labels, numbers.Integral) or num_labels < 1:
        raise ValueError(f"num_labels: expected an integer >= 1, got {num_labels!r}")
    if isinstance(bins, bool) or not isinstance(bins, numbers.Integral) or not 2 <= int(bins) <= 2**24:
        raise ValueError(f"bins: expected an integer in [2, 2**24], got {bins!r}")
    check_zero_division(zero_division)  # kept as given: "warn" must still warn when the result is scored
    return MetricOptions(
        num_labels=int(num_labels),
        average=check_average(average, METRIC_AVERAGES),
        beta=check_beta(beta),
        zero_division=zero_division,
        exact=check_bool(exact, "exact"),
        bins=int(bins),
        from_logits=check_bool(from_logits, "from_logits"),
    )
