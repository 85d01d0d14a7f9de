"""Type stubs for the compiled module f1tune._core (cpp/bindings/)."""

import numpy as np
import numpy.typing as npt

__version__: str

_Flags = dict[str, bool]
_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]

def count(
    y_true: npt.NDArray[np.generic], y_score: npt.NDArray[np.floating], thresholds: _F64, n_threads: int = 0
) -> tuple[_I64, _I64, _I64, _Flags]: ...
def count_batch(
    y_true: npt.NDArray[np.generic], y_score: npt.NDArray[np.floating], thresholds: _F64, n_threads: int = 0
) -> tuple[_I64, _I64, _I64, _Flags]: ...
def sample_fbeta_sums(
    y_true: npt.NDArray[np.generic],
    y_score: npt.NDArray[np.floating],
    thresholds: _F64,
    beta: float,
    n_threads: int = 0,
) -> tuple[_F64, _I64, _Flags]: ...
def tune(
    y_true: npt.NDArray[np.generic],
    y_score: npt.NDArray[np.floating],
    mode: str,
    beta: float,
    zero_division: float,
    n_threads: int = 0,
) -> tuple[_F64, _I64, _I64, _I64, _Flags, int]: ...
def fbeta_curve(
    y_true: npt.NDArray[np.generic], y_score: npt.NDArray[np.floating]
) -> tuple[_F64, _I64, _I64, int, _Flags]: ...
