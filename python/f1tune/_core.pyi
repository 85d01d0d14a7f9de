"""Type stubs for the compiled module f1tune._core (cpp/bindings/). Called only by f1tune._native."""

from typing import Any

import numpy as np
import numpy.typing as npt

__version__: str

_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]
_Labels = npt.NDArray[np.generic]
_Scores = npt.NDArray[np.floating]

class InputFlags:
    """Value problems a kernel found during its pass over the data."""

    @property
    def bad_label(self) -> bool: ...
    @property
    def bad_score(self) -> bool: ...

class LabelCounts:
    """tp, pp of shape (L,) or (T, L); pos of shape (L,)."""

    @property
    def tp(self) -> _I64: ...
    @property
    def pp(self) -> _I64: ...
    @property
    def pos(self) -> _I64: ...
    @property
    def flags(self) -> InputFlags: ...

class SampleSums:
    """fbeta_sum, n_undefined of shape (T,)."""

    @property
    def fbeta_sum(self) -> _F64: ...
    @property
    def n_undefined(self) -> _I64: ...
    @property
    def flags(self) -> InputFlags: ...

class TuneResult:
    """thresholds, tp, pp, pos of shape (L,) (empty when a flag is set), refine_passes."""

    @property
    def thresholds(self) -> _F64: ...
    @property
    def tp(self) -> _I64: ...
    @property
    def pp(self) -> _I64: ...
    @property
    def pos(self) -> _I64: ...
    @property
    def flags(self) -> InputFlags: ...
    @property
    def refine_passes(self) -> int: ...

class Curve:
    """thresholds (decreasing), tp, pp of shape (C,); pos the label's positives."""

    @property
    def thresholds(self) -> _F64: ...
    @property
    def tp(self) -> _I64: ...
    @property
    def pp(self) -> _I64: ...
    @property
    def pos(self) -> int: ...
    @property
    def flags(self) -> InputFlags: ...

def count_at_thresholds(y_true: _Labels, y_score: _Scores, thresholds: _F64, n_threads: int = 0) -> LabelCounts: ...
def count_batch(y_true: _Labels, y_score: _Scores, thresholds: _F64, n_threads: int = 0) -> LabelCounts: ...
def sample_fbeta_sums(
    y_true: _Labels, y_score: _Scores, thresholds: _F64, beta: float, n_threads: int = 0
) -> SampleSums: ...
def tune_per_label(
    y_true: _Labels, y_score: _Scores, beta: float, zero_division: float, n_threads: int = 0
) -> TuneResult: ...
def tune_micro(
    y_true: _Labels, y_score: _Scores, beta: float, zero_division: float, n_threads: int = 0
) -> TuneResult: ...
def tune_global(
    y_true: _Labels, y_score: _Scores, beta: float, zero_division: float, n_threads: int = 0
) -> TuneResult: ...
def label_curve(y_true: _Labels, y_score: _Scores) -> Curve: ...
def tuner_histograms(
    y_true: _Labels, y_score: _Scores, lo: float, hi: float, bins: int, n_threads: int = 0, extremes: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, InputFlags]: ...
def tuner_plan(pos: np.ndarray, tot: np.ndarray, kind: int, beta: float, zero_division: float) -> np.ndarray: ...
def tuner_gather(
    y_true: _Labels, y_score: _Scores, lo: float, hi: float, bins: int, ranges: np.ndarray, n_threads: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, InputFlags]: ...
def tuner_finish(
    pos: np.ndarray,
    tot: np.ndarray,
    lo: float,
    hi: float,
    kind: int,
    beta: float,
    zero_division: float,
    have: np.ndarray,
    keys: np.ndarray,
    ys: np.ndarray,
    offsets: np.ndarray,
) -> tuple[Any, ...]: ...
def tuner_bounded(
    pos: np.ndarray,
    tot: np.ndarray,
    lo: float,
    hi: float,
    is_double: bool,
    min_score: np.ndarray,
    max_score: np.ndarray,
    kind: int,
    beta: float,
    zero_division: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]: ...
