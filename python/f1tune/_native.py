"""The front of the compiled core: the only module that calls ``f1tune._core``.

Each function takes input already checked by :mod:`f1tune._validation` (2-D views of shape
(n_samples, n_labels), float64 thresholds), calls one kernel with the GIL released, raises for
the value problems the kernel found in its single pass (labels outside {0, 1}, NaN or inf scores)
and returns a named result. The confusion cells fp, fn and tn are derived from (tp, pp, pos, n)
here, in :class:`Counts`, and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np

try:
    from f1tune import _core
except ImportError as err:  # a source checkout without a build, or a broken install
    raise ImportError(f"f1tune's compiled core is not built: pip install . ({err})") from err

from f1tune._validation import raise_for_flags

__version__: str = _core.__version__


class _Flagged(Protocol):
    @property
    def flags(self) -> _core.InputFlags: ...


_R = TypeVar("_R", bound=_Flagged)

# The kernel behind each tuning average: "macro", "weighted" and None share the per-label optimum.
_TUNE = {"micro": _core.tune_micro, "global": _core.tune_global}


def _checked(result: _R) -> _R:
    """Raise for the flags a kernel set; every core result passes through here."""
    raise_for_flags(result.flags)
    return result


@dataclass(frozen=True)
class Counts:
    """Per-label counts of the predictions ``y_score >= threshold``.

    Attributes
    ----------
    tp, pp : ndarray of int64, shape (..., n_labels)
        True and predicted positives; a leading axis of T settings for a batch.
    pos : ndarray of int64, shape (n_labels,)
        Actual positives per label.
    n_samples : int
        Number of rows counted.
    """

    tp: np.ndarray
    pp: np.ndarray
    pos: np.ndarray
    n_samples: int

    @property
    def fp(self) -> np.ndarray:
        """False positives: predicted positive, actually negative."""
        return self.pp - self.tp

    @property
    def fn(self) -> np.ndarray:
        """False negatives: actually positive, not predicted."""
        return self.pos - self.tp

    @property
    def tn(self) -> np.ndarray:
        """True negatives: everything neither positive nor predicted positive."""
        return self.n_samples - self.pos - self.fp


@dataclass(frozen=True)
class Tuned:
    """Thresholds from a tuning kernel, the counts they reach, and the kernel's refine passes.

    Attributes
    ----------
    thresholds : ndarray of float64, shape (n_labels,)
    counts : Counts
        Counts at the thresholds (tp and pp of shape (n_labels,)).
    refine_passes : int
        Passes over the data after the histogram pass (diagnostics: usually 1).
    """

    thresholds: np.ndarray
    counts: Counts
    refine_passes: int


def count(y: np.ndarray, s: np.ndarray, thresholds: np.ndarray, batched: bool, n_threads: int) -> Counts:
    """Count at T threshold settings (float64, shape (T, L)) in one pass: tp and pp of shape (T, L)."""
    if batched:
        c = _checked(_core.count_batch(y, s, thresholds, n_threads))
        return Counts(c.tp, c.pp, c.pos, s.shape[0])
    c = _checked(_core.count_at_thresholds(y, s, thresholds[0], n_threads))
    return Counts(c.tp[None], c.pp[None], c.pos, s.shape[0])


def sample_fbeta_sums(
    y: np.ndarray, s: np.ndarray, thresholds: np.ndarray, beta: float, n_threads: int
) -> _core.SampleSums:
    """Per-row F-beta summed over rows for T settings: ``fbeta_sum`` and ``n_undefined``, shape (T,)."""
    return _checked(_core.sample_fbeta_sums(y, s, thresholds, beta, n_threads))


def tune(y: np.ndarray, s: np.ndarray, average: str | None, beta: float, zero_division: float, n_threads: int) -> Tuned:
    """Exact F-beta thresholds for ``average`` ("micro", "global", or per label for the others)."""
    kernel = _TUNE.get(average, _core.tune_per_label)  # type: ignore[arg-type]
    r = _checked(kernel(y, s, beta, zero_division, n_threads))
    return Tuned(r.thresholds, Counts(r.tp, r.pp, r.pos, s.shape[0]), r.refine_passes)


def label_curve(y: np.ndarray, s: np.ndarray) -> _core.Curve:
    """Column 0's counts at every distinct cut: ``thresholds``, ``tp``, ``pp`` (decreasing thresholds), ``pos``."""
    return _checked(_core.label_curve(y, s))


def tuner_histograms(
    y: np.ndarray, s: np.ndarray, score_range: tuple[float, float], bins: int, n_threads: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One batch's per-label histograms under a fixed map: pos, tot (L, bins), min and max score (L,)."""
    pos, tot, lo, hi, flags = _core.tuner_histograms(y, s, score_range[0], score_range[1], bins, n_threads or 0)
    raise_for_flags(flags)
    return pos, tot, lo, hi


def tuner_plan(pos: np.ndarray, tot: np.ndarray, kind: int, beta: float, zero_division: float) -> np.ndarray:
    """Candidate bucket ranges (L, 2) for an objective (kind 0 per label, 1 micro, 2 global)."""
    return _core.tuner_plan(pos, tot, kind, beta, zero_division)


def tuner_gather(
    y: np.ndarray, s: np.ndarray, score_range: tuple[float, float], bins: int, ranges: np.ndarray, n_threads: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One shard's elements in the ranges: keys, labels, per-label offsets."""
    keys, ys, offsets, flags = _core.tuner_gather(y, s, score_range[0], score_range[1], bins, ranges, n_threads or 0)
    raise_for_flags(flags)
    return keys, ys, offsets


def tuner_finish(
    pos: np.ndarray,
    tot: np.ndarray,
    score_range: tuple[float, float],
    kind: int,
    beta: float,
    zero_division: float,
    have: np.ndarray,
    gathered: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> tuple[Any, ...]:
    """Finish from merged gathers: (True, thresholds, tp, pp, pos), or (False, ranges) for more buckets."""
    return _core.tuner_finish(pos, tot, score_range[0], score_range[1], kind, beta, zero_division, have, *gathered)


def tuner_bounded(
    pos: np.ndarray,
    tot: np.ndarray,
    score_range: tuple[float, float],
    is_double: bool,
    lo: np.ndarray,
    hi: np.ndarray,
    kind: int,
    beta: float,
    zero_division: float,
) -> tuple[np.ndarray, ...]:
    """Edge thresholds, tp, pp, pos and certified upper bounds (L per label, or 1)."""
    return _core.tuner_bounded(pos, tot, score_range[0], score_range[1], is_double, lo, hi, kind, beta, zero_division)
