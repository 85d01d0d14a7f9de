"""The Stretcher file format: one ``.npz`` archive, loaded without pickle and validated field by field.

Entries:

``f1tune_format``
    The marker string ``"f1tune.Stretcher"``.
``format_version``
    Integer; this module writes version 2 and reads versions 1 and 2. Version 1 held the seed
    article's network (``Standardize -> Linear -> Linear``) and one shared ``threshold_``;
    version 2 holds the stacking network (input map, linear skip, MLP residual), per-label
    ``thresholds_`` and the stacking stage.
``params``
    JSON text of the constructor parameters (``get_params()``).
``state``
    JSON text of the fitted attributes (``n_labels_``, ``thresholds_``, ...), validated field by
    field (:func:`check_state`).
``w/<name>``
    One float array per entry of the network's ``state_dict``.

Everything is a plain numpy array (strings as unicode scalars), so ``np.load(...,
allow_pickle=False)`` reads it and no code is ever executed while loading. Before any entry is
read, its ``.npy`` header is checked against the bytes the archive really holds, so a hostile
header cannot make the reader allocate more than the file's size.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import zipfile
from typing import Any

import numpy as np

from f1tune._stretcher.options import STACKINGS

FORMAT_MARKER = "f1tune.Stretcher"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
_WEIGHT_PREFIX = "w/"
_MAX_JSON_CHARS = 1 << 20  # params and state are a few hundred bytes; history grows with epochs


class StretcherFileError(ValueError):
    """A file that is not a readable f1tune Stretcher file; the message names the file and the reason."""

    def __init__(self, path: Any, reason: str) -> None:
        super().__init__(f"{os.fspath(path)}: not an f1tune Stretcher file ({reason})")


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


def _check_entry_sizes(path: Any) -> None:
    """Check that every ``.npy`` entry's header declares no more data than the entry holds."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            with archive.open(info) as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(f)
                else:
                    shape, _, dtype = np.lib.format.read_array_header_2_0(f)
                declared = math.prod(shape) * dtype.itemsize
                held = info.file_size - f.tell()
            if declared > held:
                raise StretcherFileError(
                    path, f"entry {info.filename!r} declares {declared} bytes of data but holds {held}"
                )


def _json_object(text: str, path: Any, name: str) -> dict[str, Any]:
    if len(text) > _MAX_JSON_CHARS:
        raise StretcherFileError(path, f"{name}: expected at most {_MAX_JSON_CHARS} characters, got {len(text)}")
    value = json.loads(text)
    if not isinstance(value, dict):
        raise StretcherFileError(path, f"{name}: expected a JSON object, got {type(value).__name__}")
    return value


def _is_int(v: Any) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(float(v))


def check_state(state: dict[str, Any], path: Any, version: int = FORMAT_VERSION) -> None:
    """Validate the fitted attributes of a loaded file of format ``version``, field by field."""

    def bad(field: str, expected: str) -> StretcherFileError:
        return StretcherFileError(path, f"state field {field}: expected {expected}, got {state.get(field)!r:.80}")

    def history_ok(v: Any) -> bool:
        return isinstance(v, dict) and all(
            isinstance(k, str) and isinstance(x, list) and all(_is_number(e) for e in x) for k, x in v.items()
        )

    checks: dict[str, tuple[Any, str]] = {"n_labels_": (lambda v: _is_int(v) and v >= 1, "an integer >= 1")}
    if version == 1:
        checks |= {
            "threshold_": (lambda v: _is_number(v) and 0.0 <= float(v) <= 1.0, "a number in [0, 1]"),
            "n_epochs_": (lambda v: _is_int(v) and v >= 1, "an integer >= 1"),
        }
    else:
        n_labels = state.get("n_labels_")
        checks |= {
            "n_features_": (lambda v: _is_int(v) and v >= 0, "an integer >= 0"),
            "stacking_": (lambda v: v in STACKINGS, f"one of {', '.join(map(repr, STACKINGS))}"),
            "thresholds_": (
                lambda v: isinstance(v, list) and len(v) == n_labels and all(_is_number(e) for e in v),
                "a list of n_labels_ finite numbers",
            ),
            "n_steps_": (lambda v: _is_int(v) and v >= 0, "an integer >= 0"),
            "best_step_": (lambda v: _is_int(v) and 0 <= v <= state.get("n_steps_", 0), "an integer in [0, n_steps_]"),
            "n_epochs_": (lambda v: _is_int(v) and v >= 0, "an integer >= 0"),
        }
    checks |= {
        "best_epoch_": (lambda v: _is_int(v) and 0 <= v <= state.get("n_epochs_", 0), "an integer in [0, n_epochs_]"),
        "fit_time_": (lambda v: _is_number(v) and v >= 0, "a finite number >= 0"),
        "history_": (history_ok, "an object of lists of finite numbers"),
    }
    for field, (ok, expected) in checks.items():
        if field not in state or not ok(state[field]):
            raise bad(field, expected)


def read(path: str | os.PathLike[str]) -> tuple[int, dict[str, Any], dict[str, Any], dict[str, np.ndarray]]:
    """Read ``(version, params, state, weights)`` from a Stretcher file; ``state`` is validated (:func:`check_state`).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    StretcherFileError
        (a ``ValueError``) If the file is not a readable Stretcher file of a supported version:
        not an ``.npz`` archive, a missing or foreign format marker, pickled content, an entry
        declaring more data than it holds, bad JSON, a newer version, or an invalid state field.
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f"{os.fspath(path)}: no such file")
    if not os.path.isfile(path):
        raise StretcherFileError(path, "a directory or special file, expected an .npz archive")
    try:
        if not zipfile.is_zipfile(path):
            raise StretcherFileError(path, "not a zip archive, expected an .npz archive")
        _check_entry_sizes(path)
        # Our own handle: np.load(path) leaks its handle when NpzFile rejects a truncated archive.
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as npz:
            files = set(npz.files)
            if "f1tune_format" not in files or str(npz["f1tune_format"]) != FORMAT_MARKER:
                raise StretcherFileError(path, "no f1tune format marker")
            version = npz["format_version"]
            if version.dtype.kind not in "iu" or version.shape != () or int(version) not in READABLE_VERSIONS:
                raise StretcherFileError(
                    path, f"format version {version!r}, this f1tune reads versions {READABLE_VERSIONS}"
                )
            version_number = int(version)
            params = _json_object(str(npz["params"]), path, "params")
            state = _json_object(str(npz["state"]), path, "state")
            weights = {k[len(_WEIGHT_PREFIX) :]: npz[k] for k in npz.files if k.startswith(_WEIGHT_PREFIX)}
    except StretcherFileError:
        raise
    except (ValueError, OSError, EOFError, KeyError, TypeError, RecursionError, zipfile.BadZipFile) as err:
        raise StretcherFileError(path, f"{type(err).__name__}: {err}") from None
    check_state(state, path, version_number)
    for name, w in weights.items():
        if w.dtype.kind != "f":
            raise StretcherFileError(path, f"weight {name!r}: expected a float array, got dtype {w.dtype}")
    return version_number, params, state, weights
