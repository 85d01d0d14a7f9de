"""numba kernels behind the PyTorch soft-F-beta losses (imported lazily; ``import f1tune`` skips them).

:mod:`f1tune._kernels.soft_fbeta` holds the fused forward (per-label soft counts) and backward
(gradient of a function of those counts) passes over a batch; :mod:`f1tune._kernels._vecmath`
the SIMD-friendly helpers they inline (dtype casts, a sigmoid with its own exp).
"""

import os

import numba

# numba's OpenMP layer and torch's own OpenMP runtime spin against each other: one small
# soft-F1 kernel per training step made every torch op ~30x slower on 2 cores (48 ms per step
# instead of 1.5-2.5 ms). numba's workqueue layer sleeps instead of spinning. Unless the user
# chose a layer, prefer TBB (thread-safe, if installed), then workqueue, then OpenMP; this only
# takes effect if no numba parallel kernel has run yet in the process.
if "NUMBA_THREADING_LAYER" not in os.environ and "NUMBA_THREADING_LAYER_PRIORITY" not in os.environ:
    numba.config.THREADING_LAYER_PRIORITY = ["tbb", "workqueue", "omp"]  # type: ignore[attr-defined]
