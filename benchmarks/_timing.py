"""Timing helpers shared by the benchmarks: round-robin best-of-k wall times, ratios, a machine line."""

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


def interleaved(fns: dict[str, Callable[[], Any]], rounds: int = 5, warmup: int = 1) -> dict[str, tuple[float, Any]]:
    """Best wall time and last result of each entry, called round-robin (one call each per round).

    Interleaving exposes every entry to the same background load, so their ratios hold on a
    noisy machine where back-to-back blocks of calls would not.
    """
    results: dict[str, Any] = {}
    for _ in range(warmup):
        for name, fn in fns.items():
            results[name] = fn()
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            results[name] = fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return {name: (best[name], results.get(name)) for name in fns}


def machine() -> str:
    """One line naming the machine the figures come from."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {load:.2f}, Python {platform.python_version()}"


def row(name: str, seconds: float, floor: float | None = None, note: str = "") -> str:
    """A table row: time in ms and, if given, its ratio to the floor (time / floor)."""
    ratio = f"{seconds / floor:8.2f}x" if floor is not None else " " * 9
    return f"{name:<56s} {seconds * 1e3:10.1f} ms {ratio}  {note}"
