"""The ``compute`` switch of f1tune.dask's functions: the answer now, or a ``dask.delayed`` of it."""

from __future__ import annotations

from typing import Any

import dask
import numpy as np


def check_compute(compute: Any) -> None:
    """Raise TypeError unless ``compute`` is True or False."""
    if not isinstance(compute, (bool, np.bool_)):
        raise TypeError(f"compute: expected True or False, got {compute!r}")


def in_memory(function: Any, compute: bool, *args: Any, **kwargs: Any) -> Any:
    """Call f1tune's in-memory ``function`` now, or return a delayed call of it (``compute=False``)."""
    return function(*args, **kwargs) if compute else dask.delayed(function, pure=False)(*args, **kwargs)
