"""Multi-label tasks built from real data that ships with scikit-learn (no download at run time).

Each task keeps some measured columns as inputs and derives labels from the class and from
other measured columns that are *not* inputs, so the labels are real, noisy and correlated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from sklearn import datasets


class Task(NamedTuple):
    name: str
    X: np.ndarray
    Y: np.ndarray  # (n, L) uint8
    labels: tuple[str, ...]
    about: str


def _stack(cols: dict[str, np.ndarray]) -> tuple[np.ndarray, tuple[str, ...]]:
    return np.column_stack([c.astype(np.uint8) for c in cols.values()]), tuple(cols)


def digits_task() -> Task:
    """Handwritten digits (1,797 8x8 images): one label per digit plus four unions of digits.

    Strong label dependence by construction: exactly one digit label is on, and "even", ">=5",
    "prime" and "closed loop" are unions of digit labels.
    """
    d = datasets.load_digits()
    t = d.target
    cols = {f"digit_{k}": t == k for k in range(10)}
    cols |= {"even": t % 2 == 0, "ge5": t >= 5, "prime": np.isin(t, [2, 3, 5, 7]), "loop": np.isin(t, [0, 6, 8, 9])}
    Y, names = _stack(cols)
    return Task(
        "digits", d.data.astype(np.float64), Y, names, "digits: 64 pixels -> 10 digit labels + 4 unions (1797 rows)"
    )


def breast_cancer_task() -> Task:
    """Breast cancer (569 tumours): inputs are the "mean" and "error" features; labels are the
    diagnosis and three "worst" measurements above a quantile (withheld from the inputs)."""
    d = datasets.load_breast_cancer()
    names = list(d.feature_names)
    worst = [i for i, n in enumerate(names) if n.startswith("worst")]
    inputs = [i for i in range(len(names)) if i not in worst]
    col = {n: d.data[:, i] for i, n in enumerate(names)}
    cols = {
        "malignant": d.target == 0,
        "worst_area_hi": col["worst area"] > np.quantile(col["worst area"], 0.6),
        "worst_concavity_hi": col["worst concavity"] > np.quantile(col["worst concavity"], 0.7),
        "worst_symmetry_hi": col["worst symmetry"] > np.quantile(col["worst symmetry"], 0.8),
        "worst_texture_hi": col["worst texture"] > np.quantile(col["worst texture"], 0.5),
    }
    Y, labels = _stack(cols)
    return Task(
        "breast_cancer",
        d.data[:, inputs],
        Y,
        labels,
        "breast_cancer: 20 mean/error features -> diagnosis + 4 withheld 'worst' highs (569 rows)",
    )


def wine_task() -> Task:
    """Wine (178 wines): the three cultivars one-hot, plus alcohol and colour intensity above
    their medians (withheld from the inputs). Small data: where threshold noise matters most."""
    d = datasets.load_wine()
    names = list(d.feature_names)
    withheld = [names.index("alcohol"), names.index("color_intensity")]
    inputs = [i for i in range(len(names)) if i not in withheld]
    alc, col = d.data[:, withheld[0]], d.data[:, withheld[1]]
    cols = {f"cultivar_{k}": d.target == k for k in range(3)}
    cols |= {"alcohol_hi": alc > np.median(alc), "colour_hi": col > np.median(col)}
    Y, labels = _stack(cols)
    return Task(
        "wine", d.data[:, inputs], Y, labels, "wine: 11 chemical features -> 3 cultivars + 2 withheld highs (178 rows)"
    )


def diabetes_task() -> Task:
    """Diabetes (442 patients): inputs age, sex, bmi, bp; labels: disease progression above
    three quantiles (nested: strong dependence) and two blood serum measurements high."""
    d = datasets.load_diabetes()
    X, t = d.data, d.target
    cols = {
        "progression_gt_q50": t > np.quantile(t, 0.5),
        "progression_gt_q75": t > np.quantile(t, 0.75),
        "progression_gt_q90": t > np.quantile(t, 0.9),
        "s5_hi": X[:, 8] > np.quantile(X[:, 8], 0.7),
        "s4_hi": X[:, 7] > np.quantile(X[:, 7], 0.6),
    }
    Y, labels = _stack(cols)
    return Task(
        "diabetes",
        X[:, :4],
        Y,
        labels,
        "diabetes: age/sex/bmi/bp -> progression above 3 nested quantiles + 2 serum highs (442 rows)",
    )


TASKS: dict[str, Callable[[], Task]] = {
    "digits": digits_task,
    "breast_cancer": breast_cancer_task,
    "wine": wine_task,
    "diabetes": diabetes_task,
}
