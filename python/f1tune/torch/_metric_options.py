"""The options of the tuned F-beta metric, checked once at construction."""

from __future__ import annotations

from typing import Any, NamedTuple

from f1tune._validation import check_average, check_beta, check_bool, check_int, check_zero_division
from f1tune.tuner import check_bins

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
    n_labels = check_int(num_labels, "num_labels", 1)
    n_bins = check_bins(bins)
    check_zero_division(zero_division)  # kept as given: "warn" must still warn when the result is scored
    return MetricOptions(
        num_labels=n_labels,
        average=check_average(average, METRIC_AVERAGES),
        beta=check_beta(beta),
        zero_division=zero_division,
        exact=check_bool(exact, "exact"),
        bins=n_bins,
        from_logits=check_bool(from_logits, "from_logits"),
    )
