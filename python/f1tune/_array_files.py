"""Arrays read from files given on the command line, checked before any data is read.

A ``.npy`` file is memory-mapped (read lazily, never copied whole into memory) after its header
has been checked against the file's size, so a hostile or truncated header gives a clear error
instead of a huge allocation or a traceback.
"""

from __future__ import annotations

import math
import os

import numpy as np


def load_npy(path: str | os.PathLike[str], name: str) -> np.ndarray:
    """Return the array stored in the ``.npy`` file ``path``, memory-mapped read-only.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.npy`` file written by ``numpy.save``.
    name : str
        The argument the file was given as (``--y-true``), used in error messages.

    Returns
    -------
    numpy.ndarray
        A read-only memory map of the stored array.

    Raises
    ------
    ValueError
        ``"<name>: ..."`` naming what was expected and what was found: a missing file, a
        directory, not a ``.npy`` file, object (pickled) data, a header declaring more data
        than the file holds, or an empty array.
    """
    where = f"{name}: {os.fspath(path)}"
    if not os.path.exists(path):
        raise ValueError(f"{where}: no such file")
    if not os.path.isfile(path):
        raise ValueError(f"{where}: expected a .npy file, got a directory or special file")
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        try:
            version = np.lib.format.read_magic(f)
            read_header = (
                np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            )
            shape, _, dtype = read_header(f)
        except (ValueError, OSError, EOFError, SyntaxError) as err:
            raise ValueError(
                f"{where}: expected a .npy file written by numpy.save, got unreadable content ({err})"
            ) from None
        data_start = f.tell()
    if dtype.hasobject:
        raise ValueError(f"{where}: expected numeric data, got dtype {dtype} (pickled objects are never loaded)")
    declared = math.prod(shape) * dtype.itemsize
    if declared > size - data_start:
        raise ValueError(
            f"{where}: header declares shape {shape} of {dtype} ({declared} bytes), but the file holds "
            f"{size - data_start} bytes of data"
        )
    if declared == 0:
        raise ValueError(f"{where}: expected a non-empty array, got shape {shape}")
    return np.load(path, mmap_mode="r", allow_pickle=False)
