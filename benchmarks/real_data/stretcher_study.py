"""The Stretcher on real data: stretch-then-tune against exact thresholds and the logistic stacker.

Protocol (the real-data harness of ``run.py``): for each task, ``--splits`` random 70/30
train/test splits; base model OneVsRestClassifier(StandardScaler + LogisticRegression); its
5-fold out-of-fold (OOF) scores on the training rows are what every method below is fitted on,
and the base model refitted on all training rows gives the test scores they are applied to.

Rows:
- exact micro (OOF): exact micro-optimal per-label thresholds on the OOF scores.
- logistic stacker: ``f1tune._stacking.LogisticStacker`` on the OOF scores, at 0.5, and with
  micro thresholds tuned on its own 5-fold OOF outputs (nested, as the meta-estimator does).
- Stretcher (defaults): at 0.5, and with ``tune_threshold="micro"`` (stretch-then-tune).
- Stretcher(loss="soft_f1") and Stretcher(loss="double_soft_f1"), at 0.5.

Printed: mean +- std (over splits) of held-out micro/macro F1, and the paired difference
against "exact micro (OOF)" (mean +- standard error); then the target checks of issue 11.

    python benchmarks/real_data/stretcher_study.py [--splits 10] [--tasks digits,wine]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.model_selection import KFold

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Split, evaluate, format_table  # noqa: E402
from run import base_model  # noqa: E402
from tasks import TASKS  # noqa: E402

from f1tune.stretcher import Stretcher  # noqa: E402
from f1tune.thresholds import tune_thresholds  # noqa: E402

REFERENCE = "exact micro (OOF)"
TUNED = "Stretcher, stretch-then-tune (micro)"
STACKER_TUNED = "logistic stacker, micro thresholds on its OOF outputs"
stages: Counter[str] = Counter()


def exact_micro(sp: Split) -> np.ndarray:
    return sp.test_scores >= tune_thresholds(sp.Y_train, sp.oof_scores, average="micro").thresholds


def _stacker(sp: Split):  # type: ignore[no-untyped-def]
    from f1tune._stacking import LogisticStacker

    if "stacker" not in sp.cache:
        s, y = sp.oof_scores, sp.Y_train
        nested = np.empty(y.shape)
        for tr, te in KFold(5, shuffle=True, random_state=sp.seed).split(s):
            nested[te] = LogisticStacker().fit(s[tr], y[tr]).transform(s[te])
        thresholds = tune_thresholds(y, nested, average="micro").thresholds
        sp.cache["stacker"] = (LogisticStacker().fit(s, y).transform(sp.test_scores), thresholds)
    return sp.cache["stacker"]


def _stretcher(sp: Split, loss: str = "bce") -> Stretcher:
    key = f"stretcher-{loss}"
    if key not in sp.cache:
        st = Stretcher(loss=loss, tune_threshold="micro", random_state=sp.seed, progress=False)
        sp.cache[key] = st.fit(sp.oof_scores, sp.Y_train)
        if loss == "bce":
            stages[st.stacking_] += 1
    return sp.cache[key]


def methods() -> dict:  # type: ignore[type-arg]
    return {
        REFERENCE: exact_micro,
        "logistic stacker, 0.5": lambda sp: _stacker(sp)[0] >= 0.5,
        STACKER_TUNED: lambda sp: _stacker(sp)[0] >= _stacker(sp)[1],
        "Stretcher, 0.5": lambda sp: _stretcher(sp).transform(sp.test_scores) >= 0.5,
        TUNED: lambda sp: _stretcher(sp).predict(sp.test_scores),
        'Stretcher(loss="soft_f1"), 0.5': lambda sp: _stretcher(sp, "soft_f1").transform(sp.test_scores) >= 0.5,
        'Stretcher(loss="double_soft_f1"), 0.5': (
            lambda sp: _stretcher(sp, "double_soft_f1").transform(sp.test_scores) >= 0.5
        ),
    }


def check_targets(results) -> list[str]:  # type: ignore[no-untyped-def]
    """Issue 11's targets, per task: paired difference not below zero by more than one s.e.; std no larger."""
    lines = []
    for task in dict.fromkeys(r.task for r in results):
        by = {r.method: r for r in results if r.task == task}
        st = by[TUNED]
        for other in (REFERENCE, STACKER_TUNED):
            d = st.micro - by[other].micro
            se = d.std(ddof=1) / np.sqrt(d.size)
            ok = d.mean() >= -se
            lines.append(
                f"{task}: stretch-then-tune - {other}: {d.mean():+.4f} ± {se:.4f} s.e. -> {'met' if ok else 'NOT met'}"
            )
        s_st, s_ref = st.micro.std(ddof=1), by[REFERENCE].micro.std(ddof=1)
        lines.append(
            f"{task}: split-to-split std {s_st:.4f} vs thresholds' {s_ref:.4f} -> {'met' if s_st <= s_ref else 'NOT met'}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument("--tasks", default=",".join(TASKS))
    args = parser.parse_args()
    tasks = [TASKS[name]() for name in args.tasks.split(",")]
    for t in tasks:
        print(f"- {t.about}")
    results, kept = [], {}
    for t in tasks:  # one task at a time, to count the stages the default Stretcher chose per task
        stages.clear()
        results += evaluate([t], methods(), base_model(), n_splits=args.splits)
        kept[t.name] = dict(stages)
    print(format_table(results, reference=REFERENCE))
    print(f"\nstacking_ the default Stretcher chose (per task, over splits): {kept}")
    print("\n".join(["", "Targets (issue 11):", *check_targets(results)]))


if __name__ == "__main__":
    main()
