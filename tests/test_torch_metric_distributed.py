"""TunedFBeta(Metric) across 3 gloo processes on loopback: every rank equals one process on the concatenation.

Uneven shards, one rank without samples; exact and bounded mode; the torchmetrics subclass
synchronized by torchmetrics; a process group of two of the three ranks. The workers also count
the bytes of the candidate all-gathers (uint8 payloads), which must stay far below the samples.
"""

from __future__ import annotations

import importlib.util
import os
import sys

import numpy as np
import pytest
import torch
import torch.distributed as dist

from _gloo import loopback_group, spawn_ranks
from f1tune.thresholds import tune_thresholds
from f1tune.tuner import ThresholdTuner

if not dist.is_available():  # pragma: no cover
    pytest.skip("torch.distributed is not available", allow_module_level=True)

WORLD = 3
N_ROWS, N_LABELS = 1500, 4
SHARDS = [np.arange(0), np.arange(0, 410), np.arange(410, N_ROWS)]  # rank 0 has no samples
HAS_TORCHMETRICS = importlib.util.find_spec("torchmetrics") is not None
# (class name, options); every case runs on every rank over its shard.
CASES = [
    ("TunedFBeta", dict(average="micro")),
    ("TunedFBeta", dict(average="macro", beta=2.0)),
    ("TunedFBeta", dict(average="global")),
    ("TunedFBeta", dict(average="micro", from_logits=True)),
    ("TunedFBeta", dict(average="macro", exact=False, bins=64)),
    ("TunedFBeta", dict(average="micro", exact=False, bins=64)),
] + (
    [
        ("TunedFBetaMetric", dict(average="micro")),
        ("TunedFBetaMetric", dict(average="macro", beta=0.5)),
        ("TunedFBetaMetric", dict(average="global", exact=False, bins=64)),
    ]
    if HAS_TORCHMETRICS
    else []
)


def _data(logits=False):
    g = torch.Generator().manual_seed(3)
    y = torch.rand(N_ROWS, N_LABELS, generator=g) < torch.tensor([0.05, 0.2, 0.4, 0.6])
    s = 0.35 * y + 0.65 * torch.rand(N_ROWS, N_LABELS, generator=g)
    s[::7] = torch.round(s[::7], decimals=2)  # some ties
    return (torch.logit(s, eps=1e-6) if logits else s), y


def _feed(metric, preds, target, rows):
    for part in np.array_split(rows, 3):  # a few batches per rank, empty ones on rank 0
        metric.update(preds[part], target[part])


def _result(metric):
    r = metric.result
    return dict(thresholds=r.thresholds, score=r.score, tp=r.tp, fp=r.fp, upper_bound=r.upper_bound)


def _count_candidate_bytes():
    """Wrap dist.all_gather: sum the bytes of the uint8 (candidate payload) tensors this rank sends."""
    counter = {"bytes": 0}
    inner = dist.all_gather

    def all_gather(tensor_list, tensor, *args, **kwargs):
        if tensor.dtype == torch.uint8:
            counter["bytes"] += tensor.numel()
        return inner(tensor_list, tensor, *args, **kwargs)

    dist.all_gather = all_gather
    return counter


def _count_calls(owner, name, counter):
    """Wrap ``owner.name`` so that each call increments ``counter[name]``."""
    inner = getattr(owner, name)

    def counted(*args, **kwargs):
        counter[name] += 1
        return inner(*args, **kwargs)

    setattr(owner, name, counted)


def _forced_rounds(ft, average):
    """Tune with nothing planned: finish must ask for buckets round after round, all ranks together."""
    from f1tune.tuner import ThresholdTuner

    plan = ThresholdTuner.candidate_ranges

    def nothing_planned(self, **kw):
        r = plan(self, **kw)
        empty = np.tile(np.array([0, -1], dtype=np.int64), (r.n_labels, 1))
        return type(r)(empty, r.score_range, r.bins, r.dtype, r.objective)

    ThresholdTuner.candidate_ranges = nothing_planned
    try:
        preds, target = _data()
        metric = ft.TunedFBeta(N_LABELS, average=average)
        _feed(metric, preds, target, SHARDS[-1 - _forced_rounds.rank])  # ranks 0 and 2 swap shards
        metric.compute()
    finally:
        ThresholdTuner.candidate_ranges = plan
    return _result(metric)


def _worker(rank, port, result_dir):
    with loopback_group(rank, port, world_size=WORLD):
        import f1tune.torch as ft

        lazy = "torchmetrics" not in sys.modules  # f1tune.torch alone must not import it
        counter = _count_candidate_bytes()
        calls = {"all_reduce_histograms": 0, "all_gather_candidates": 0, "_sync_dist": 0}
        from f1tune.torch import tuned_fbeta

        _count_calls(tuned_fbeta, "all_reduce_histograms", calls)
        _count_calls(tuned_fbeta, "all_gather_candidates", calls)
        if HAS_TORCHMETRICS:
            import torchmetrics

            _count_calls(torchmetrics.Metric, "_sync_dist", calls)
        out = {"cases": [], "candidate_bytes": [], "lazy": lazy, "calls": []}
        for name, kw in CASES:
            preds, target = _data(kw.get("from_logits", False))
            metric = getattr(ft, name)(N_LABELS, **kw)
            _feed(metric, preds, target, SHARDS[rank])
            counter["bytes"] = 0
            calls.update(dict.fromkeys(calls, 0))
            value = metric.compute()
            out["candidate_bytes"].append(counter["bytes"])
            out["calls"].append(dict(calls))
            out["cases"].append((float(value), _result(metric)))
        _forced_rounds.rank = rank
        out["forced"] = []
        for average in ("micro", "macro"):
            calls.update(dict.fromkeys(calls, 0))
            out["forced"].append((_forced_rounds(ft, average), calls["all_gather_candidates"]))
        # A second epoch after reset, on the torchmetrics subclass, must not see the first.
        if HAS_TORCHMETRICS:
            preds, target = _data()
            metric = ft.TunedFBetaMetric(N_LABELS, average="micro")
            _feed(metric, preds, target, SHARDS[(rank + 1) % WORLD][:200])
            metric.compute()
            metric.reset()
            _feed(metric, preds, target, SHARDS[rank])
            metric.compute()
            out["second_epoch"] = _result(metric)
        # sync_on_compute=False: each rank tunes its own shard (rank 0 has none), no collective.
        local = []
        for name in ("TunedFBeta", "TunedFBetaMetric") if HAS_TORCHMETRICS else ("TunedFBeta",):
            preds, target = _data()
            metric = getattr(ft, name)(N_LABELS, average="macro", sync_on_compute=False)
            _feed(metric, preds, target, SHARDS[rank])
            try:
                metric.compute()
                local.append(_result(metric))
            except ValueError as err:
                local.append(str(err))
        out["local"] = local
        # process_group: ranks 1 and 2 only (new_group is called by every rank).
        group = dist.new_group([1, 2])
        if rank in (1, 2):
            preds, target = _data()
            metric = ft.TunedFBeta(N_LABELS, average="micro", process_group=group)
            _feed(metric, preds, target, SHARDS[rank][::2])
            metric.compute()
            out["group"] = _result(metric)
        torch.save(out, os.path.join(result_dir, f"rank{rank}.pt"))


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ranks")
    spawn_ranks(_worker, WORLD, tmp)
    return [torch.load(tmp / f"rank{r}.pt", weights_only=False) for r in range(WORLD)]


def _assert_same(got, want):
    assert np.array_equal(got["thresholds"].view(np.int64), want.thresholds.view(np.int64))
    assert np.array_equal(got["tp"], want.tp) and np.array_equal(got["fp"], want.fp)
    np.testing.assert_array_equal(got["score"], want.score)


def _probs(kw):
    preds, target = _data(kw.get("from_logits", False))
    return target.numpy(), (torch.sigmoid(preds) if kw.get("from_logits") else preds).numpy()


@pytest.mark.parametrize("case", range(len(CASES)), ids=[f"{n}-{kw}" for n, kw in CASES])
def test_every_rank_equals_one_process_on_the_concatenation(ranks, case):
    _, kw = CASES[case]
    y, s = _probs(kw)
    avg, beta = kw["average"], kw.get("beta", 1.0)
    if kw.get("exact", True):
        want = tune_thresholds(y, s, average=avg, beta=beta)
    else:
        want = ThresholdTuner(N_LABELS, exact=False, bins=kw["bins"]).update(y, s).tune(average=avg, beta=beta)
    for rank in range(WORLD):
        value, got = ranks[rank]["cases"][case]
        _assert_same(got, want)
        assert got["upper_bound"] == want.upper_bound
        assert value == np.float32(want.score)


def test_histograms_are_reduced_once_per_compute(ranks):
    # TunedFBeta reduces them itself; TunedFBetaMetric leaves it to torchmetrics' sync.
    for r in ranks:
        for (name, _), calls in zip(CASES, r["calls"]):
            own = name == "TunedFBeta"
            assert calls["all_reduce_histograms"] == own
            assert calls["_sync_dist"] == (not own)


def test_all_ranks_loop_together_when_finish_asks_for_more_buckets(ranks):
    y, s = _probs({})
    swapped = np.concatenate([SHARDS[2], SHARDS[1], SHARDS[0]])  # any row order tunes the same
    for i, average in enumerate(("micro", "macro")):
        want = tune_thresholds(y[swapped], s[swapped], average=average)
        for r in ranks:
            got, rounds = r["forced"][i]
            assert rounds >= 2
            _assert_same(got, want)


def test_torchmetrics_is_imported_only_for_the_subclass(ranks):
    assert all(r["lazy"] for r in ranks)


def test_only_candidate_elements_travel(ranks):
    sample_bytes = N_ROWS * N_LABELS * (4 + 1)  # float32 scores + uint8 labels, all ranks
    for case, (_, kw) in enumerate(CASES):
        sent = sum(r["candidate_bytes"][case] for r in ranks)
        if kw.get("exact", True):
            assert 0 < sent < sample_bytes / 10, (CASES[case], sent)
        else:
            assert sent == 0, CASES[case]  # bounded mode gathers nothing


@pytest.mark.requires("torchmetrics")
def test_reset_starts_a_new_epoch_on_every_rank(ranks):
    y, s = _probs({})
    want = tune_thresholds(y, s, average="micro")
    for r in ranks:
        _assert_same(r["second_epoch"], want)


def test_sync_on_compute_false_tunes_each_rank_alone(ranks):
    y, s = _probs({})
    for rank, r in enumerate(ranks):
        for got in r["local"]:
            if rank == 0:
                assert "no samples" in got
            else:
                rows = SHARDS[rank]
                _assert_same(got, tune_thresholds(y[rows], s[rows], average="macro"))


def test_process_group_limits_the_ranks(ranks):
    y, s = _probs({})
    rows = np.concatenate([SHARDS[1][::2], SHARDS[2][::2]])
    want = tune_thresholds(y[rows], s[rows], average="micro")
    assert "group" not in ranks[0]
    for r in ranks[1:]:
        _assert_same(r["group"], want)
