"""The split/evaluate loop shared by the threshold and Stretcher benchmarks.

A *method* is a function ``method(split) -> y_pred`` (0/1 of shape (n_test, L)) given a
:class:`Split`: the training rows, the test inputs, a base-model factory and, computed once per
split and cached, the base model's 5-fold out-of-fold (OOF) scores on the training rows and its
refitted test scores. Methods that only choose thresholds reuse those; a method can also fit
anything itself (e.g. the meta-estimator). Add rows by adding methods.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import KFold, ShuffleSplit

from f1tune.metrics import f1_score

N_FOLDS = 5
TEST_SIZE = 0.3


@dataclass
class Split:
    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    base: Any  # an unfitted multi-label estimator (cloned before use)
    seed: int
    cache: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def folds(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return list(KFold(N_FOLDS, shuffle=True, random_state=self.seed).split(self.X_train))

    @cached_property
    def oof_scores(self) -> np.ndarray:
        """Base-model scores of each training row from the fold model that did not see it."""
        from f1tune._sklearn_scores import label_scores, response_method

        method = response_method(self.base)
        out = np.empty(self.Y_train.shape)
        for tr, te in self.folds:
            m = clone(self.base).fit(self.X_train[tr], self.Y_train[tr])
            out[te] = label_scores(m, self.X_train[te], method, self.Y_train.shape[1])
        return out

    @cached_property
    def full_model(self) -> Any:
        return clone(self.base).fit(self.X_train, self.Y_train)

    @cached_property
    def test_scores(self) -> np.ndarray:
        from f1tune._sklearn_scores import label_scores, response_method

        return label_scores(self.full_model, self.X_test, response_method(self.base), self.Y_train.shape[1])


Method = Callable[[Split], np.ndarray]


@dataclass
class Result:
    task: str
    method: str
    micro: np.ndarray  # one held-out score per split
    macro: np.ndarray
    seconds: float


def evaluate(
    tasks: list[Any], methods: dict[str, Method], base: Any, n_splits: int = 10, log: Callable[[str], None] = print
) -> list[Result]:
    """Held-out micro/macro F1 of every method on every task over ``n_splits`` random splits."""
    results = []
    for task in tasks:
        scores = {m: np.empty((n_splits, 2)) for m in methods}
        secs = dict.fromkeys(methods, 0.0)
        t_task = time.perf_counter()
        for i, (tr, te) in enumerate(ShuffleSplit(n_splits, test_size=TEST_SIZE, random_state=0).split(task.X)):
            split = Split(task.X[tr], task.Y[tr], task.X[te], task.Y[te], base, seed=i)
            for name, method in methods.items():
                t0 = time.perf_counter()
                pred = np.asarray(method(split)).astype(np.uint8)
                secs[name] += time.perf_counter() - t0
                y = split.Y_test
                # predictions are 0/1: thresholding them at 0.5 scores them as they are
                p = pred.astype(np.float32)
                scores[name][i] = (
                    f1_score(y, p, thresholds=0.5, average="micro"),
                    f1_score(y, p, thresholds=0.5, average="macro"),
                )
        log(f"  {task.name}: {time.perf_counter() - t_task:.1f} s")
        for name in methods:
            results.append(Result(task.name, name, scores[name][:, 0], scores[name][:, 1], secs[name] / n_splits))
    return results


def format_table(results: list[Result], reference: str | None = None) -> str:
    """Markdown table: mean ± std per task and method; with ``reference``, the paired mean difference ± s.e."""
    lines = []
    for task in dict.fromkeys(r.task for r in results):
        rows = [r for r in results if r.task == task]
        ref = next((r for r in rows if r.method == reference), None)
        head = "| method | micro-F1 | macro-F1 |"
        sep = "|---|---|---|"
        if ref is not None:
            head += f" Δmicro vs {reference} | Δmacro vs {reference} |"
            sep += "---|---|"
        lines += [f"\n**{task}**\n", head + " s/split |", sep + "---|"]
        for r in rows:
            line = f"| {r.method} | {r.micro.mean():.4f} ± {r.micro.std(ddof=1):.4f} | {r.macro.mean():.4f} ± {r.macro.std(ddof=1):.4f} |"
            if ref is not None:
                for a, b in ((r.micro, ref.micro), (r.macro, ref.macro)):
                    d = a - b
                    line += f" {d.mean():+.4f} ± {d.std(ddof=1) / np.sqrt(d.size):.4f} |"
            lines.append(line + f" {r.seconds:.2f} |")
    return "\n".join(lines)
