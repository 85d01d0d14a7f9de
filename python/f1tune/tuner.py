"""ThresholdTuner: a mergeable tuning state fed batch by batch, tuned exactly or within a certified bound.

Histograms use ``bins`` buckets linear over ``score_range`` (clamped at both ends), fixed at
construction and stored in the state, so that states built from any batches, shards or processes
line up and merging is a sum. ``exact=True`` also keeps a copy of every batch (callers reuse
buffers) and tunes through the two steps of :mod:`f1tune._tuner_steps`: the result equals
:func:`f1tune.tune_thresholds` on the concatenated batches exactly. ``exact=False`` keeps the
histograms only (memory independent of the rows) and returns thresholds at bucket edges with a
certified ``upper_bound`` on the exact optimum.

Score dtype: fixed by the first batch (or ``dtype=``). float32 batches for a float64 state are
converted (exactly, as ``np.concatenate`` would); float64 batches for a float32 state are refused.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from f1tune import _native
from f1tune._scoring import score_fbeta
from f1tune._threshold_result import ThresholdResult
from f1tune._tuner_batch import check_batch
from f1tune._tuner_copy import copy_batch
from f1tune._tuner_histograms import TunerHistograms, check_histograms
from f1tune._tuner_steps import CandidateGather, CandidateRanges
from f1tune._validation import (
    check_average,
    check_beta,
    check_bool,
    check_int,
    check_n_threads,
    check_zero_division,
)
from f1tune.thresholds import TUNE_AVERAGES

_KIND = {"micro": 1, "global": 2}  # every other average tunes each label on its own (kind 0)
_DEFAULT_BINS = 2048  # the one-shot engine's bucket count: its histogram pass is reused as is


def check_bins(bins: Any) -> int:
    """Return the histogram bucket count after checking it is an integer in [2, 2**24]."""
    if isinstance(bins, bool) or not isinstance(bins, numbers.Integral) or not 2 <= int(bins) <= 2**24:
        raise ValueError(f"bins: expected an integer in [2, 2**24], got {bins!r}")
    return int(bins)


def check_score_range(score_range: Any) -> tuple[float, float]:
    """Return ``(lo, hi)`` as floats after checking finite ``lo < hi`` within float32's range."""
    try:
        lo, hi = (float(v) for v in score_range)
    except (TypeError, ValueError):
        raise ValueError(f"score_range: expected two numbers (lo, hi), got {score_range!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi and abs(lo) < 3e38 and abs(hi) < 3e38):
        raise ValueError(f"score_range: expected finite lo < hi within float32's range, got {score_range!r}")
    return lo, hi


class ThresholdTuner:
    """Mergeable F-beta threshold tuning state.

    Parameters
    ----------
    n_labels : int
        Number of label columns of every batch.
    exact : bool, default=True
        True: keep a copy of each batch; :meth:`tune` equals one-shot tuning of the concatenation.
        False: keep per-label histograms only; :meth:`tune` returns bucket-edge thresholds and a
        certified ``upper_bound``.
    bins : int, default=2048
        Histogram buckets per label (the bounded mode's resolution; >= 2).
    score_range : (float, float), default=(0.0, 1.0)
        Span the buckets cover; scores outside land in the end buckets (exact mode stays exact,
        bounded mode's bound stays valid but looser there).
    dtype : {None, numpy.float32, numpy.float64}, default=None
        Score dtype; None takes the first batch's.
    n_threads : int, optional
        Worker threads of the core; default all cores.

    Examples
    --------
    >>> import numpy as np, f1tune
    >>> rng = np.random.default_rng(0)
    >>> y = rng.random((1000, 3)) < 0.3
    >>> s = np.clip(y + rng.normal(0, 0.5, y.shape), 0, 1)
    >>> tuner = f1tune.ThresholdTuner(3)
    >>> for rows in np.array_split(np.arange(1000), 4):
    ...     _ = tuner.update(y[rows], s[rows])
    >>> res = tuner.tune(average="micro")
    >>> bool((res.thresholds == f1tune.tune_thresholds(y, s, average="micro").thresholds).all())
    True
    """

    def __init__(
        self,
        n_labels: int,
        *,
        exact: bool = True,
        bins: int = _DEFAULT_BINS,
        score_range: tuple[float, float] = (0.0, 1.0),
        dtype: Any = None,
        n_threads: int | None = None,
    ) -> None:
        self.n_labels = check_int(n_labels, "n_labels", 1)
        self.bins = check_bins(bins)
        self.score_range = check_score_range(score_range)
        if dtype is not None and np.dtype(dtype) not in (np.float32, np.float64):
            raise TypeError(f"dtype: expected None, float32 or float64, got {dtype!r}")
        self.exact = check_bool(exact, "exact")
        self.dtype: np.dtype | None = None if dtype is None else np.dtype(dtype)
        self.n_threads = check_n_threads(n_threads) or None
        L = self.n_labels
        self._pos = np.zeros((L, self.bins), np.int64)
        self._tot = np.zeros((L, self.bins), np.int64)
        self._min = np.full(L, np.inf)
        self._max = np.full(L, -np.inf)
        self._batches: list[tuple[np.ndarray, np.ndarray]] = []

    # ----------------------------------------------------------------------------- state
    @property
    def n_samples(self) -> int:
        """Rows seen so far."""
        return int(self._tot[0].sum())

    def settings(self) -> tuple[Any, ...]:
        """Return what two states must share to be merged: (n_labels, exact, bins, score_range)."""
        return (self.n_labels, self.exact, self.bins, self.score_range)

    def update(self, y_true: Any, y_score: Any) -> ThresholdTuner:
        """Add a batch (any number of rows, 0 included); on any error the state is unchanged. Returns self."""
        y, s = check_batch(y_true, y_score, self.n_labels, self.dtype)
        if y.shape[0] == 0:
            return self  # an empty shard (DDP rank, Dask chunk): checked, adds nothing, fixes no dtype
        pos, tot, lo, hi = _native.tuner_histograms(y, s, self.score_range, self.bins, self.n_threads)
        # Every check passed: only now does the state change.
        if self.exact:
            self._batches.append(copy_batch(y, s, self.n_threads))
        self.dtype = s.dtype
        self._add(pos, tot, lo, hi)
        return self

    def histograms(self) -> TunerHistograms:
        """Return copies of the per-label histograms: what a collective reduces to merge states.

        ``pos`` and ``tot`` (int64, (n_labels, bins)) sum over shards, ``score_min`` and
        ``score_max`` (float64, (n_labels,)) reduce with min and max; the reduced arrays give the
        merged state back through :meth:`from_histograms` (bounded). Stored batches are not included.
        """
        return TunerHistograms(self._pos.copy(), self._tot.copy(), self._min.copy(), self._max.copy())

    @classmethod
    def from_histograms(
        cls,
        pos: Any,
        tot: Any,
        score_min: Any,
        score_max: Any,
        *,
        score_range: tuple[float, float] = (0.0, 1.0),
        dtype: Any = None,
        n_threads: int | None = None,
    ) -> ThresholdTuner:
        """Build a bounded (``exact=False``) state from histograms, e.g. reduced over processes.

        The state plans and finishes exact tuning through :meth:`candidate_ranges` and
        :meth:`finish` (gathering from the shards that hold the rows), or tunes within its
        certified bound. ``bins`` is ``pos.shape[1]``; ``dtype`` (float32 or float64) is required
        once there are rows: it decides how shards' scores map to buckets. Every argument is
        checked (ValueError naming it); the arrays are copied.
        """
        h = check_histograms(pos, tot, score_min, score_max)
        rows = int(h.tot[0].sum())
        if rows > 0 and dtype is None:
            raise ValueError("dtype: expected float32 or float64 for histograms with rows, got None")
        state = cls(
            h.pos.shape[0], exact=False, bins=h.pos.shape[1], score_range=score_range, dtype=dtype, n_threads=n_threads
        )
        state._add(h.pos, h.tot, h.score_min, h.score_max)
        return state

    def _add(self, pos: np.ndarray, tot: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        self._pos += pos
        self._tot += tot
        np.minimum(self._min, lo, out=self._min)
        np.maximum(self._max, hi, out=self._max)

    def merge(self, other: ThresholdTuner) -> ThresholdTuner:
        """Add another state (same n_labels, exact, bins, score_range, dtype) into this one. Returns self."""
        if not isinstance(other, ThresholdTuner):
            raise TypeError(f"other: expected a ThresholdTuner, got {type(other).__name__}")
        if other.settings() != self.settings():
            raise ValueError(
                "other: expected a tuner with the same (n_labels, exact, bins, score_range) "
                f"{self.settings()}, got {other.settings()}"
            )
        if self.dtype is not None and other.dtype is not None and self.dtype != other.dtype:
            raise TypeError(f"other: expected {self.dtype.name} scores, got a {other.dtype.name} tuner")
        if other is self:
            other = ThresholdTuner.from_bytes(self.to_bytes())
        self._batches.extend(other._batches)
        self.dtype = self.dtype or other.dtype
        self._add(other._pos, other._tot, other._min, other._max)
        return self

    # ----------------------------------------------------------------------------- tuning
    def _objective(self, average: Any, beta: Any, zero_division: Any) -> tuple[Any, float, float, bool]:
        avg = check_average(average, TUNE_AVERAGES)
        b = check_beta(beta)
        zd, warn = check_zero_division(zero_division)
        if self.n_samples == 0:
            raise ValueError("ThresholdTuner: no data yet (0 rows seen; call update with a batch of at least one row)")
        return avg, b, zd, warn

    def candidate_ranges(
        self, *, average: str | None = "macro", beta: float = 1.0, zero_division: Any = 0.0
    ) -> CandidateRanges:
        """Step one of exact tuning: the per-label bucket ranges the histograms imply for an objective."""
        avg, b, zd, _ = self._objective(average, beta, zero_division)
        ranges = _native.tuner_plan(self._pos, self._tot, _KIND.get(avg, 0), b, zd)  # type: ignore[arg-type]
        return self._ranges(ranges, (avg, b, zd))

    def _ranges(self, ranges: np.ndarray, objective: tuple[Any, float, float]) -> CandidateRanges:
        assert self.dtype is not None  # set by the first batch
        return CandidateRanges(ranges, self.score_range, self.bins, self.dtype, objective)

    def finish(self, gathered: CandidateGather, *, zero_division: Any = None) -> ThresholdResult | CandidateRanges:
        """Step two: exact thresholds from the merged gather, or more ranges to gather (micro).

        ``zero_division`` defaults to the value the ranges were planned with; pass ``"warn"`` for
        ranges planned with it (they hold its value, 0) to warn like :func:`f1tune.tune_thresholds`.
        Another value than the planned one is refused: it would score thresholds tuned for another
        objective.
        """
        if not isinstance(gathered, CandidateGather):
            raise TypeError(f"gathered: expected a CandidateGather, got {type(gathered).__name__}")
        r = gathered.ranges
        if (r.n_labels, r.score_range, r.bins, r.dtype) != (self.n_labels, self.score_range, self.bins, self.dtype):
            raise ValueError("gathered: expected a gather for this tuner's ranges (n_labels, bins, score_range, dtype)")
        avg, b, zd = r.objective
        if zero_division is not None:
            given, _ = check_zero_division(zero_division)
            if not (given == zd or (np.isnan(given) and np.isnan(zd))):
                raise ValueError(
                    f"zero_division: expected the value the ranges were planned with ({zd!r}), got {zero_division!r}"
                )
        # np.require: ranges that went through pickle (Dask, torch.distributed) may arrive unaligned.
        ranges = np.require(r.ranges, np.int64, ["A", "C"])
        out = _native.tuner_finish(
            self._pos, self._tot, self.score_range, _KIND.get(avg, 0), b, zd, ranges, gathered.flat()
        )
        if not out[0]:
            return self._ranges(out[1], r.objective)
        _, thresholds, tp, pp, pos = out
        return self._result(thresholds, tp, pp, pos, avg, b, zd if zero_division is None else zero_division, None)

    def tune(self, *, average: str | None = "macro", beta: float = 1.0, zero_division: Any = 0.0) -> ThresholdResult:
        """Tune: exactly (exact=True) or at bucket edges with a certified ``upper_bound`` (exact=False)."""
        avg, b, zd, _ = self._objective(average, beta, zero_division)
        if not self.exact:
            th, tp, pp, pos, upper = _native.tuner_bounded(
                self._pos,
                self._tot,
                self.score_range,
                self.dtype == np.float64,
                self._min,
                self._max,
                _KIND.get(avg, 0),  # type: ignore[arg-type]
                b,
                zd,
            )
            return self._result(th, tp, pp, pos, avg, b, zero_division, upper)
        step: ThresholdResult | CandidateRanges = self.candidate_ranges(
            average=avg, beta=b, zero_division=zero_division
        )
        while isinstance(step, CandidateRanges):
            step = self.finish(step.gather_all(self._batches, n_threads=self.n_threads), zero_division=zero_division)
        return step

    def _result(
        self,
        thresholds: np.ndarray,
        tp: np.ndarray,
        pp: np.ndarray,
        pos: np.ndarray,
        avg: Any,
        b: float,
        zero_division: Any,
        upper: np.ndarray | None,
    ) -> ThresholdResult:
        zd, warn = check_zero_division(zero_division)
        n = self.n_samples
        score_avg = "micro" if avg in ("micro", "global") else avg
        f = score_fbeta(tp, pp, pos, beta=b, average=score_avg, zero_division=zd, warn=warn, per_label=True)
        assert f.per_label is not None
        score = float(f.score) if np.ndim(f.score) == 0 else np.array(f.score)
        fp = pp - tp
        return ThresholdResult(
            thresholds=thresholds,
            score=score,
            average=avg,
            beta=b,
            zero_division=zd,
            tp=tp,
            fp=fp,
            fn=pos - tp,
            tn=n - pos - fp,
            fbeta=f.per_label,
            upper_bound=None if upper is None else _aggregate_upper(upper, f.per_label, pos, avg, score),
        )

    # ----------------------------------------------------------------------------- bytes
    def to_bytes(self) -> bytes:
        """Serialize the state to a versioned byte string (layout in :mod:`f1tune._tuner_bytes`; no pickle)."""
        from f1tune._tuner_bytes import dump

        return dump(self)

    @classmethod
    def from_bytes(cls, data: bytes) -> ThresholdTuner:
        """Rebuild a state written by :meth:`to_bytes`; every field is checked (ValueError naming it)."""
        from f1tune._tuner_bytes import load

        return load(cls, data)


def _aggregate_upper(upper: np.ndarray, per_label: np.ndarray, pos: np.ndarray, avg: Any, score: Any) -> Any:
    """Combine per-label bounds like the score; labels without positives are exact (their score)."""
    # The core's bounds are maxima of rounded F-beta estimates (micro: of a Dinkelbach run on
    # estimates): a slack far above their rounding keeps them certified; F-beta never exceeds 1.
    upper = np.minimum(np.asarray(upper, dtype=np.float64) + (1e-12 if avg == "micro" else 1e-14), 1.0)
    if avg in ("micro", "global"):
        return max(float(upper[0]), float(score))
    u = np.where(pos > 0, upper, per_label)
    if avg is None:
        return np.where(np.isnan(u), u, np.maximum(u, per_label))
    if avg == "weighted":
        bound = float((np.where(pos > 0, u, 0.0) * pos).sum() / pos.sum()) if pos.sum() > 0 else float(score)
    else:
        bound = float(np.nanmean(u)) if not np.isnan(u).all() else float(score)
    return bound if np.isnan(score) else max(bound, float(score))
