"""The one place that imports matplotlib (lazily, when a display is first drawn)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

INSTALL_COMMAND = "pip install 'f1tune[plot]'"
INSTALL_HINT = f"f1tune.plotting needs matplotlib: {INSTALL_COMMAND}"


def pyplot() -> Any:
    """Return ``matplotlib.pyplot``, or raise ImportError naming the extra that installs it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError(f"{INSTALL_HINT} ({err})") from None
    return plt


def axes_grid(ax: Any, n: int, *, panel_size: tuple[float, float] = (4.0, 3.0), max_cols: int = 3) -> list[Any]:
    """Return ``n`` Axes: the ones given (one Axes, or a sequence of ``n``), or a new grid of panels.

    Parameters
    ----------
    ax : matplotlib Axes, sequence of Axes or None
        Where to draw. None creates a figure with ``n`` panels (at most ``max_cols`` per row).
    n : int
        Number of panels the display draws.
    panel_size : tuple of float
        Width and height of one new panel, in inches.
    max_cols : int
        Panels per row of a new figure.
    """
    if ax is None:
        plt = pyplot()
        cols = min(n, max_cols)
        rows = -(-n // cols)
        fig, grid = plt.subplots(
            rows, cols, figsize=(panel_size[0] * cols, panel_size[1] * rows), squeeze=False, layout="constrained"
        )
        flat = list(grid.ravel())
        for extra in flat[n:]:
            extra.set_visible(False)
        return flat[:n]
    axes = list(np.ravel(np.asarray(ax, dtype=object))) if isinstance(ax, (Sequence, np.ndarray)) else [ax]
    if len(axes) != n:
        raise ValueError(f"ax: expected one Axes per label drawn ({n}), got {len(axes)}")
    return axes


def one_axes(ax: Any, *, size: tuple[float, float] = (6.0, 4.0)) -> Any:
    """Return ``ax``, or the Axes of a new figure of ``size`` inches when ``ax`` is None."""
    if ax is not None:
        return ax
    _, new = pyplot().subplots(figsize=size, layout="constrained")
    return new
