"""numba kernels behind the PyTorch soft-F-beta losses (imported lazily; ``import f1tune`` skips them).

:mod:`f1tune._kernels.soft_fbeta` holds the fused forward (per-label soft counts) and backward
(gradient of a function of those counts) passes over a batch; :mod:`f1tune._kernels._vecmath`
the SIMD-friendly helpers they inline (dtype casts, a sigmoid with its own exp).
"""
