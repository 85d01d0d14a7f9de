"""TunedFBeta / TunedFBetaMetric in one process: equal to tuning the concatenated batches at once."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest
import torch

from f1tune.thresholds import tune_thresholds
from f1tune.torch import TunedFBeta
from f1tune.tuner import ThresholdTuner

AVERAGES = ["micro", "macro", "global", "weighted", None]


def _metric_classes():
    classes = [TunedFBeta]
    try:
        from f1tune.torch._torchmetrics_adapter import TunedFBetaMetric
    except ModuleNotFoundError:  # the plain class is tested everywhere; the subclass where torchmetrics is
        return classes
    return classes + [TunedFBetaMetric]


CLASSES = _metric_classes()


def data(seed, n=700, L=4, dtype=torch.float32, ties=False):
    g = torch.Generator().manual_seed(seed)
    y = torch.rand(n, L, generator=g, dtype=torch.float64) < torch.linspace(0.05, 0.5, L, dtype=torch.float64)
    s = (0.3 * y + torch.normal(0.4, 0.25, (n, L), generator=g, dtype=torch.float64)).clamp(0, 1)
    if ties:
        s = torch.round(s, decimals=2)
    return s.to(dtype), y


def batches(n, seed):
    """Uneven batches, one of them empty."""
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.choice(np.arange(1, n), size=4, replace=False))
    parts = np.split(np.arange(n), cuts)
    return parts[:2] + [np.arange(0)] + parts[2:]


def feed(metric, preds, target, seed=0):
    buf_p, buf_t = torch.empty_like(preds), torch.empty_like(target)
    for rows in batches(len(preds), seed):
        m = len(rows)
        buf_p[:m], buf_t[:m] = preds[rows], target[rows]
        metric.update(buf_p[:m], buf_t[:m])
        buf_p[:m] = 0.5  # callers reuse buffers: exact mode keeps copies
        buf_t[:m] = False


def assert_same(got, want):
    assert np.array_equal(got.thresholds.view(np.int64), want.thresholds.view(np.int64))
    for k in ("tp", "fp", "fn", "tn"):
        assert np.array_equal(getattr(got, k), getattr(want, k)), k
    assert type(got.score) is type(want.score)  # a float stays a float, per-label scores an array
    np.testing.assert_array_equal(got.score, want.score, strict=True)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("average", AVERAGES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_exact_equals_one_shot_tuning(cls, average, dtype):
    for seed, beta in ((0, 1.0), (1, 0.5), (2, 2.0)):
        preds, target = data(seed, dtype=dtype, ties=seed == 1)
        metric = cls(4, average=average, beta=beta)
        feed(metric, preds, target, seed)
        value = metric.compute()
        want = tune_thresholds(target.numpy(), preds.numpy(), average=average, beta=beta)
        assert_same(metric.result, want)
        assert value.dtype == torch.float32 and value.shape == np.shape(want.score)
        torch.testing.assert_close(value, torch.tensor(want.score, dtype=torch.float32), rtol=0, atol=0)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("average", ["micro", "macro", "global"])
def test_bounded_equals_the_bounded_tuner_and_brackets_the_optimum(cls, average):
    preds, target = data(3, n=900)
    metric = cls(4, average=average, exact=False, bins=64)
    feed(metric, preds, target, 3)
    metric.compute()
    want = ThresholdTuner(4, exact=False, bins=64).update(target.numpy(), preds.numpy()).tune(average=average)
    assert_same(metric.result, want)
    assert metric.result.upper_bound == want.upper_bound
    optimum = tune_thresholds(target.numpy(), preds.numpy(), average=average).score
    assert metric.result.score <= optimum <= metric.result.upper_bound


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
def test_logits_tune_the_sigmoid_probabilities(cls, dtype):
    g = torch.Generator().manual_seed(4)
    target = torch.rand(600, 3, generator=g) < 0.3
    logits = (3 * target + 4 * torch.randn(600, 3, generator=g) - 1.0).to(dtype)
    logits[:40] += 30  # far into float32's saturation: sigmoid rounds to 1.0, ties the rows
    probs = torch.sigmoid(logits.float() if dtype in (torch.float16, torch.bfloat16) else logits)
    for average in ("micro", "macro"):
        metric = cls(3, average=average, from_logits=True)
        feed(metric, logits, target)
        metric.compute()
        want = tune_thresholds(target.numpy(), probs.numpy(), average=average)
        assert_same(metric.result, want)
        # The rule the docstring gives for deployment reproduces the tuned counts.
        predicted = probs.double().numpy() >= metric.result.thresholds
        assert np.array_equal((predicted & target.numpy()).sum(0), metric.result.tp)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_target_dtypes_and_one_label_shape(cls):
    preds, target = data(5, n=300, L=1)
    want = tune_thresholds(target.numpy(), preds.numpy(), average="macro")
    for t in (target, target.to(torch.int64), target.to(torch.uint8), target.to(torch.float32)):
        for shape in ((-1, 1), (-1,)):
            metric = cls(1, average="macro")
            metric.update(preds.reshape(shape).requires_grad_(True), t.reshape(shape))
            metric.compute()
            assert_same(metric.result, want)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_reset_forgets_every_batch(cls):
    (p1, y1), (p2, y2) = data(6), data(7)
    metric = cls(4, average="micro")
    feed(metric, p1, y1)
    metric.compute()
    metric.reset()
    assert metric.result is None
    feed(metric, p2, y2)
    metric.compute()
    assert_same(metric.result, tune_thresholds(y2.numpy(), p2.numpy(), average="micro"))
    metric.reset()
    with pytest.raises(ValueError, match="no samples"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The ``compute`` method of metric", UserWarning)  # torchmetrics' own
        metric.compute()


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_compute_twice_and_keep_accumulating(cls):
    (p1, y1), (p2, y2) = data(8), data(9)
    metric = cls(4, average="macro")
    metric.update(p1, y1)
    first = metric.compute()
    assert torch.equal(metric.compute(), first)
    metric.update(p2, y2)
    metric.compute()
    both = tune_thresholds(torch.cat([y1, y2]).numpy(), torch.cat([p1, p2]).numpy(), average="macro")
    assert_same(metric.result, both)


BAD_BATCHES = [
    (lambda p, y: (p.numpy(), y), TypeError, "preds: expected a torch.Tensor"),
    (lambda p, y: (p, y.numpy()), TypeError, "target: expected a torch.Tensor"),
    (lambda p, y: ((p > 0.5).long(), y), TypeError, "preds: expected a floating-point tensor"),
    (lambda p, y: (p[:, :3], y[:, :3]), ValueError, r"preds: expected shape \(n, 4\) \(num_labels=4\)"),
    (lambda p, y: (p, y[:-1]), ValueError, "preds and target: expected the same shape"),
    (lambda p, y: (p[:, :, None], y[:, :, None]), ValueError, "preds: expected shape"),
    (lambda p, y: (torch.where(p > 0.9, float("nan"), p), y), ValueError, "preds: expected probabilities without NaN"),
    (lambda p, y: (p + 0.5, y), ValueError, r"preds: expected probabilities in \[0, 1\].*from_logits=True"),
    (lambda p, y: (p, y.long() * 2), ValueError, r"target: expected values in \{0, 1\}"),
    (lambda p, y: (p, y.float() * 0.5), ValueError, r"target: expected values in \{0, 1\}"),
    (lambda p, y: (p, y.to(torch.complex64)), TypeError, "target: expected bool, integer or floating-point"),
]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("make, error, message", BAD_BATCHES)
def test_bad_batches_name_the_argument_and_leave_the_state_alone(cls, make, error, message):
    preds, target = data(10, n=200)
    metric = cls(4, average="micro")
    metric.update(preds[:100], target[:100])
    with pytest.raises(error, match=message):
        metric.update(*make(preds[100:], target[100:]))
    metric.compute()
    assert_same(metric.result, tune_thresholds(target[:100].numpy(), preds[:100].numpy(), average="micro"))


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_one_score_dtype(cls):
    preds, target = data(11, n=100)
    metric = cls(4)
    metric.update(preds, target)
    with pytest.raises(TypeError, match="preds: expected float32 scores like the earlier batches, got float64"):
        metric.update(preds.double(), target)


BAD_OPTIONS = [
    (dict(num_labels=0), ValueError, "num_labels: expected an integer >= 1, got 0"),
    (dict(num_labels=True), ValueError, "num_labels: expected an integer >= 1"),
    (dict(average="samples"), ValueError, "average: expected one of"),
    (dict(beta=0.0), ValueError, "beta: expected a finite number > 0"),
    (dict(zero_division=2), ValueError, "zero_division: expected 0, 1, np.nan or 'warn'"),
    (dict(exact="yes"), TypeError, "exact: expected True or False"),
    (dict(from_logits=1), TypeError, "from_logits: expected True or False"),
    (dict(bins=1), ValueError, r"bins: expected an integer in \[2, 2\*\*24\]"),
]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("kw, error, message", BAD_OPTIONS)
def test_bad_options_name_the_argument(cls, kw, error, message):
    kw = {"num_labels": 3, **kw}
    with pytest.raises(error, match=message):
        cls(kw.pop("num_labels"), **kw)


@pytest.mark.requires("torchmetrics")
def test_metric_subclass_offers_no_per_batch_value():
    from f1tune.torch import TunedFBetaMetric

    preds, target = data(12, n=50)
    metric = TunedFBetaMetric(4)
    with pytest.raises(TypeError, match=r"update\(preds, target\) per batch"):
        metric(preds, target)


def test_without_torchmetrics_the_subclass_says_what_to_install(monkeypatch):
    import f1tune.torch

    monkeypatch.delitem(sys.modules, "f1tune.torch._torchmetrics_adapter", raising=False)
    monkeypatch.setitem(sys.modules, "torchmetrics", None)  # import torchmetrics fails as if not installed
    with pytest.raises(ImportError, match=r"pip install torchmetrics.*TunedFBeta offers the same metric"):
        f1tune.torch.TunedFBetaMetric  # noqa: B018


@pytest.mark.parametrize(
    "name",
    [
        "f1tune.torch.tuned_fbeta",
        pytest.param("f1tune.torch._torchmetrics_adapter", marks=pytest.mark.requires("torchmetrics")),
    ],
)
def test_docstring_examples(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.requires("torchmetrics")
def test_metric_collection_keeps_every_instance_apart():
    # MetricCollection updates only the first metric of a group whose states compare equal.
    from torchmetrics import MetricCollection

    from f1tune.torch import TunedFBetaMetric

    preds, target = data(13)
    averages = ("micro", "macro", "global")
    collection = MetricCollection({a: TunedFBetaMetric(4, average=a) for a in averages})
    for rows in batches(len(preds), 13):
        collection.update(preds[rows], target[rows])
    values = collection.compute()
    for a in averages:
        want = tune_thresholds(target.numpy(), preds.numpy(), average=a)
        assert_same(collection[a].result, want)
        assert values[a].item() == np.float32(want.score)
