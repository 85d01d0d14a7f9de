"""The seed article's training recipe vs the default Stretcher, on the seed toy problem.

Seed recipe (Keras in the article, torch here): Linear(L, 200) -> Linear(200, L) -> sigmoid,
binary cross-entropy, Adam(lr=1e-3), batch size 64, 200 epochs, the last 10% of the training
rows held out for validation (evaluated each epoch, as Keras does). Timing all 200 epochs takes
minutes on 2 cores, so by default ``--seed-epochs`` (3) epochs per repeat are timed and the
full run is extrapolated linearly (the epochs are identical in cost); ``--seed-epochs 200`` runs
it all. The micro-F1 printed for the seed recipe is after the epochs actually run. Both sides run
``--repeats`` times, interleaved, and the best time of each side is compared.

Then the fit time on 1,000 and 2,000 rows (target: about a second for 1,000).

Usage: python benchmarks/bench_stretcher.py [--rows 100000] [--seed-epochs 3] [--repeats 3] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import time

import torch

import f1tune
from f1tune.datasets import make_seed_toy

SEED_EPOCHS = 200


def seed_recipe(data, epochs: int, seed: int) -> tuple[float, float]:
    """Train the seed network for ``epochs`` epochs; return (seconds, test micro-F1 at 0.5)."""
    torch.manual_seed(seed)
    n_labels = data.X_train.shape[1]
    net = torch.nn.Sequential(torch.nn.Linear(n_labels, 200), torch.nn.Linear(200, n_labels))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    n_fit = int(round(0.9 * data.X_train.shape[0]))  # Keras validation_split=.1: the last 10%
    x = torch.from_numpy(data.X_train[:n_fit])
    y = torch.from_numpy(data.y_train[:n_fit]).float()
    x_val = torch.from_numpy(data.X_train[n_fit:])
    y_val = torch.from_numpy(data.y_train[n_fit:]).float()
    t0 = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n_fit)
        for i in range(0, n_fit, 64):
            idx = perm[i : i + 64]
            opt.zero_grad()
            loss_fn(net(x[idx]), y[idx]).backward()
            opt.step()
        with torch.no_grad():
            loss_fn(net(x_val), y_val)
    elapsed = time.perf_counter() - t0
    with torch.no_grad():
        p = torch.sigmoid(net(torch.from_numpy(data.X_test))).numpy()
    return elapsed, float(f1tune.f1_score(data.y_test, p, thresholds=0.5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--test-rows", type=int, default=10_000)
    parser.add_argument("--labels", type=int, default=100)
    parser.add_argument("--seed-epochs", type=int, default=3, help="seed-recipe epochs timed per repeat (200 = all)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads for both sides (default torch's)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats of both sides (best time)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {load:.2f} at start")

    data = make_seed_toy(args.rows, args.test_rows, args.labels, random_state=0)
    seed_recipe(make_seed_toy(2000, 100, args.labels, random_state=1), 1, 0)  # warm up torch

    # Interleaved repeats (a Stretcher fit, then the timed seed epochs) so both sides see the same
    # load; the best time of each side is compared.
    runs, seed_runs = [], []
    for r in range(args.repeats):
        runs.append(f1tune.Stretcher(random_state=r, progress=False).fit(data.X_train, data.y_train))
        seed_runs.append(seed_recipe(data, args.seed_epochs, seed=r))
    st_time = min(r.fit_time_ for r in runs)
    st_f1 = [r.score(data.X_test, data.y_test) for r in runs]
    print(
        f"default Stretcher: fit {st_time:.2f} s (best of {args.repeats}; all: "
        f"{', '.join(f'{r.fit_time_:.2f}' for r in runs)}), epochs run {runs[0].n_epochs_}, "
        f"test micro-F1 {', '.join(f'{f:.4f}' for f in st_f1)}"
    )
    seconds = min(t for t, _ in seed_runs)
    full = seconds / args.seed_epochs * SEED_EPOCHS
    how = "measured" if args.seed_epochs == SEED_EPOCHS else f"extrapolated from {args.seed_epochs} timed epochs"
    print(
        f"seed recipe (batch 64, Adam 1e-3): {seconds / args.seed_epochs:.2f} s/epoch (best of {args.repeats}; all: "
        f"{', '.join(f'{t / args.seed_epochs:.2f}' for t, _ in seed_runs)}), {SEED_EPOCHS} epochs {full:.0f} s "
        f"({how}); test micro-F1 after {args.seed_epochs} epochs {', '.join(f'{f:.4f}' for _, f in seed_runs)} "
        "(article: 0.9900 after 200)"
    )
    ratio = full / st_time
    print(f"ratio seed recipe / default Stretcher: {ratio:.0f}x")
    ok = min(st_f1) >= 0.99 and ratio >= 10
    print(f"target (>= 0.99 test micro-F1 in <= 1/10 of the seed recipe's time): {'met' if ok else 'NOT met'}")
    small_fit_times(args.repeats)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.2f} at end")


def small_fit_times(repeats: int) -> None:
    """Fit time of the default Stretcher (tune_threshold="micro") on 1,000 and 2,000 rows of 10 labels.

    1,000 rows stay below ``residual_min_rows`` outside the first fold (linear stages only);
    2,000 rows also cross-fit the residual (5 trainings, plus one when it is kept).
    """
    for rows in (1_000, 2_000):
        data = make_seed_toy(rows, 100, 10, random_state=2)
        fits = [
            f1tune.Stretcher(tune_threshold="micro", random_state=r, progress=False).fit(data.X_train, data.y_train)
            for r in range(repeats)
        ]
        print(
            f"{rows:,} rows x 10 labels: fit {min(f.fit_time_ for f in fits):.2f} s (best of {repeats}), "
            f"stacking_ {fits[0].stacking_}, residual steps {fits[0].n_steps_}"
        )


if __name__ == "__main__":
    main()
