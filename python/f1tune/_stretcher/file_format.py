"""The Stretcher file format: one ``.npz`` archive, loaded without pickle.

Entries:

``f1tune_format``
    The marker string ``"f1tune.Stretcher"``.
``format_version``
    Integer; this module writes and reads version 1.
``params``
    JSON text of the constructor parameters (``get_params()``).
``state``
    JSON text of the fitted scalar attributes (``n_labels_``, ``threshold_``, ...).
``w/<name>``
    One float array per entry of the network's ``state_dict``.

Everything is a plain numpy array (strings as unicode scalars), so ``np.load(...,
allow_pickle=False)`` reads it and no code is ever executed while loading.
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import Any

import numpy as np

FORMAT_MARKER = "f1tune.Stretcher"
FORMAT_VERSION = 1
_WEIGHT_PREFIX = "w/"


def write(
    path: str | os.PathLike[str], params: dict[str, Any], state: dict[str, Any], weights: dict[str, np.ndarray]
) -> None:
    """Write a Stretcher file to exactly ``path`` (no ``.npz`` suffix is added)."""
    arrays: dict[str, np.ndarray] = {
        "f1tune_format": np.array(FORMAT_MARKER),
        "format_version": np.array(FORMAT_VERSION),
        "params": np.array(json.dumps(params)),
        "state": np.array(json.dumps(state)),
    }
    for name, value in weights.items():
        arrays[_WEIGHT_PREFIX + name] = np.ascontiguousarray(value)
    with open(path, "wb") as f:
        np.savez(f, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds poorly


def _not_ours(path: Any, reason: str) -> ValueError:
    return ValueError(f"{os.fspath(path)}: not an f1tune Stretcher file ({reason})")


def read(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, Any], dict[str, np.ndarray]]:
    """Read ``(params, state, weights)`` from a Stretcher file.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a readable Stretcher file of a supported version: not an ``.npz``
        archive, a missing or foreign format marker, pickled content, bad JSON, or a newer version.
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f"{os.fspath(path)}: no such file")
    try:
        with np.load(path, allow_pickle=False) as npz:
            if not isinstance(npz, np.lib.npyio.NpzFile):
                raise _not_ours(path, "a single .npy array, expected an .npz archive")
            files = set(npz.files)
            if "f1tune_format" not in files or str(npz["f1tune_format"]) != FORMAT_MARKER:
                raise _not_ours(path, "no f1tune format marker")
            version = int(npz["format_version"])
            if version != FORMAT_VERSION:
                raise _not_ours(path, f"format version {version}, this f1tune reads version {FORMAT_VERSION}")
            params = json.loads(str(npz["params"]))
            state = json.loads(str(npz["state"]))
            weights = {k[len(_WEIGHT_PREFIX) :]: npz[k] for k in npz.files if k.startswith(_WEIGHT_PREFIX)}
    except ValueError as err:
        if str(err).startswith(os.fspath(path) + ": not an f1tune"):
            raise
        raise _not_ours(path, str(err)) from None
    except (OSError, EOFError, KeyError, TypeError, zipfile.BadZipFile) as err:
        raise _not_ours(path, f"{type(err).__name__}: {err}") from None
    if not isinstance(params, dict) or not isinstance(state, dict):
        raise _not_ours(path, "params and state must be JSON objects")
    return params, state, weights
