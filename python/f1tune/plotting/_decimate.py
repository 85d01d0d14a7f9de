"""Fewer points for drawing a long curve, keeping what the eye sees: each pixel column's extremes."""

from __future__ import annotations

import numpy as np


def decimate_indices(x: np.ndarray, ys: list[np.ndarray], n_bins: int) -> np.ndarray:
    """Return the indices of the points to draw so that a curve looks the same at ``n_bins`` columns.

    ``x`` is cut into ``n_bins`` equal-width columns; in each column the first and last point and
    the points where each of ``ys`` is lowest and highest are kept (the min/max envelope that
    line rendering shows). Curves with at most ``4 * n_bins`` points are kept whole.

    Parameters
    ----------
    x : ndarray of shape (n,)
        Monotone x values (increasing or decreasing), finite.
    ys : list of ndarray of shape (n,)
        The curves drawn over ``x``; the extremes of each one are kept.
    n_bins : int
        Number of columns (about the width of the plot in pixels).

    Returns
    -------
    ndarray of int64
        Sorted indices into ``x``; the global maximum and minimum of each curve are among them.
    """
    n = x.shape[0]
    if n <= 4 * n_bins:
        return np.arange(n)
    lo, hi = float(np.min(x)), float(np.max(x))
    span = hi - lo
    if span == 0:
        col = np.zeros(n, dtype=np.int64)
    else:
        col = np.minimum(((x - lo) / span * n_bins).astype(np.int64), n_bins - 1)
    # x is monotone, so each column is one run of consecutive indices.
    starts = np.flatnonzero(np.concatenate(([True], col[1:] != col[:-1])))
    lengths: np.ndarray = np.append(starts[1:], n) - starts
    keep: list[np.ndarray] = [starts, starts + lengths - 1]
    run_id = np.repeat(np.arange(starts.shape[0]), lengths)
    for y in ys:
        for reduce in (np.maximum, np.minimum):
            extreme = reduce.reduceat(y, starts)
            hits = np.flatnonzero(y == np.repeat(extreme, lengths))
            _, first = np.unique(run_id[hits], return_index=True)  # first index reaching it, per run
            keep.append(hits[first])
    return np.unique(np.concatenate(keep))
