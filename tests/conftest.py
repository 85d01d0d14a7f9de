"""Shared input cases for the tests, and which test files need the optional dependencies.

This file imports numpy only: the numpy-level tests must collect and run where torch and
numba are not installed (a core-only install, the sanitizer build). Where one is missing, test
files that import it are not collected (``NEEDS``, see ``pytest_ignore_collect``) and single
tests marked ``@pytest.mark.requires("torch")`` are deselected.
"""

from __future__ import annotations

import importlib.util
import os

# The tests' BLAS calls are tiny (scikit-learn oracles on a few hundred rows): a multi-threaded
# BLAS spends more time waking threads than working, 5-10x slower on a busy 2-core machine.
# Set before numpy is first imported; a value the user set wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

# Test files that import an optional dependency at module level, by the dependency they need.
NEEDS = {
    "torch": ("test_torch_*.py", "test_stretcher*.py"),
    "numba": ("test_soft_fbeta_kernels.py",),
    "matplotlib": ("test_plotting*.py", "test_report*.py"),
    "pandas": ("test_cli_formats.py",),
    "dask": ("test_dask*.py",),
}


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def random_case(
    rng: np.random.Generator, n: int, n_labels: int, *, dtype=np.float32, p_pos: float = 0.3, ties: bool = False
):
    """Random 0/1 targets and scores; with ``ties``, scores take few distinct values."""
    y = (rng.random((n, n_labels)) < p_pos).astype(np.int8)
    s = rng.random((n, n_labels))
    if ties:
        s = np.round(s * 4) / 4
    return y, s.astype(dtype)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "requires(module): the test needs an optional dependency; deselected where it is not installed"
    )


def pytest_collection_modifyitems(config, items):
    """Deselect the tests marked ``requires(module)`` whose module is not installed."""
    keep, drop = [], []
    for item in items:
        needed = [mark.args[0] for mark in item.iter_markers("requires")]
        (keep if all(_installed(m) for m in needed) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_ignore_collect(collection_path, config):
    """Collect the tests of an optional dependency only where it is installed, the CUDA tests only with CUDA."""
    for module, patterns in NEEDS.items():
        if any(collection_path.match(pattern) for pattern in patterns) and not _installed(module):
            return True
    if collection_path.name in ("test_torch_cuda.py", "test_torch_metric_cuda.py"):
        import torch

        return not torch.cuda.is_available()
    return None
