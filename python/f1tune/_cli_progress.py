"""The command line's progress bar on standard error while large inputs are read."""

from __future__ import annotations

import sys
from typing import Any

# Files smaller than this read in well under a second: no bar unless asked.
AUTO_MIN_BYTES = 64 * 2**20


class _NoBar:
    """Stands in for a tqdm bar when none is shown."""

    def update(self, n: int = 1) -> None:
        """Do nothing."""

    def close(self) -> None:
        """Do nothing."""


def progress_bar(progress: bool | None, *, total: int, desc: str, unit: str, file_bytes: int) -> Any:
    """Return a tqdm bar on stderr, or a stand-in that shows nothing.

    Parameters
    ----------
    progress : bool or None
        True: always show (tqdm required); False: never; None: only when stderr is a terminal
        and the file is large (a bar never lands in captured output unless asked for).
    total : int
        Amount of work, in ``unit``.
    desc : str
        Shown before the bar (the argument being read).
    unit : str
        Unit of ``total``.
    file_bytes : int
        Size of the file being read (decides the automatic case).

    Raises
    ------
    ImportError
        When the bar was asked for and tqdm is not installed.
    """
    if progress is False:
        return _NoBar()
    if progress is None and not (file_bytes >= AUTO_MIN_BYTES and _stderr_is_tty()):
        return _NoBar()
    try:
        from tqdm import tqdm
    except ImportError:
        if progress:
            raise ImportError("--progress needs tqdm: pip install 'f1tune[cli]'") from None
        return _NoBar()
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=True, file=sys.stderr, leave=False)


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stream
        return False
