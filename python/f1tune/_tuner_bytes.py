"""ThresholdTuner states as bytes: a magic string, a format version, a JSON header, raw arrays.

Layout: ``b"F1TUNER"`` and a NUL byte, version (uint16 LE), header length (uint32 LE), the UTF-8 JSON header
(settings, rows, and each array's name, dtype and shape in order), then the arrays' bytes
(little-endian, C order). Reading checks every field and the consistency of the arrays (counts
non-negative, pos <= tot, every label the same rows, and in exact mode the stored batches'
histograms equal the stored ones); anything else raises ``ValueError`` naming the field. No pickle.
"""

from __future__ import annotations

import json
import struct
from typing import TYPE_CHECKING, Any

import numpy as np

from f1tune import _native
from f1tune._tuner_histograms import check_histograms

if TYPE_CHECKING:
    from f1tune.tuner import ThresholdTuner

_MAGIC = b"F1TUNER\0"
_VERSION = 1
_HEAD = struct.Struct("<HI")


def dump(t: ThresholdTuner) -> bytes:
    """Serialize a tuner state."""
    arrays: list[tuple[str, np.ndarray]] = [("pos", t._pos), ("tot", t._tot), ("min", t._min), ("max", t._max)]
    if t.exact and t._batches:
        arrays.append(("y", np.concatenate([y for y, _ in t._batches])))
        arrays.append(("s", np.concatenate([s for _, s in t._batches])))
    header = {
        "n_labels": t.n_labels,
        "exact": t.exact,
        "bins": t.bins,
        "score_range": list(t.score_range),
        "dtype": None if t.dtype is None else t.dtype.name,
        "arrays": [[name, a.dtype.str, list(a.shape)] for name, a in arrays],
    }
    head = json.dumps(header).encode()
    body = b"".join(np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<"), copy=False).tobytes() for _, a in arrays)
    return _MAGIC + _HEAD.pack(_VERSION, len(head)) + head + body


def _bad(field: str, expected: str, got: Any) -> ValueError:
    return ValueError(f"data: malformed ThresholdTuner bytes: {field}: expected {expected}, got {got!r}"[:400])


def load(cls: type[ThresholdTuner], data: Any) -> ThresholdTuner:
    """Parse and validate; returns a new tuner."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data: expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data.startswith(_MAGIC):
        raise ValueError("data: not a ThresholdTuner state (missing the F1TUNER magic prefix)")
    if len(data) < len(_MAGIC) + _HEAD.size:
        raise _bad("header", "a version and a header length", f"{len(data)} bytes")
    version, n_head = _HEAD.unpack_from(data, len(_MAGIC))
    if version != _VERSION:
        raise _bad("version", str(_VERSION), version)
    start = len(_MAGIC) + _HEAD.size
    if len(data) < start + n_head:
        raise _bad("header", f"{n_head} bytes", f"{len(data) - start} bytes (truncated)")
    try:
        h = json.loads(data[start : start + n_head].decode())
    except (UnicodeDecodeError, ValueError) as err:
        raise _bad("header", "UTF-8 JSON", str(err)) from None
    keys = {"n_labels", "exact", "bins", "score_range", "dtype", "arrays"}
    if not isinstance(h, dict) or set(h) != keys:
        raise _bad("header", f"an object with fields {sorted(keys)}", sorted(h) if isinstance(h, dict) else h)
    if h["dtype"] not in (None, "float32", "float64"):
        raise _bad("dtype", "null, float32 or float64", h["dtype"])
    if not isinstance(h["exact"], bool):
        raise _bad("exact", "true or false", h["exact"])
    sr = h["score_range"]
    if not (isinstance(sr, list) and len(sr) == 2 and all(isinstance(v, (int, float)) for v in sr)):
        raise _bad("score_range", "two numbers", sr)
    try:
        t = cls(h["n_labels"], exact=h["exact"], bins=h["bins"], score_range=tuple(sr), dtype=h["dtype"])
    except (TypeError, ValueError) as err:
        raise _bad("settings", "valid ThresholdTuner arguments", str(err)) from None
    L, B = t.n_labels, t.bins
    sdt = "<f4" if h["dtype"] == "float32" else "<f8"
    expected: list[tuple[str, str, Any]] = [
        ("pos", "<i8", [L, B]),
        ("tot", "<i8", [L, B]),
        ("min", "<f8", [L]),
        ("max", "<f8", [L]),
    ]
    arrays_spec = h["arrays"]
    if not isinstance(arrays_spec, list) or len(arrays_spec) not in (4, 6):
        raise _bad("arrays", "4 or 6 array entries", arrays_spec)
    if len(arrays_spec) == 6:
        n = arrays_spec[4][2][0] if isinstance(arrays_spec[4], list) and len(arrays_spec[4]) == 3 else None
        if not t.exact or not isinstance(n, int) or n < 1:
            raise _bad("arrays", "stored batches only in exact mode, with rows >= 1", arrays_spec[4:])
        expected += [("y", "|u1", [n, L]), ("s", sdt, [n, L])]
    arrays: dict[str, np.ndarray] = {}
    offset = start + n_head
    for spec, (name, dt, shape) in zip(arrays_spec, expected):
        if spec != [name, dt, shape]:
            raise _bad(f"arrays[{name!r}]", str([name, dt, shape]), spec)
        size = int(np.prod(shape)) * np.dtype(dt).itemsize
        if len(data) < offset + size:
            raise _bad(name, f"{size} bytes", f"{len(data) - offset} bytes (truncated)")
        arrays[name] = np.frombuffer(data, dt, int(np.prod(shape)), offset).reshape(shape).astype(dt[1:], copy=True)
        offset += size
    if offset != len(data):
        raise _bad("data", f"{offset} bytes", f"{len(data)} bytes (trailing data)")
    pos, tot, lo, hi = check_histograms(
        arrays["pos"], arrays["tot"], arrays["min"], arrays["max"], prefix="data: malformed ThresholdTuner bytes: "
    )
    rows = tot.sum(axis=1)
    if rows[0] > 0 and h["dtype"] is None:
        raise _bad("dtype", "the score dtype of a non-empty state", h["dtype"])
    if rows[0] == 0 and len(arrays_spec) == 6:
        raise _bad("arrays", "no stored batches in an empty state", "batches")
    if t.exact and rows[0] > 0:
        if "y" not in arrays:
            raise _bad("arrays", "the stored batches of an exact state", "none")
        y, s = arrays["y"], arrays["s"]
        p2, t2, lo2, hi2 = _native.tuner_histograms(y, s, t.score_range, B, None)  # checks the values too
        if not (
            np.array_equal(p2, pos) and np.array_equal(t2, tot) and np.array_equal(lo2, lo) and np.array_equal(hi2, hi)
        ):
            raise _bad("pos, tot, min, max", "the histograms of the stored batches", "different counts")
        t._batches.append((y, s))
    t.dtype = None if h["dtype"] is None else np.dtype(h["dtype"])
    t._add(pos, tot, lo, hi)
    return t
