"""Checks of ``dask.array`` inputs at the public entry of :mod:`f1tune.dask`, on metadata only.

Dtypes, shapes and chunking are checked here, on the driver, without computing anything; values
(labels outside {0, 1}, NaN or inf scores) are checked by the core in each chunk's task, and its
error reaches the caller when the computation runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import dask.array as da
import numpy as np

from f1tune._validation import check_y_score, check_y_true


def is_dask_collection(value: Any) -> bool:
    """Return whether ``value`` is a dask collection (array, dataframe, series)."""
    return type(value).__module__.split(".")[0] in ("dask", "dask_expr")


@dataclass(frozen=True)
class RowChunks:
    """A checked (y_true, y_score) pair of 2-D dask arrays with the same chunks, chunked along rows only.

    Attributes
    ----------
    y_true, y_score : dask.array.Array, shape (n_samples, n_labels)
    one_label : bool
        Whether the input was 1-D (viewed as one label column).
    """

    y_true: da.Array
    y_score: da.Array
    one_label: bool

    @property
    def n_labels(self) -> int:
        return int(self.y_score.shape[1])

    def blocks(self) -> list[tuple[Any, Any]]:
        """Return the (y_true, y_score) delayed blocks of every non-empty row chunk, in row order."""
        ys = self.y_true.to_delayed().ravel()
        ss = self.y_score.to_delayed().ravel()
        # A 0-row chunk adds nothing to any count or histogram: skip it rather than ship it.
        return [(y, s) for y, s, n in zip(ys, ss, self.y_score.chunks[0]) if n > 0]


def _as_dask(value: Any, name: str) -> da.Array:
    if isinstance(value, da.Array):
        return value
    if is_dask_collection(value):
        raise TypeError(
            f"{name}: expected a dask array, got a dask {type(value).__name__}; "
            "convert it with .to_dask_array(lengths=True)"
        )
    # An in-memory partner of a dask array: one chunk, rechunked below like any y_true.
    return da.from_array(np.asarray(value), chunks=-1)


def _check_meta(a: da.Array, name: str) -> None:
    """Apply the in-memory checks of dtype and rank to the dask array's metadata."""
    if a.ndim not in (1, 2):
        raise ValueError(
            f"{name}: expected shape (n_samples,) or (n_samples, n_labels), got {a.ndim}-D shape {a.shape}"
        )
    if any(math.isnan(n) for n in a.shape):
        raise ValueError(
            f"{name}: expected known chunk sizes, got shape {a.shape}; call {name}.compute_chunk_sizes() first"
        )
    if a.size == 0:
        raise ValueError(f"{name}: expected a non-empty array, got shape {a.shape}")
    probe = np.zeros((1,) * a.ndim, dtype=a.dtype)  # the dtype checks of the numpy entry points
    (check_y_true if name == "y_true" else check_y_score)(probe, name)


def check_row_chunks(y_true: Any, y_score: Any) -> RowChunks:
    """Check a pair of which at least one is a dask array; return 2-D views with aligned row chunks.

    ``y_score`` must hold all label columns in one chunk (column chunks are refused, not
    rechunked: merging them would load a chunk's full width, a memory decision left to the
    caller). ``y_true`` is rechunked to ``y_score``'s chunks (labels are the smaller array).
    """
    y, s = _as_dask(y_true, "y_true"), _as_dask(y_score, "y_score")
    _check_meta(y, "y_true")
    _check_meta(s, "y_score")
    if y.shape != s.shape:
        raise ValueError(f"y_true and y_score: expected the same shape, got {y.shape} and {s.shape}")
    one_label = s.ndim == 1
    if one_label:
        y, s = y[:, None], s[:, None]
    if len(s.chunks[1]) > 1:
        raise ValueError(
            f"y_score: expected all {s.shape[1]} label columns in one chunk (chunks along rows only), "
            f"got column chunks {s.chunks[1]}; rechunk with y_score.rechunk({{1: -1}})"
        )
    if y.chunks != s.chunks:
        y = y.rechunk(s.chunks)
    return RowChunks(y, s, one_label)
