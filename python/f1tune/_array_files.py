"""Arrays read from files given on the command line: .npy, .npz, .csv and .parquet.

A ``.npy`` file is memory-mapped (read lazily, never copied whole into memory) after its header
has been checked against the file's size, so a hostile or truncated header gives a clear error
instead of a huge allocation or a traceback. ``.npz`` members are named ``path.npz:name``.
Tables (``.csv`` needs pandas, ``.parquet`` pyarrow; both optional) give the columns chosen by
name or by prefix, and their names.
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from f1tune._cli_progress import progress_bar

TABLE_EXTRAS_HINT = "pip install 'f1tune[cli]'"
_CSV_CHUNK_ROWS = 200_000


class LoadedArray(NamedTuple):
    """An array read from a file, with its column names when the file is a table."""

    array: np.ndarray
    names: list[str] | None


def load_array(
    spec: str,
    name: str,
    *,
    key: str | None = None,
    columns: Sequence[str] | None = None,
    prefix: str | None = None,
    progress: bool | None = None,
) -> LoadedArray:
    """Read the array named by ``spec``: ``x.npy``, ``x.npz:member``, ``x.csv`` or ``x.parquet``.

    Parameters
    ----------
    spec : str
        The path, for ``.npz`` optionally followed by ``:member``.
    name : str
        The argument the file was given as (``--y-true``), used in error messages.
    key : str, optional
        The ``.npz`` member (instead of ``:member``).
    columns : sequence of str, optional
        Table columns to read, in order (default all, or those starting with ``prefix``).
    prefix : str, optional
        Read the table columns whose names start with ``prefix``, in file order.
    progress : bool or None, default=None
        Progress bar on stderr while reading a table: True always, False never, None when stderr
        is a terminal and the file is large.

    Returns
    -------
    LoadedArray
        The array (2-D for tables) and the column names (None for .npy/.npz).

    Raises
    ------
    ValueError
        ``"<name>: ..."`` for a missing or unreadable file, an unknown extension, a missing member
        or column, non-numeric or missing values.
    ImportError
        When reading a table needs pandas or pyarrow and it is not installed.
    """
    path, member = _split_member(spec)
    ext = os.path.splitext(path)[1].lower()
    table_options = columns is not None or prefix is not None
    if table_options and ext not in (".csv", ".parquet"):
        raise ValueError(f"{name}: column selection applies to .csv and .parquet files, got {spec!r}")
    if (key is not None or member is not None) and ext != ".npz":
        raise ValueError(f"{name}: a member name applies to .npz files, got {spec!r}")
    if key is not None and member is not None and key != member:
        raise ValueError(f"{name}: two member names, {member!r} in the path and {key!r} as key")
    if columns is not None and prefix is not None:
        raise ValueError(f"{name}: expected column names or a prefix, got both")
    if ext == ".npy":
        return LoadedArray(load_npy(path, name), None)
    _check_file(path, name, ext or "data")
    if ext == ".npz":
        return LoadedArray(_load_npz(path, name, key if key is not None else member), None)
    if ext == ".csv":
        return _load_csv(path, name, columns, prefix, progress)
    if ext == ".parquet":
        return _load_parquet(path, name, columns, prefix, progress)
    raise ValueError(f"{name}: expected a .npy, .npz, .csv or .parquet file, got {spec!r}")


def _split_member(spec: str) -> tuple[str, str | None]:
    """``data.npz:y`` -> (``data.npz``, ``y``); anything else is a path alone."""
    head, sep, tail = spec.rpartition(":")
    if sep and head.lower().endswith(".npz") and tail and not os.path.exists(spec):
        return head, tail
    return spec, None


def _check_file(path: str, name: str, kind: str) -> None:
    where = f"{name}: {path}"
    if not os.path.exists(path):
        raise ValueError(f"{where}: no such file")
    if not os.path.isfile(path):
        raise ValueError(f"{where}: expected a {kind} file, got a directory or special file")


def _is_numeric(dtype: np.dtype) -> bool:
    return not dtype.hasobject and (np.issubdtype(dtype, np.number) or dtype == np.bool_)


def _check_numeric(a: np.ndarray, where: str) -> np.ndarray:
    if not _is_numeric(a.dtype):
        raise ValueError(f"{where}: expected numeric data, got dtype {a.dtype}")
    if a.size == 0:
        raise ValueError(f"{where}: expected a non-empty array, got shape {a.shape}")
    return a


def _load_npz(path: str, name: str, member: str | None) -> np.ndarray:
    where = f"{name}: {path}"
    if not zipfile.is_zipfile(path):  # np.load would try other formats (and pickle) on such bytes
        raise ValueError(f"{where}: expected a .npz file written by numpy.savez, got content that is not a zip archive")
    try:
        with np.load(path, allow_pickle=False) as z:
            names = list(z.files)
            if member is None:
                if len(names) != 1:
                    raise ValueError(
                        f"{where}: holds {len(names)} arrays ({', '.join(names) or 'none'}); name one as {path}:NAME"
                    )
                member = names[0]
            if member not in names:
                raise ValueError(f"{where}: expected an array named {member!r}, got only {', '.join(names) or 'none'}")
            a = z[member]
    except (zipfile.BadZipFile, EOFError, OSError) as err:
        raise ValueError(
            f"{where}: expected a .npz file written by numpy.savez, got unreadable content ({err})"
        ) from None
    except ValueError as err:
        if str(err).startswith(where):
            raise
        # np.load refuses object arrays without allow_pickle; other damage reads as ValueError too.
        raise ValueError(f"{where}: unreadable member {member!r} ({err}; pickled objects are never loaded)") from None
    return _check_numeric(a, f"{where}:{member}")


def _select(available: list[str], columns: Sequence[str] | None, prefix: str | None, where: str) -> list[str]:
    if columns is not None:
        missing = [c for c in columns if c not in available]
        if missing:
            shown = ", ".join(available[:10]) + (", ..." if len(available) > 10 else "")
            raise ValueError(f"{where}: no column {missing[0]!r} (columns: {shown})")
        return list(columns)
    chosen = [c for c in available if prefix is None or c.startswith(prefix)]
    if not chosen:
        raise ValueError(f"{where}: no column starts with {prefix!r}")
    return chosen


def _stack(parts: list[np.ndarray], names: list[str], where: str) -> np.ndarray:
    for col, p in zip(names, parts):
        if not _is_numeric(p.dtype):
            raise ValueError(f"{where}: column {col!r}: expected numbers, got dtype {p.dtype}")
        if np.issubdtype(p.dtype, np.floating) and np.isnan(p).any():
            raise ValueError(f"{where}: column {col!r}: {int(np.isnan(p).sum())} missing values")
    out = np.column_stack(parts) if parts else np.empty((0, 0))
    return _check_numeric(np.ascontiguousarray(out), where)


def _load_csv(
    path: str, name: str, columns: Sequence[str] | None, prefix: str | None, progress: bool | None
) -> LoadedArray:
    where = f"{name}: {path}"
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(f"{name}: reading .csv needs pandas: {TABLE_EXTRAS_HINT}") from None
    size = os.path.getsize(path)
    try:
        header = list(pd.read_csv(path, nrows=0).columns)
        chosen = _select([str(c) for c in header], columns, prefix, where)
        bar = progress_bar(progress, total=size, desc=name, unit="B", file_bytes=size)
        chunks = []
        with open(path, "rb") as f:
            done = 0
            for chunk in pd.read_csv(f, usecols=chosen, chunksize=_CSV_CHUNK_ROWS):
                chunks.append(chunk[chosen])
                bar.update(f.tell() - done)
                done = f.tell()
        bar.close()
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ValueError(f"{where}: expected a CSV table with a header row, got unreadable content ({err})") from None
    if not chunks:
        raise ValueError(f"{where}: expected rows below the header, got none")
    table = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
    return LoadedArray(_stack([table[c].to_numpy() for c in chosen], chosen, where), chosen)


def _load_parquet(
    path: str, name: str, columns: Sequence[str] | None, prefix: str | None, progress: bool | None
) -> LoadedArray:
    where = f"{name}: {path}"
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError(f"{name}: reading .parquet needs pyarrow: {TABLE_EXTRAS_HINT}") from None
    try:
        pf = pq.ParquetFile(path)
        chosen = _select(list(pf.schema_arrow.names), columns, prefix, where)
        size = os.path.getsize(path)
        bar = progress_bar(progress, total=pf.metadata.num_rows, desc=name, unit="rows", file_bytes=size)
        groups = []
        for g in range(pf.num_row_groups):
            t = pf.read_row_group(g, columns=chosen)
            groups.append(t)
            bar.update(t.num_rows)
        bar.close()
        table = pa.concat_tables(groups) if groups else pf.schema_arrow.empty_table().select(chosen)
        parts = []
        for c in chosen:
            col = table.column(c)
            if col.null_count:
                raise ValueError(f"{where}: column {c!r}: {col.null_count} missing values")
            parts.append(col.to_numpy())
    except (pa.ArrowException, OSError) as err:
        raise ValueError(f"{where}: expected a Parquet file, got unreadable content ({err})") from None
    if table.num_rows == 0:
        raise ValueError(f"{where}: expected rows, got none")
    return LoadedArray(_stack(parts, chosen, where), chosen)


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
    _check_file(os.fspath(path), name, ".npy")
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
