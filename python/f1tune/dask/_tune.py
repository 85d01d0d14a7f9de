"""Exact threshold tuning of dask arrays through the two-step API of :class:`f1tune.ThresholdTuner`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dask
import numpy as np

from f1tune._threshold_result import ThresholdResult
from f1tune._tuner_steps import CandidateGather, CandidateRanges
from f1tune._validation import check_average, check_beta, check_n_threads, check_zero_division
from f1tune.dask._arrays import RowChunks, check_row_chunks, is_dask_collection
from f1tune.dask._compute import check_compute, in_memory
from f1tune.dask._tree import tree_reduce
from f1tune.thresholds import TUNE_AVERAGES
from f1tune.thresholds import tune_thresholds as tune_in_memory
from f1tune.tuner import ThresholdTuner, check_bins, check_score_range


def tune_thresholds(
    y_true: Any,
    y_score: Any,
    *,
    average: str | None = "macro",
    beta: float = 1.0,
    zero_division: Any = 0.0,
    bins: int = 2048,
    score_range: tuple[float, float] = (0.0, 1.0),
    n_threads: int | None = None,
    compute: bool = True,
) -> Any:
    """Find the thresholds that maximize F-beta on dask arrays, exactly, in two passes over the chunks.

    The result equals :func:`f1tune.tune_thresholds` on the same rows in memory (thresholds,
    counts and scores). Prediction rule: a label is predicted positive iff ``y_score >= threshold``.

    Parameters
    ----------
    y_true : dask.array.Array or array-like of shape (n_samples, n_labels) or (n_samples,)
        0/1 targets; dtype bool, uint8, int8, int32, int64 (or float holding 0 and 1). Rechunked
        to ``y_score``'s chunks when they differ.
    y_score : dask.array.Array or array-like of shape (n_samples, n_labels) or (n_samples,)
        Scores, float32 or float64, chunked along rows only: all label columns in one chunk
        (``y_score.rechunk({1: -1})`` otherwise). Chunk sizes must be known.
        When neither input is a dask array, this is :func:`f1tune.tune_thresholds`.
    average : {"macro", "weighted", None, "micro", "global"}, default="macro"
        What to maximize, as in :func:`f1tune.tune_thresholds`.
    beta : float, default=1.0
        Weight of recall relative to precision; finite and > 0.
    zero_division : {0, 1, np.nan, "warn"}, default=0.0
        Value of an undefined F-beta, as in scikit-learn.
    bins : int, default=2048
        Histogram buckets per label of pass 1; any value gives the exact answer, more buckets
        gather fewer elements in pass 2 (each chunk's state is ``2 * n_labels * bins`` int64).
    score_range : (float, float), default=(0.0, 1.0)
        Span of the buckets; scores outside land in the end buckets (still exact, more to gather).
    n_threads : int, optional
        Threads of the core inside each chunk's task; default all cores of the worker.
    compute : bool, default=True
        False returns a ``dask.delayed`` object whose computation runs the passes (on a
        ``distributed`` worker it schedules them through the cluster without holding a thread).

    Returns
    -------
    ThresholdResult or dask.delayed.Delayed
        As :func:`f1tune.tune_thresholds` returns (without bootstrap).

    Notes
    -----
    Pass 1: each chunk becomes a bounded :class:`f1tune.ThresholdTuner` (per-label histograms,
    no rows kept), tree-reduced by ``merge``. The driver plans each label's candidate buckets
    (:meth:`~f1tune.ThresholdTuner.candidate_ranges`). Pass 2: each chunk gathers the elements
    in those buckets (:meth:`~f1tune._tuner_steps.CandidateRanges.gather`), tree-merged; the
    driver finishes (:meth:`~f1tune.ThresholdTuner.finish`). For "micro", finishing may ask for
    more buckets: pass 2 repeats for those. Data moved: one histogram state per chunk and the
    candidate elements, never the rows.

    Examples
    --------
    >>> import dask.array as da, numpy as np, f1tune, f1tune.dask
    >>> rng = np.random.default_rng(0)
    >>> y = rng.random((1000, 3)) < 0.3
    >>> s = np.clip(y + rng.normal(0, 0.5, y.shape), 0, 1)
    >>> res = f1tune.dask.tune_thresholds(da.from_array(y, chunks=(250, 3)), da.from_array(s, chunks=(300, 3)),
    ...                                   average="micro")
    >>> bool((res.thresholds == f1tune.tune_thresholds(y, s, average="micro").thresholds).all())
    True
    """
    avg = check_average(average, TUNE_AVERAGES)
    b = check_beta(beta)
    check_zero_division(zero_division)
    nt = check_n_threads(n_threads) or None
    check_compute(compute)
    if not (is_dask_collection(y_true) or is_dask_collection(y_score)):
        return in_memory(
            tune_in_memory, compute, y_true, y_score, average=avg, beta=b, zero_division=zero_division, n_threads=nt
        )
    pair = check_row_chunks(y_true, y_score)
    plan = _Plan(pair, check_bins(bins), check_score_range(score_range), nt)
    objective = (avg, b, zero_division)
    if compute:
        return tune_rounds(plan, objective, _compute_here)[0]
    # The plan is opaque to dask (a plain object): its chunks are scheduled by the task, round by round.
    return dask.delayed(_tune_in_task, pure=False)(plan, objective)


class _Plan:
    """What every chunk task needs: the checked arrays and the histogram settings.

    A plain class, not a dataclass: ``dask.delayed`` looks inside dataclasses and would compute
    the arrays; ``compute=False`` relies on the plan being opaque to it.
    """

    def __init__(self, pair: RowChunks, bins: int, score_range: tuple[float, float], n_threads: int | None) -> None:
        self.pair = pair
        self.bins = bins
        self.score_range = score_range
        self.n_threads = n_threads

    def settings(self) -> tuple[int, int, tuple[float, float], np.dtype, int | None]:
        """(n_labels, bins, score_range, dtype, n_threads) of every chunk's bounded state."""
        return (self.pair.n_labels, self.bins, self.score_range, self.pair.y_score.dtype, self.n_threads)


def tune_rounds(
    plan: _Plan, objective: tuple[Any, float, Any], compute: Callable[[Any], Any]
) -> tuple[ThresholdResult, int]:
    """Run pass 1 and the gather rounds with ``compute`` (delayed -> value); return the result and the rounds."""
    avg, b, zero_division = objective
    blocks = plan.pair.blocks()
    settings = plan.settings()  # a few numbers per task; the state is allocated on the worker
    states = [dask.delayed(_chunk_state, pure=False)(settings, y, s) for y, s in blocks]
    summary = ThresholdTuner.from_bytes(compute(tree_reduce(states, _merge_states)))
    step: ThresholdResult | CandidateRanges = summary.candidate_ranges(average=avg, beta=b, zero_division=zero_division)
    rounds = 0
    while isinstance(step, CandidateRanges):
        ranges = dask.delayed(step, pure=False, traverse=False)  # shipped once, shared by the chunk tasks
        gathers = [dask.delayed(_chunk_gather, pure=False)(ranges, y, s, plan.n_threads) for y, s in blocks]
        gathered = compute(tree_reduce(gathers, _merge_gathers))
        # Finish against the driver's own ranges (the gather's copy went through pickle).
        step = summary.finish(CandidateGather(step, gathered.keys, gathered.labels), zero_division=zero_division)
        rounds += 1
    return step, rounds


# States travel between tasks as their versioned bytes (to_bytes): no pickled arrays, whose
# buffers may arrive unaligned for the core.
def _chunk_state(settings: tuple[Any, ...], y: np.ndarray, s: np.ndarray) -> bytes:
    """Pass 1 of one chunk: a bounded state (histograms only, no rows kept) of its rows."""
    n_labels, bins, score_range, dtype, n_threads = settings
    state = ThresholdTuner(n_labels, exact=False, bins=bins, score_range=score_range, dtype=dtype, n_threads=n_threads)
    return state.update(y, s).to_bytes()


def _merge_states(states: list[bytes]) -> bytes:
    out = ThresholdTuner.from_bytes(states[0])
    for state in states[1:]:
        out.merge(ThresholdTuner.from_bytes(state))
    return out.to_bytes()


def _chunk_gather(ranges: CandidateRanges, y: np.ndarray, s: np.ndarray, n_threads: int | None) -> CandidateGather:
    """Pass 2 of one chunk: its elements inside the candidate ranges."""
    return ranges.gather(y, s, n_threads=n_threads)


def _merge_gathers(gathers: list[CandidateGather]) -> CandidateGather:
    first = gathers[0]
    out = CandidateGather(first.ranges, list(first.keys), list(first.labels))  # merge rebinds, never writes into
    for gathered in gathers[1:]:
        out.merge(gathered)
    return out


def _compute_here(value: Any) -> Any:
    return dask.compute(value)[0]


def _tune_in_task(plan: _Plan, objective: tuple[Any, float, Any]) -> ThresholdResult:
    """Run the rounds from inside a task (the body of ``compute=False``'s delayed)."""
    try:
        from distributed import get_worker, worker_client

        get_worker()
    except (ImportError, ValueError):
        return tune_rounds(plan, objective, _compute_here)[0]  # a local scheduler: nested compute is fine
    # On a worker: secede while the rounds run, so that this task never blocks a worker thread.
    with worker_client() as client:
        return tune_rounds(plan, objective, lambda value: client.compute(value).result())[0]
