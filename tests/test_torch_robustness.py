"""Regression tests for the soft F-beta loss under stress (issue 10): threads, gradients near
saturation, half precision, extreme options, non-bool flags. Oracles: torch autograd on the
textbook formula in float64, exact fractions, the single-thread result."""

from __future__ import annotations

import threading
from fractions import Fraction

import numpy as np
import pytest
import torch

from f1tune._kernels import soft_fbeta as kernels
from f1tune.torch import _autograd, losses, soft_f1_loss, soft_fbeta_loss
from f1tune.torch._reference import soft_fbeta_loss_reference as reference


@pytest.fixture(params=["fused", "counts", "torch"])
def path(request, monkeypatch):
    """Run a test through each path: fused numba Function, numba counts + torch ops, plain torch."""
    if request.param == "counts":
        monkeypatch.setattr(losses, "FUSED", False)
    if request.param == "torch":
        monkeypatch.setattr(_autograd, "fast_path_applies", lambda x, y: False)
    return request.param


def _grad(fn, x, y, **kw):
    x = x.detach().clone().requires_grad_(True)
    loss = fn(x, y, **kw)
    (g,) = torch.autograd.grad(loss, x)
    return loss.detach(), g


# ---------------------------------------------------------------- item 1: threads


@pytest.mark.parametrize("shape", [(64, 10), (2048, 160)], ids=["serial", "parallel"])
def test_concurrent_calls_match_single_thread(shape):
    # numba's workqueue layer aborted the whole process on concurrent parallel kernels.
    assert (shape[0] * shape[1] >= kernels.SERIAL_BELOW) == (shape[0] == 2048)
    g = torch.Generator().manual_seed(0)
    cases = []
    for i in range(4):
        z = torch.randn(*shape, generator=g)
        y = torch.rand(*shape, generator=g) < 0.3
        kw = dict(from_logits=bool(i % 2), double=i >= 2)
        x = z if kw["from_logits"] else torch.sigmoid(z)
        cases.append((x, y, kw, _grad(soft_f1_loss, x, y, **kw)))
    errors: list[BaseException] = []

    def work(case):
        x, y, kw, (want_loss, want_grad) = case
        try:
            for _ in range(5):
                loss, grad = _grad(soft_f1_loss, x, y, **kw)
                assert torch.equal(loss, want_loss) and torch.equal(grad, want_grad)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(cases[i % 4],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


# ---------------------------------------------------------------- item 7: double soft-F1 near p = 1


def test_double_gradient_at_p_one_all_positive(path):
    x = torch.tensor([[1.0], [1.0]])
    y = torch.tensor([[1], [1]])
    loss, g = _grad(soft_f1_loss, x, y, double=True)
    _, want = _grad(reference, x.double(), y, double=True)
    # exact: F+ = 2*2/4, dF+/dp = (2*4 - 2*2)/16 = 1/4; F- is 0 for any p (no negatives): -1/8
    assert want.tolist() == [[-0.125], [-0.125]]
    assert g.tolist() == [[-0.125], [-0.125]]
    assert loss.item() == 0.5


@pytest.mark.parametrize("beta", [1.0, 3.7, 0.3])
@pytest.mark.parametrize("y_kind", ["ones", "mixed"])
def test_double_gradient_near_saturation_float32(beta, y_kind, path):
    p = torch.full((64, 3), 0.99999994, dtype=torch.float32)  # 1 - 2**-24
    p[::7, 1] = 0.5
    y = torch.ones(64, 3)
    if y_kind == "mixed":
        y[::5] = 0
    loss, g = _grad(soft_fbeta_loss, p, y, beta=beta, double=True, reduction="sum")
    want_loss, want = _grad(reference, p.double(), y, beta=beta, double=True, reduction="sum")
    torch.testing.assert_close(loss.double(), want_loss, rtol=1e-6, atol=1e-7)
    # float32 counts (4-row partial sums) leave the negative class a few float32 ulp of the
    # gradient's scale; before the fix the all-positive case was 17x off
    assert (g.double() - want).abs().max() <= 2e-6 * want.abs().max()


def test_double_gradient_exact_fractions():
    # float64, all positive, p = 1 - 2**-30 exactly: F+ = 2S/(n + S); F- = 0, so
    # dL/dp = -(1/2) dF+/dp = -(1/2) * 2n / (n + S)**2 with S = n p, in exact arithmetic.
    n, p = 8, 1 - Fraction(1, 2**30)
    s = n * p
    want = float(-Fraction(1, 2) * 2 * n / (n + s) ** 2)
    x = torch.full((n, 1), float(p), dtype=torch.float64)
    _, g = _grad(soft_f1_loss, x, torch.ones(n, 1), double=True)
    assert g[:, 0].tolist() == pytest.approx([want] * n, rel=1e-14)


# ---------------------------------------------------------------- item 8: half precision


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("double", [False, True])
def test_half_label_without_positives_underflowed_probabilities(dtype, from_logits, double):
    # label 0: no positives and probabilities 0 (logits -30: sigmoid underflows in float16);
    # label 1: ordinary. The docstring promises a finite loss and gradient.
    x = torch.rand(16, 2, generator=torch.Generator().manual_seed(0))
    x[:, 0] = -30.0 if from_logits else 0.0
    if from_logits:
        x[:, 1] = torch.logit(x[:, 1])
    y = torch.zeros(16, 2)
    y[::3, 1] = 1
    xh = x.to(dtype)
    loss, g = _grad(soft_f1_loss, xh, y, from_logits=from_logits, double=double)
    assert g.dtype == dtype
    assert torch.isfinite(g.float()).all() and torch.isfinite(loss)
    want_loss, want = _grad(reference, xh.double(), y, from_logits=from_logits, double=double)
    torch.testing.assert_close(loss.double(), want_loss, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(g.double(), want, rtol=2e-2, atol=1e-4)


# ---------------------------------------------------------------- item 11: extreme beta, slope


@pytest.mark.parametrize("beta", [1e3, 1e8, 9e10, 1e-8, 1e-200])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16])
def test_extreme_beta_is_stable(beta, dtype, path):
    g = torch.Generator().manual_seed(1)
    x = 0.05 + 0.9 * torch.rand(30, 4, generator=g, dtype=torch.float64)
    y = torch.rand(30, 4, generator=g) < 0.4
    y[:, 3] = False  # a label without positives
    x[:, 3] = 0.0
    xd = x.to(dtype)
    loss, grad = _grad(soft_fbeta_loss, xd, y, beta=beta, double=True)
    assert torch.isfinite(loss) and torch.isfinite(grad.float()).all()
    # oracle: textbook float64 formula (finite there for these beta)
    want_loss, want = _grad(reference, xd.double(), y, beta=beta, double=True)
    assert torch.isfinite(want_loss) and torch.isfinite(want).all()
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == torch.float64 else dict(rtol=1e-3, atol=1e-3)
    torch.testing.assert_close(loss.double(), want_loss, **tol)
    torch.testing.assert_close(grad.double(), want, **tol)


def test_huge_beta_limit_is_recall():
    # beta -> inf: F -> TP / S_y (soft recall); check at the largest accepted beta, exact fractions
    x = torch.tensor([[0.5], [0.25], [1.0]], dtype=torch.float64)
    y = torch.tensor([[1], [1], [0]])
    loss = soft_fbeta_loss(x, y, beta=9e10)
    assert loss.item() == pytest.approx(float(1 - Fraction(3, 4) / 2), rel=1e-15)


@pytest.mark.parametrize("beta", [1e11, 1e155, 1e300])
def test_beta_beyond_float32_floor_is_rejected(beta):
    x, y = torch.rand(5, 2), torch.rand(5, 2) < 0.5
    with pytest.raises(
        ValueError, match=r"beta: expected a finite number > 0 with eps / beta\*\*2 >= 1.17549e-38 .*got"
    ):
        soft_fbeta_loss(x, y, beta=beta)
    # a larger eps moves the limit: beta = 1e11 is fine with eps = 1e-10
    assert torch.isfinite(soft_fbeta_loss(x, y, beta=1e11, eps=1e-10))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(slope=1e300), r"slope: expected a magnitude <= 3.40282e\+38 \(float32 range\), got 1e\+300"),
        (dict(slope=-1e39), r"slope: expected a magnitude <= 3.40282e\+38"),
        (dict(offset=1e39), r"offset: expected a magnitude <= 3.40282e\+38"),
        (dict(eps=1e-300), r"eps: expected a finite number >= 1.17549e-38 \(a normal float32\), got 1e-300"),
    ],
)
def test_options_beyond_float32_are_rejected(kwargs, match):
    x, y = torch.randn(5, 2), torch.rand(5, 2) < 0.5
    with pytest.raises(ValueError, match=match):
        soft_fbeta_loss(x, y, from_logits=True, **kwargs)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16])
def test_largest_slope_gives_no_nan(dtype, path):
    z = torch.tensor([[0.0, 1.0], [-1e-3, -2.0], [1e-30, 0.5]], dtype=dtype)
    y = torch.tensor([[1, 0], [0, 1], [1, 1]])
    loss, g = _grad(soft_f1_loss, z, y, from_logits=True, slope=3e38, double=True)
    assert torch.isfinite(loss) and not torch.isnan(g.float()).any()


# ---------------------------------------------------------------- item 16: flags must be bools


@pytest.mark.parametrize("name", ["double", "from_logits", "sync_dist"])
@pytest.mark.parametrize("value", ["no", "yes", 1, 0, None, torch.tensor(True)])
def test_non_bool_flags_are_rejected(name, value):
    x, y = torch.rand(5, 2), torch.rand(5, 2) < 0.5
    with pytest.raises(TypeError, match=rf"{name}: expected a bool \(True or False\), got {type(value).__name__}"):
        soft_fbeta_loss(x, y, **{name: value})


def test_numpy_bools_are_accepted():
    x, y = torch.rand(5, 2), torch.rand(5, 2) < 0.5
    torch.testing.assert_close(soft_f1_loss(x, y, double=np.True_), soft_f1_loss(x, y, double=True))
