"""Shared input cases for the tests."""

from __future__ import annotations

import numpy as np
import pytest


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


def pytest_ignore_collect(collection_path, config):
    """Collect the CUDA tests only on a machine with CUDA (instead of reporting them skipped)."""
    if collection_path.name == "test_torch_cuda.py":
        import torch

        return not torch.cuda.is_available()
    return None
