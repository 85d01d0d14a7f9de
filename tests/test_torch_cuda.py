"""CUDA and half precision against the CPU path. Collected only where CUDA is available (see conftest.py)."""

from __future__ import annotations

import pytest
import torch

from f1tune.torch import soft_fbeta_loss
from test_torch_losses import VARIANTS, _data, _vid


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("kw", VARIANTS[::5], ids=_vid)
def test_cuda_matches_cpu(dtype, kw):
    x, y = _data(n=500, L=9, dtype=torch.float32, logits=kw["from_logits"])
    xc = x.detach().cuda().to(dtype).requires_grad_(True)
    got = soft_fbeta_loss(xc, y.cuda(), reduction="none", **kw)
    (g_got,) = torch.autograd.grad(got.sum(), xc)
    x32 = xc.detach().cpu().float().requires_grad_(True)
    want = soft_fbeta_loss(x32, y, reduction="none", **kw)
    (g_want,) = torch.autograd.grad(want.sum(), x32)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == torch.float32 else dict(rtol=2e-2, atol=2e-3)
    torch.testing.assert_close(got.cpu().float(), want, **tol)
    torch.testing.assert_close(g_got.cpu().float(), g_want, **tol)
