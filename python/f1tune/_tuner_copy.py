"""The copy of a batch an exact ThresholdTuner keeps: C-ordered, uint8 labels, made on all cores.

NumPy copies on one thread; a large batch is copied in row blocks on a few threads instead
(NumPy releases the GIL while it copies), so that keeping the batch costs a fraction of the
histogram pass rather than a single-threaded pass of its own.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

_PARALLEL_BYTES = 1 << 24  # below 16 MB one thread copies faster than several start


def copy_batch(y: np.ndarray, s: np.ndarray, n_threads: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Return C-ordered copies of a checked batch: labels as uint8 (values already 0/1), scores as is."""
    y_copy = np.empty(y.shape, dtype=np.uint8)
    s_copy = np.empty(s.shape, dtype=s.dtype)
    workers = min(n_threads or os.cpu_count() or 1, max(1, (y.nbytes + s.nbytes) // _PARALLEL_BYTES), y.shape[0])
    if workers <= 1:
        np.copyto(y_copy, y, casting="unsafe")
        np.copyto(s_copy, s)
        return y_copy, s_copy
    bounds = np.linspace(0, y.shape[0], workers + 1).astype(np.int64)

    def copy_rows(k: int) -> None:
        a, b = bounds[k], bounds[k + 1]
        np.copyto(y_copy[a:b], y[a:b], casting="unsafe")
        np.copyto(s_copy[a:b], s[a:b])

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(copy_rows, range(workers)))
    return y_copy, s_copy
