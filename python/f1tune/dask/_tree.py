"""Tree reduction of per-chunk results held in ``dask.delayed`` objects."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import dask

SPLIT_EVERY = 8  # results combined per task: a few merges per level, few levels


def tree_reduce(items: Sequence[Any], combine: Callable[[list[Any]], Any], split_every: int = SPLIT_EVERY) -> Any:
    """Combine delayed results level by level, ``split_every`` at a time, into one delayed result.

    ``combine`` receives a list of computed results and returns a new one (it must not modify its
    inputs: a scheduler may hold them for other tasks).
    """
    if not items:
        raise ValueError("tree_reduce: expected at least one item, got none")
    level = list(items)
    while len(level) > 1:
        level = [
            dask.delayed(combine, pure=False)(level[i : i + split_every]) for i in range(0, len(level), split_every)
        ]
    return level[0]
