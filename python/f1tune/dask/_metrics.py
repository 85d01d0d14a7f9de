"""Confusion counts and F-beta scores of dask arrays: the core counts each chunk, the counts are summed."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import dask
import numpy as np

from f1tune import _native
from f1tune._scoring import samples_fbeta, score_fbeta
from f1tune._validation import (
    check_average,
    check_beta,
    check_n_threads,
    check_targets_and_scores,
    check_thresholds,
    check_zero_division,
)
from f1tune.dask._arrays import RowChunks, check_row_chunks, is_dask_collection
from f1tune.dask._compute import check_compute, in_memory
from f1tune.dask._tree import tree_reduce
from f1tune.metrics import Confusion, _squeeze
from f1tune.metrics import confusion as confusion_in_memory
from f1tune.metrics import fbeta_score as fbeta_in_memory


def confusion(
    y_true: Any, y_score: Any, thresholds: Any = 0.5, *, n_threads: int | None = None, compute: bool = True
) -> Any:
    """Count true/false positives and negatives of ``y_score >= thresholds`` on dask arrays.

    Equal to :func:`f1tune.confusion` on the same rows in memory.

    Parameters
    ----------
    y_true : dask.array.Array or array-like of shape (n_samples, n_labels) or (n_samples,)
        0/1 targets, rechunked to ``y_score``'s chunks when they differ.
    y_score : dask.array.Array or array-like of shape (n_samples, n_labels) or (n_samples,)
        float32 or float64 scores chunked along rows only (all label columns in one chunk).
        When neither input is a dask array, this is :func:`f1tune.confusion`.
    thresholds : float or array-like, default=0.5
        As in :func:`f1tune.confusion`: scalar, per label (n_labels,), or a batch (T, n_labels) / (T, 1).
    n_threads : int, optional
        Threads of the core inside each chunk's task; default all cores of the worker.
    compute : bool, default=True
        False returns a ``dask.delayed`` object of the result.

    Returns
    -------
    Confusion or dask.delayed.Delayed
        ``(tp, fp, fn, tn)`` int64 arrays shaped as :func:`f1tune.confusion` returns them.

    Examples
    --------
    >>> import dask.array as da, numpy as np, f1tune.dask
    >>> y = da.from_array(np.array([[1, 0], [0, 1], [1, 1]]), chunks=(2, 2))
    >>> s = da.from_array(np.array([[0.9, 0.2], [0.6, 0.4], [0.3, 0.8]]), chunks=(2, 2))
    >>> f1tune.dask.confusion(y, s, 0.5)
    Confusion(tp=array([1, 1]), fp=array([1, 0]), fn=array([1, 1]), tn=array([0, 1]))
    """
    nt = check_n_threads(n_threads)
    check_compute(compute)
    if not (is_dask_collection(y_true) or is_dask_collection(y_score)):
        return in_memory(confusion_in_memory, compute, y_true, y_score, thresholds, n_threads=n_threads)
    pair = check_row_chunks(y_true, y_score)
    thr, batched = check_thresholds(thresholds, pair.n_labels, pair.one_label, pair.y_score.dtype)
    n_samples = int(pair.y_score.shape[0])

    def finish(totals: tuple[np.ndarray, ...]) -> Confusion:
        c = _as_counts(totals, n_samples)
        return Confusion(*(_squeeze(a, batched, pair.one_label) for a in (c.tp, c.fp, c.fn, c.tn)))

    return _finish(_total(pair, _chunk_counts, thr, nt), finish, compute)


def fbeta_score(
    y_true: Any,
    y_score: Any,
    *,
    beta: float,
    thresholds: Any = 0.5,
    average: str | None = "micro",
    zero_division: Any = 0.0,
    n_threads: int | None = None,
    compute: bool = True,
) -> Any:
    """F-beta score of ``y_score >= thresholds`` on dask arrays, equal to :func:`f1tune.fbeta_score` in memory.

    Parameters
    ----------
    y_true, y_score : dask.array.Array or array-like
        As in :func:`confusion`.
    beta : float
        Weight of recall relative to precision; finite and > 0.
    thresholds : float or array-like, default=0.5
        As in :func:`f1tune.fbeta_score`.
    average : {"micro", "macro", "weighted", "samples", None}, default="micro"
        As in scikit-learn.
    zero_division : {0, 1, np.nan, "warn"}, default=0.0
        Value of a score whose denominator is zero; "warn" gives 0 and warns.
    n_threads : int, optional
        Threads of the core inside each chunk's task; default all cores of the worker.
    compute : bool, default=True
        False returns a ``dask.delayed`` object of the result.

    Returns
    -------
    float, ndarray or dask.delayed.Delayed
        As :func:`f1tune.fbeta_score` returns.

    Examples
    --------
    >>> import dask.array as da, numpy as np, f1tune.dask
    >>> y = da.from_array(np.array([[1, 0], [0, 1], [1, 1]]), chunks=(2, 2))
    >>> s = da.from_array(np.array([[0.9, 0.2], [0.6, 0.4], [0.3, 0.8]]), chunks=(2, 2))
    >>> round(f1tune.dask.fbeta_score(y, s, beta=1.0), 4)
    0.5714
    """
    b = check_beta(beta)
    avg = check_average(average)
    zd, warn = check_zero_division(zero_division)
    nt = check_n_threads(n_threads)
    check_compute(compute)
    if not (is_dask_collection(y_true) or is_dask_collection(y_score)):
        return in_memory(
            fbeta_in_memory,
            compute,
            y_true,
            y_score,
            beta=b,
            thresholds=thresholds,
            average=avg,
            zero_division=zero_division,
            n_threads=n_threads,
        )
    pair = check_row_chunks(y_true, y_score)
    thr, batched = check_thresholds(thresholds, pair.n_labels, pair.one_label, pair.y_score.dtype)
    n_samples = int(pair.y_score.shape[0])
    if avg == "samples":
        totals = _total(pair, _chunk_sample_sums, thr, b, nt)
    else:
        totals = _total(pair, _chunk_counts, thr, nt)

    def finish(totals: tuple[np.ndarray, ...]) -> Any:
        if avg == "samples":
            f = samples_fbeta(totals[0], totals[1], n_samples, zd, warn)
        else:
            c = _as_counts(totals, n_samples)
            f = score_fbeta(c.tp, c.pp, c.pos, beta=b, average=avg, zero_division=zd, warn=warn).score
        if avg is None:
            f = _squeeze(f, batched, pair.one_label)
            return float(f) if np.ndim(f) == 0 else f
        return f if batched else float(f[0])

    return _finish(totals, finish, compute)


def _finish(total: Any, finish: Any, compute: bool) -> Any:
    result = dask.delayed(finish, pure=False)(total)
    return dask.compute(result)[0] if compute else result


def _aligned(thresholds: np.ndarray) -> np.ndarray:
    """Return the thresholds as the core reads them (unpickled on a worker, a buffer may arrive unaligned)."""
    return np.require(thresholds, np.float64, requirements=["A", "C"])


def _total(pair: RowChunks, chunk: Callable[..., tuple[np.ndarray, ...]], *args: Any) -> Any:
    """Delayed field-by-field sum over the row chunks of ``chunk(y, s, *args)`` (a tuple of arrays)."""
    parts = [dask.delayed(chunk, pure=False)(y, s, *args) for y, s in pair.blocks()]
    return tree_reduce(parts, _sum_fields)


def _sum_fields(parts: list[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
    return tuple(functools.reduce(np.add, field) for field in zip(*parts))


def _as_counts(totals: tuple[np.ndarray, ...], n_samples: int) -> _native.Counts:
    tp, pp, pos = totals
    return _native.Counts(tp, pp, pos, n_samples)


def _chunk_counts(y: np.ndarray, s: np.ndarray, thresholds: np.ndarray, n_threads: int) -> tuple[np.ndarray, ...]:
    """(tp, pp of shape (T, L), pos) of one chunk."""
    yv, sv, _ = check_targets_and_scores(y, s)
    c = _native.count(yv, sv, _aligned(thresholds), True, n_threads)
    return c.tp, c.pp, c.pos


def _chunk_sample_sums(
    y: np.ndarray, s: np.ndarray, thresholds: np.ndarray, beta: float, n_threads: int
) -> tuple[np.ndarray, ...]:
    """(fbeta_sum, n_undefined of shape (T,)) of one chunk."""
    yv, sv, _ = check_targets_and_scores(y, s)
    sums = _native.sample_fbeta_sums(yv, sv, _aligned(thresholds), beta, n_threads)
    return np.asarray(sums.fbeta_sum), np.asarray(sums.n_undefined)
