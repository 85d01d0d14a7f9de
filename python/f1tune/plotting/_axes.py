"""What the displays draw alike: the F-beta's name and the marked threshold line."""

from __future__ import annotations

from typing import Any


def fbeta_name(beta: float) -> str:
    """Return "F1" for beta 1, else "F<beta>" (``"F0.5"``, ``"F2"``) for titles and axis labels."""
    return "F1" if beta == 1 else f"F{beta:g}"


def mark_threshold(ax: Any, threshold: float) -> Any:
    """Draw the dashed vertical line at ``threshold`` on ``ax`` and return it (labelled for the legend)."""
    return ax.axvline(threshold, color="black", ls="--", lw=1.0, label="threshold")
