"""Timing helpers shared by the benchmarks: best-of-k wall time and a machine line."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from typing import Any


def best_time(fn: Callable[[], Any], repeat: int = 3, warmup: int = 1) -> tuple[float, Any]:
    """Best wall time of ``repeat`` calls after ``warmup`` calls, and the last result."""
    result = None
    for _ in range(warmup):
        result = fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def machine() -> str:
    """One line naming the machine the figures come from."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {load:.2f}, Python {platform.python_version()}"


def row(name: str, seconds: float, reference: float | None = None, note: str = "") -> str:
    """A table row: time in ms and, if given, the speed-up of ``reference`` over this entry."""
    ratio = f"{reference / seconds:8.1f}x" if reference is not None else " " * 9
    return f"{name:<52s} {seconds * 1e3:10.1f} ms {ratio}  {note}"
