"""Which thresholds generalize: held-out micro/macro F1 of threshold rules on real multi-label data.

Protocol (printed with the table): for each task, 10 random 70/30 train/test splits. The base
model is OneVsRestClassifier(StandardScaler + LogisticRegression). Threshold rules are chosen on
the training rows only -- on 5-fold out-of-fold (OOF) scores unless stated -- and applied to the
scores of the base model refitted on all training rows; F1 is measured on the test rows.

    python benchmarks/real_data/run.py [--splits 10] [--tasks digits,wine] [--bootstrap 100]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import ShuffleSplit
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Split, evaluate, format_table  # noqa: E402
from tasks import TASKS  # noqa: E402

from f1tune.metrics import f1_score  # noqa: E402
from f1tune.sklearn import TunedThresholdsClassifierCV  # noqa: E402
from f1tune.thresholds import tune_thresholds  # noqa: E402

SEED_GRID = np.linspace(0.0, 1.0, 20)  # the seed article's global grid


def base_model() -> OneVsRestClassifier:
    return OneVsRestClassifier(make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)))


def at(thresholds):
    return lambda sp: sp.test_scores >= thresholds


def exact(average):
    return lambda sp: sp.test_scores >= tune_thresholds(sp.Y_train, sp.oof_scores, average=average).thresholds


def seed_grid(sp: Split):
    f = f1_score(sp.Y_train, sp.oof_scores, thresholds=SEED_GRID[:, None], average="micro")
    return sp.test_scores >= SEED_GRID[int(np.argmax(f))]


def validation_split(sp: Split):
    """Fit on 80% of the training rows, tune exact micro thresholds on the other 20%, refit on all."""
    ((tr, va),) = ShuffleSplit(1, test_size=0.2, random_state=sp.seed).split(sp.X_train)
    from sklearn.base import clone

    from f1tune._sklearn_scores import label_scores

    m = clone(sp.base).fit(sp.X_train[tr], sp.Y_train[tr])
    s = label_scores(m, sp.X_train[va], "predict_proba", sp.Y_train.shape[1])
    return sp.test_scores >= tune_thresholds(sp.Y_train[va], s, average="micro").thresholds


def meta(**kw):
    def run(sp: Split):
        return (
            TunedThresholdsClassifierCV(sp.base, random_state=sp.seed, **kw)
            .fit(sp.X_train, sp.Y_train)
            .predict(sp.X_test)
        )

    return run


def methods(n_bootstrap: int):
    return {
        "0.5": lambda sp: sp.test_scores >= 0.5,
        "seed 20-point global grid (OOF)": seed_grid,
        "exact global (OOF)": exact("global"),
        "exact per-label (OOF)": exact("macro"),
        "exact micro (OOF)": exact("micro"),
        "exact micro, one 20% validation split": validation_split,
        "TunedThresholdsClassifierCV() defaults": meta(),
        f"  n_bootstrap={n_bootstrap}": meta(n_bootstrap=n_bootstrap),
        '  stretcher="logistic"': meta(stretcher="logistic"),
        f'  average="macro", n_bootstrap={n_bootstrap}': meta(average="macro", n_bootstrap=n_bootstrap),
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--splits", type=int, default=10)
    ap.add_argument("--tasks", default=",".join(TASKS))
    ap.add_argument("--bootstrap", type=int, default=100)
    args = ap.parse_args(argv)
    tasks = [TASKS[t]() for t in args.tasks.split(",")]
    print(__doc__.split("\n\n")[1])
    for t in tasks:
        print(f"- {t.about}; label rates {np.round(t.Y.mean(0), 2).tolist()}")
    t0 = time.perf_counter()
    results = evaluate(tasks, methods(args.bootstrap), base_model(), n_splits=args.splits)
    print(
        f"\nmean ± std over {args.splits} splits; Δ = paired mean difference ± standard error; total {time.perf_counter() - t0:.0f} s"
    )
    print(format_table(results, reference="exact micro (OOF)"))


if __name__ == "__main__":
    main()
