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
_VERSION = 1


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
        return {
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
        }

    @classmethod
    def from_dict(cls, d: Any) -> ThresholdResult:
        """Inverse of :meth:`to_dict`; raises ``ValueError`` on anything else."""
        if not isinstance(d, dict) or d.get("format") != _FORMAT:
            got = d.get("format") if isinstance(d, dict) else type(d).__name__
            raise ValueError(f"expected a saved {_FORMAT} (format field {_FORMAT!r}), got {got!r}")
        if d.get("version") != _VERSION:
            raise ValueError(f"expected {_FORMAT} version {_VERSION}, got version {d.get('version')!r}")
        try:
            thresholds = np.array([float(v) for v in d["thresholds"]], dtype=np.float64)
            counts = {k: np.array(d[k], dtype=np.int64) for k in ("tp", "fp", "fn", "tn")}
            score_raw = d["score"]
            score: float | np.ndarray = (
                np.array([float(v) for v in score_raw]) if isinstance(score_raw, list) else float(score_raw)
            )
            return cls(
                thresholds=thresholds,
                score=score,
                average=d["average"],
                beta=float(d["beta"]),
                zero_division=float(d["zero_division"]),
                fbeta=np.array([float(v) for v in d["fbeta"]], dtype=np.float64),
                **counts,
            )
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"malformed {_FORMAT}: {err}") from None

    def to_json(self) -> str:
        """Serialize to a plain JSON string (no NaN/Infinity literals; exact float round trip)."""
        return json.dumps(self.to_dict(), allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> ThresholdResult:
        """Load from :meth:`to_json` output.

        Examples
        --------
        >>> import numpy as np, f1tune
        >>> res = f1tune.tune_thresholds([1, 0, 1], np.array([0.8, 0.4, 0.6]))
        >>> f1tune.ThresholdResult.from_json(res.to_json()).thresholds
        array([0.5])
        """
        try:
            d = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"expected a saved {_FORMAT} in JSON, got invalid JSON ({err})") from None
        return cls.from_dict(d)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`to_json` to ``path``."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_json())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ThresholdResult:
        """Read a file written by :meth:`save`."""
        with open(path, encoding="utf-8") as f:
            return cls.from_json(f.read())
