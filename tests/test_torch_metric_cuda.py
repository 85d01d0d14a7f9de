"""TunedFBeta(Metric) on CUDA tensors: the same result as the CPU copies (collected only with CUDA)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from f1tune.thresholds import tune_thresholds
from f1tune.torch import TunedFBeta
from test_torch_metric import CLASSES, assert_same, data, feed


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("average", ["micro", "macro"])
def test_cuda_batches_tune_like_their_cpu_copies(cls, dtype, average):
    preds, target = data(20, n=2000, dtype=dtype)
    metric = cls(4, average=average)
    if cls is not TunedFBeta:
        metric = metric.to("cuda")  # torchmetrics states on the GPU, as Lightning places them
    feed(metric, preds.cuda(), target.cuda().to(torch.int64))
    value = metric.compute()
    host = preds.float() if dtype in (torch.float16, torch.bfloat16) else preds
    want = tune_thresholds(target.numpy(), host.numpy(), average=average)
    assert_same(metric.result, want)
    assert value.item() == np.float32(want.score)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_cuda_logits_tune_the_host_sigmoid(cls):
    g = torch.Generator().manual_seed(21)
    target = torch.rand(3000, 3, generator=g) < 0.3
    logits = 3 * target + 4 * torch.randn(3000, 3, generator=g) - 1.0
    metric = cls(3, average="micro", from_logits=True)
    feed(metric, logits.cuda(), target.cuda())
    metric.compute()
    assert_same(metric.result, tune_thresholds(target.numpy(), torch.sigmoid(logits).numpy(), average="micro"))


def test_preds_and_target_on_different_devices():
    preds, target = data(22, n=10)
    with pytest.raises(ValueError, match="target: expected a tensor on cuda:0 like preds, got cpu"):
        TunedFBeta(4).update(preds.cuda(), target)
