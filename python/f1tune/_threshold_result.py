"""The tuned thresholds as an object users keep: apply them, save them, load them."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from f1tune._validation import check_finite_scores, check_y_score

_FORMAT = "f1tune.ThresholdResult"
_VERSION = 3
_READABLE_VERSIONS = (1, 2, 3)
# The averages tune_thresholds accepts (defined here too: thresholds.py imports this module).
_AVERAGES = ("macro", "weighted", None, "micro", "global")
_COUNTS = ("tp", "fp", "fn", "tn")
_INT64_MAX = 2**63 - 1


def _enc(x: float) -> float | str:
    """Encode a float for plain JSON: non-finite values as the strings "inf", "-inf", "nan"."""
    x = float(x)
    return x if math.isfinite(x) else str(x)


@dataclass(frozen=True, eq=False)
class ThresholdResult:
    """Thresholds found by :func:`f1tune.tune_thresholds`, with the counts they reach.

    A label is predicted positive iff ``y_score >= threshold``.

    Attributes
    ----------
    thresholds : ndarray of shape (n_labels,)
        float64 threshold per label (the same value L times for ``average="global"``).
    score : float or ndarray of shape (n_labels,)
        F-beta the thresholds reach on the tuning data under ``average`` ("global" is scored as
        micro F-beta); per label for ``average=None``.
    average : str or None
        The averaging the thresholds were tuned for.
    beta : float
        Weight of recall relative to precision.
    zero_division : float
        Value of an undefined F-beta (0, 1 or NaN).
    tp, fp, fn, tn : ndarray of shape (n_labels,)
        int64 confusion counts per label at the thresholds, on the tuning data.
    fbeta : ndarray of shape (n_labels,)
        Per-label F-beta at the thresholds, on the tuning data.
    n_bootstrap : int, default=0
        Number of bootstrap resamples the thresholds were aggregated over (0: the single exact
        optimum of the tuning data).
    threshold_std : ndarray of shape (n_labels,) or None, default=None
        With ``n_bootstrap > 0``: the standard deviation, over the resamples, of each label's
        exact threshold (in score units); a measure of how well the data pins the threshold.
    upper_bound : float, ndarray of shape (n_labels,) or None, default=None
        From bounded-memory tuning (:class:`f1tune.ThresholdTuner` with ``exact=False``): a
        certified upper bound on the exact optimum of the data seen, under ``average`` (per label
        for ``average=None``); ``score <= optimum <= upper_bound``. None for exact results.
    """

    thresholds: np.ndarray
    score: float | np.ndarray
    average: str | None
    beta: float
    zero_division: float
    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    tn: np.ndarray
    fbeta: np.ndarray
    n_bootstrap: int = 0
    threshold_std: np.ndarray | None = None
    upper_bound: float | np.ndarray | None = None

    @property
    def n_labels(self) -> int:
        """Number of labels."""
        return int(self.thresholds.shape[0])

    def predict(self, y_score: Any) -> np.ndarray:
        """Apply the thresholds: ``y_score >= thresholds``, compared in float64.

        Parameters
        ----------
        y_score : array-like of shape (n_samples, n_labels), or (n_samples,) for one label
            float32 or float64 scores.

        Returns
        -------
        ndarray of bool, same shape as ``y_score``

        Examples
        --------
        >>> import numpy as np, f1tune
        >>> res = f1tune.tune_thresholds([[1, 0], [0, 1], [1, 1]], np.array([[0.9, 0.2], [0.6, 0.4], [0.3, 0.8]]))
        >>> res.predict(np.array([[0.5, 0.5]]))
        array([[ True,  True]])
        """
        s = check_y_score(y_score)
        check_finite_scores(s)  # NaN >= t is False: it would silently become "negative"
        L = self.n_labels
        if s.ndim == 1:
            if L != 1:
                raise ValueError(f"y_score: expected shape (n_samples, {L}), got 1-D shape {s.shape}")
            return s >= self.thresholds[0]
        if s.shape[1] != L:
            raise ValueError(f"y_score: expected shape (n_samples, {L}), got shape {s.shape}")
        return s >= self.thresholds

    def to_dict(self) -> dict[str, Any]:
        """Return a plain-JSON-ready dict (format and version fields included)."""
        score = self.score
        d: dict[str, Any] = {
            "format": _FORMAT,
            "version": _VERSION,
            "average": self.average,
            "beta": self.beta,
            "zero_division": _enc(self.zero_division),
            "score": [_enc(v) for v in np.ravel(score)] if np.ndim(score) else _enc(float(score)),
            "thresholds": [_enc(v) for v in self.thresholds],
            "tp": self.tp.tolist(),
            "fp": self.fp.tolist(),
            "fn": self.fn.tolist(),
            "tn": self.tn.tolist(),
            "fbeta": [_enc(v) for v in self.fbeta],
            "n_bootstrap": int(self.n_bootstrap),
            "threshold_std": None if self.threshold_std is None else [_enc(v) for v in self.threshold_std],
            "upper_bound": _enc_upper(self.upper_bound),
        }
        return d

    @classmethod
    def from_dict(cls, d: Any) -> ThresholdResult:
        """Inverse of :meth:`to_dict`; reads versions 1, 2 and 3 and raises ``ValueError`` on anything else.

        Every field is checked against the format (types, lengths, ranges and the consistency of
        the counts); the error names the field.
        """
        return cls(**_parse(d))

    def to_json(self) -> str:
        """Serialize to a plain JSON string (no NaN/Infinity literals; exact float round trip)."""
        return json.dumps(self.to_dict(), allow_nan=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> ThresholdResult:
        """Load from :meth:`to_json` output.

        Examples
        --------
        >>> import numpy as np, f1tune
        >>> res = f1tune.tune_thresholds([1, 0, 1], np.array([0.8, 0.4, 0.6]))
        >>> f1tune.ThresholdResult.from_json(res.to_json()).thresholds
        array([0.5])
        """
        if isinstance(text, (bytes, bytearray)):
            try:
                text = bytes(text).decode("utf-8")
            except UnicodeDecodeError as err:
                raise ValueError(
                    f"expected a saved {_FORMAT} in UTF-8 JSON, got bytes that are not UTF-8 ({err})"
                ) from None
        if not isinstance(text, str):
            raise TypeError(f"text: expected a JSON str or bytes, got {type(text).__name__}")
        try:
            d = json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as err:
            raise ValueError(f"expected a saved {_FORMAT} in JSON, got invalid JSON ({err})") from None
        except RecursionError:
            raise ValueError(f"expected a saved {_FORMAT} in JSON, got JSON nested too deeply") from None
        except ValueError as err:  # e.g. an integer literal longer than Python's digit limit
            raise ValueError(f"expected a saved {_FORMAT} in JSON, got unreadable JSON ({err})") from None
        return cls.from_dict(d)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`to_json` to ``path``."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_json())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ThresholdResult:
        """Read a file written by :meth:`save` (format versions 1, 2 and 3)."""
        with open(path, "rb") as f:
            return cls.from_json(f.read())


def _reject_constant(name: str) -> Any:
    # to_json never writes NaN/Infinity literals; a file holding them was not written by us.
    raise ValueError(f"non-standard JSON constant {name} (non-finite values are stored as strings)")


# ---------------------------------------------------------------- reading a saved result, field by field


def _malformed(field: str, expected: str, got: Any) -> ValueError:
    shown = repr(got)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return ValueError(f"malformed {_FORMAT}: field {field!r}: expected {expected}, got {shown}")


def _dec_float(v: Any, field: str) -> float:
    """Decode one float written by :func:`_enc`: a JSON number or "inf"/"-inf"/"nan"."""
    if isinstance(v, str) and v in ("inf", "-inf", "nan"):
        return float(v)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _malformed(field, 'a number or one of "inf", "-inf", "nan"', v)
    try:
        return float(v)
    except OverflowError:  # an int beyond the float range
        raise _malformed(field, "a number in the float64 range", v) from None


def _float_list(d: dict[str, Any], field: str, n: int | None) -> np.ndarray:
    v = d[field]
    if not isinstance(v, list):
        raise _malformed(field, "a list of numbers", v)
    if n is not None and len(v) != n:
        raise _malformed(field, f"{n} values (one per label)", f"{len(v)} values")
    return np.array([_dec_float(x, field) for x in v], dtype=np.float64)


def _check_unit_interval(a: np.ndarray, field: str) -> None:
    """F-beta values lie in [0, 1]; NaN is allowed (zero_division=nan)."""
    bad = ~np.isnan(a) & ((a < 0) | (a > 1))
    if bad.any():
        raise _malformed(field, "F-beta values in [0, 1] or NaN", float(a[bad][0]))


def _count_list(d: dict[str, Any], field: str, n: int) -> np.ndarray:
    v = d[field]
    if not isinstance(v, list) or len(v) != n:
        raise _malformed(
            field, f"a list of {n} counts (one per label)", v if not isinstance(v, list) else f"{len(v)} values"
        )
    for x in v:
        if isinstance(x, bool) or not isinstance(x, int):
            raise _malformed(field, "integer counts", x)
        if x < 0 or x > _INT64_MAX:
            raise _malformed(field, f"counts in [0, {_INT64_MAX}]", x)
    return np.array(v, dtype=np.int64)


def _parse(d: Any) -> dict[str, Any]:
    """Check a decoded JSON object against the format; return the ThresholdResult fields."""
    if not isinstance(d, dict) or d.get("format") != _FORMAT:
        got = d.get("format") if isinstance(d, dict) else type(d).__name__
        raise ValueError(f"expected a saved {_FORMAT} (format field {_FORMAT!r}), got {got!r}")
    version = d.get("version")
    if isinstance(version, bool) or version not in _READABLE_VERSIONS:
        raise ValueError(f"expected {_FORMAT} version 1, 2 or 3, got version {version!r}")
    fields = {"format", "version", "average", "beta", "zero_division", "score", "thresholds", "fbeta", *_COUNTS}
    if version >= 2:
        fields |= {"n_bootstrap", "threshold_std"}
    if version >= 3:
        fields |= {"upper_bound"}
    missing = sorted(fields - d.keys())
    if missing:
        raise ValueError(f"malformed {_FORMAT}: missing field(s) {', '.join(map(repr, missing))}")
    unknown = sorted(d.keys() - fields)
    if unknown:
        raise ValueError(f"malformed {_FORMAT}: unknown field(s) {', '.join(map(repr, unknown))} for version {version}")

    average = d["average"]
    if not (average is None or (isinstance(average, str) and average in _AVERAGES)):
        raise _malformed("average", f"one of {', '.join(repr(a) for a in _AVERAGES)}", average)
    beta = _dec_float(d["beta"], "beta")
    if not (math.isfinite(beta) and beta > 0):
        raise _malformed("beta", "a finite number > 0", d["beta"])
    zero_division = _dec_float(d["zero_division"], "zero_division")
    if not (zero_division in (0.0, 1.0) or math.isnan(zero_division)):
        raise _malformed("zero_division", '0, 1 or "nan"', d["zero_division"])

    if not isinstance(d["thresholds"], list) or not d["thresholds"]:
        raise _malformed("thresholds", "a non-empty list of numbers", d["thresholds"])
    thresholds = _float_list(d, "thresholds", None)
    if np.isnan(thresholds).any():
        raise _malformed("thresholds", "numbers (a NaN threshold would predict nothing)", "nan")
    L = thresholds.shape[0]
    if average == "global" and not (thresholds == thresholds[0]).all():
        raise _malformed("thresholds", 'one value shared by all labels for average "global"', d["thresholds"])

    counts = {k: _count_list(d, k, L) for k in _COUNTS}
    n_rows = {sum(int(counts[k][j]) for k in _COUNTS) for j in range(L)}  # Python ints: no overflow
    if len(n_rows) != 1:
        raise _malformed(
            "tp, fp, fn, tn", "the same number of rows (tp + fp + fn + tn) for every label", sorted(n_rows)
        )
    fbeta = _float_list(d, "fbeta", L)
    _check_unit_interval(fbeta, "fbeta")

    score: float | np.ndarray
    if average is None:
        score = _float_list(d, "score", L)
        _check_unit_interval(score, "score")
    else:
        score = _dec_float(d["score"], "score")
        _check_unit_interval(np.array([score]), "score")

    n_bootstrap, threshold_std = 0, None
    if version >= 2:
        n_bootstrap = d["n_bootstrap"]
        if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, int) or not 0 <= n_bootstrap <= _INT64_MAX:
            raise _malformed("n_bootstrap", "an integer >= 0", n_bootstrap)
        if d["threshold_std"] is not None:
            threshold_std = _float_list(d, "threshold_std", L)
            if not (np.isfinite(threshold_std) & (threshold_std >= 0)).all():
                raise _malformed("threshold_std", "finite numbers >= 0", d["threshold_std"])
        if (threshold_std is None) != (n_bootstrap == 0):
            raise _malformed(
                "threshold_std", "a list exactly when n_bootstrap > 0 (null otherwise)", d["threshold_std"]
            )
    upper_bound = _parse_upper(d, average, score, L) if version >= 3 else None
    return {
        "upper_bound": upper_bound,
        "thresholds": thresholds,
        "score": score,
        "average": average,
        "beta": beta,
        "zero_division": zero_division,
        "fbeta": fbeta,
        "n_bootstrap": n_bootstrap,
        "threshold_std": threshold_std,
        **counts,
    }


def _enc_upper(u: float | np.ndarray | None) -> Any:
    """upper_bound for JSON: null, a number, or a list (average=None)."""
    if u is None:
        return None
    return [_enc(v) for v in np.ravel(u)] if np.ndim(u) else _enc(float(u))


def _parse_upper(d: dict[str, Any], average: str | None, score: float | np.ndarray, L: int) -> Any:
    """Check upper_bound: null, or like score (a list of L for average=None) in [0, 1] and >= score."""
    raw = d["upper_bound"]
    if raw is None:
        return None
    if average is None:
        upper: Any = _float_list(d, "upper_bound", L)
        _check_unit_interval(upper, "upper_bound")
    else:
        if isinstance(raw, list):
            raise _malformed("upper_bound", "a number or null", raw)
        upper = _dec_float(raw, "upper_bound")
        _check_unit_interval(np.array([upper]), "upper_bound")
    u, sc = np.asarray(upper, dtype=float), np.asarray(score, dtype=float)
    if (u < sc).any():  # NaN on either side compares False: only numbers are checked
        raise _malformed("upper_bound", "a bound >= score", raw)
    return upper
