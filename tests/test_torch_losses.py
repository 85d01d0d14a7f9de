"""f1tune.torch soft F-beta losses: reference formula, gradcheck, both paths, edge cases, bad input."""

from __future__ import annotations

import doctest
import itertools

import pytest
import torch
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import f1tune.torch as ft  # noqa: E402
from f1tune.torch import SoftF1Loss, SoftFBetaLoss, _autograd, losses, soft_f1_loss, soft_fbeta_loss  # noqa: E402
from f1tune.torch._reference import soft_fbeta_loss_reference as reference  # noqa: E402

VARIANTS = [
    dict(beta=beta, average=average, double=double, from_logits=logits, **sig)
    for beta, average, double, (logits, sig) in itertools.product(
        (1.0, 0.5),
        ("macro", "micro"),
        (False, True),
        ((False, {}), (True, {}), (True, {"slope": 2.5, "offset": -0.3})),
    )
]


def _vid(kw: dict) -> str:
    return "-".join(f"{k}={v}" for k, v in kw.items())


def _data(n=40, L=6, dtype=torch.float64, logits=False, seed=0):
    g = torch.Generator().manual_seed(seed)
    if logits:
        x = 3 * torch.randn(n, L, generator=g, dtype=torch.float64)
    else:
        x = 0.1 + 0.8 * torch.rand(n, L, generator=g, dtype=torch.float64)  # away from 0/1 for gradcheck
    y = torch.rand(n, L, generator=g) < 0.35
    return x.to(dtype).requires_grad_(True), y


@pytest.fixture(params=["fused", "counts", "torch"])
def path(request, monkeypatch):
    """Run a test through each path: fused numba Function, numba counts + torch ops, plain torch."""
    if request.param == "counts":
        monkeypatch.setattr(losses, "FUSED", False)
    if request.param == "torch":
        monkeypatch.setattr(_autograd, "fast_path_applies", lambda x, y: False)
    return request.param


@pytest.mark.parametrize("kw", VARIANTS, ids=_vid)
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_matches_reference_float64(kw, reduction, path):
    x, y = _data(logits=kw["from_logits"])
    got = soft_fbeta_loss(x, y, reduction=reduction, **kw)
    want = reference(x, y, reduction=reduction, **kw)
    assert got.dtype == torch.float64 and got.shape == want.shape
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-14)
    w = torch.linspace(0.5, 1.5, got.numel(), dtype=torch.float64).reshape(got.shape)
    (g_got,) = torch.autograd.grad((got * w).sum(), x)
    (g_want,) = torch.autograd.grad((want * w).sum(), x)
    torch.testing.assert_close(g_got, g_want, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("kw", VARIANTS, ids=_vid)
def test_gradcheck(kw, path):
    x, y = _data(n=7, L=3, logits=kw["from_logits"], seed=1)
    for reduction in ("mean", "none"):
        assert torch.autograd.gradcheck(lambda t, r=reduction: soft_fbeta_loss(t, y, reduction=r, **kw), (x,))


@pytest.mark.parametrize("kw", VARIANTS[:12], ids=_vid)
@pytest.mark.parametrize("shape", [(1000, 37), (3, 1), (1, 5), (257,)])
def test_float32_paths_agree(kw, shape, monkeypatch):
    g = torch.Generator().manual_seed(2)
    x = (torch.randn if kw["from_logits"] else torch.rand)(*shape, generator=g).requires_grad_(True)
    y = torch.rand(*shape, generator=g) < 0.3
    fast = soft_fbeta_loss(x, y, **kw)
    (g_fast,) = torch.autograd.grad(fast, x)
    monkeypatch.setattr(_autograd, "fast_path_applies", lambda x, y: False)
    slow = soft_fbeta_loss(x, y, **kw)
    (g_slow,) = torch.autograd.grad(slow, x)
    assert fast.dtype == slow.dtype == torch.float32
    torch.testing.assert_close(fast, slow, rtol=2e-5, atol=1e-6)
    torch.testing.assert_close(g_fast, g_slow, rtol=2e-4, atol=1e-7)
    want = reference(x.double(), y, **kw)
    torch.testing.assert_close(fast.double(), want, rtol=1e-5, atol=1e-6)


def test_fast_path_is_used_on_cpu_float():
    x, y = _data()
    assert _autograd.fast_path_applies(x, y)
    assert not _autograd.fast_path_applies(x.half(), y)
    assert not _autograd.fast_path_applies(x, y.double().requires_grad_(True))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_falls_back(dtype):
    x, y = _data(n=300, L=8, dtype=torch.float32)
    xh = x.detach().to(dtype).requires_grad_(True)
    loss = soft_fbeta_loss(xh, y, double=True)
    assert loss.dtype == torch.float32
    loss.backward()
    assert xh.grad.dtype == dtype and torch.isfinite(xh.grad.float()).all()
    torch.testing.assert_close(loss, reference(xh.detach().float(), y, double=True), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize(
    "target_dtype", [torch.bool, torch.uint8, torch.int8, torch.int64, torch.float32, torch.float64]
)
def test_target_dtypes_agree(target_dtype):
    x, y = _data(dtype=torch.float32)
    want = soft_fbeta_loss(x, y.float(), double=True)
    got = soft_fbeta_loss(x, y.to(target_dtype), double=True)
    torch.testing.assert_close(got, want)


def test_soft_targets_and_target_gradient():
    x, _ = _data()
    y = torch.rand(x.shape, dtype=torch.float64, requires_grad=True)  # soft labels with gradient: torch path
    got = soft_fbeta_loss(x, y, double=True)
    want = reference(x, y, double=True)
    torch.testing.assert_close(got, want)
    gx, gy = torch.autograd.grad(got, (x, y))
    wx, wy = torch.autograd.grad(want, (x, y))
    torch.testing.assert_close(gx, wx)
    torch.testing.assert_close(gy, wy)
    assert soft_fbeta_loss(x, y.detach()).item() == pytest.approx(reference(x, y).item())


def test_non_contiguous_input(path):
    base, yb = _data(n=30, L=12)
    x = base.detach().t().requires_grad_(True)  # (12, 30), a transposed view
    y = yb.t()
    assert not x.is_contiguous()
    loss = soft_fbeta_loss(x, y, double=True)
    (g,) = torch.autograd.grad(loss, x)
    xc = x.detach().contiguous().requires_grad_(True)
    want = reference(xc, y.contiguous(), double=True)
    (gw,) = torch.autograd.grad(want, xc)
    torch.testing.assert_close(loss, want)
    torch.testing.assert_close(g, gw)
    strided = base[::2, 1::3]
    torch.testing.assert_close(soft_fbeta_loss(strided, yb[::2, 1::3]), reference(strided, yb[::2, 1::3]))


@pytest.mark.parametrize("kw", VARIANTS, ids=_vid)
def test_degenerate_labels_stay_finite(kw, path):
    # label 0: no positives; label 1: all positive; label 2: no positives and p == 0 exactly;
    # label 3: all positive and p == 1 exactly; batch size 1 below.
    n = 5
    y = torch.zeros(n, 4)
    y[:, 1] = 1
    y[:, 3] = 1
    x = torch.rand(n, 4, dtype=torch.float64)
    if kw["from_logits"]:
        x[:, 2], x[:, 3] = -1e4, 1e4
    else:
        x[:, 2], x[:, 3] = 0.0, 1.0
    for xx, yy in ((x, y), (x[:1], y[:1])):
        xx = xx.clone().requires_grad_(True)
        loss = soft_fbeta_loss(xx, yy, reduction="none", **kw)
        (g,) = torch.autograd.grad(loss.sum(), xx)
        assert torch.isfinite(loss).all() and torch.isfinite(g).all()
        torch.testing.assert_close(loss, reference(xx, yy, reduction="none", **kw))


def test_extreme_logits_are_stable(path):
    z = torch.tensor(
        [[-1e30, 1e30], [-800.0, 800.0], [float("-inf"), float("inf")]], dtype=torch.float64, requires_grad=True
    )
    y = torch.tensor([[0, 1], [0, 1], [0, 1]])
    loss = soft_f1_loss(z, y, from_logits=True, double=True)
    (g,) = torch.autograd.grad(loss, z)
    # perfect predictions; each label has one class that never occurs, whose soft F is 0
    assert loss.item() == pytest.approx(0.5, abs=1e-12)
    assert torch.isfinite(g).all()
    assert soft_f1_loss(z[:, 1], y[:, 1], from_logits=True).item() == pytest.approx(0.0, abs=1e-12)


def test_reduction_shapes():
    x, y = _data(n=10, L=4)
    assert soft_fbeta_loss(x, y, reduction="none").shape == (4,)
    assert soft_fbeta_loss(x, y, reduction="none", average="micro").shape == ()
    assert soft_fbeta_loss(x[:, 0], y[:, 0], reduction="none").shape == ()
    assert soft_fbeta_loss(x, y).shape == ()
    per_label = soft_fbeta_loss(x, y, reduction="none")
    torch.testing.assert_close(soft_fbeta_loss(x, y, reduction="sum"), per_label.sum())
    torch.testing.assert_close(soft_fbeta_loss(x, y), per_label.mean())
    # one label, 1-D or (n, 1), same loss
    torch.testing.assert_close(soft_fbeta_loss(x[:, 0], y[:, 0]), soft_fbeta_loss(x[:, :1], y[:, :1]))


def test_known_values():
    p = torch.tensor([[0.9, 0.2], [0.1, 0.8], [0.7, 0.6]])
    y = torch.tensor([[1, 0], [0, 1], [1, 1]])
    # label 0: TP=1.6, sum p=1.7, sum y=2 -> F1=3.2/3.7; label 1: TP=1.4, 1.6, 2 -> 2.8/3.6
    f0, f1 = 3.2 / 3.7, 2.8 / 3.6
    assert soft_f1_loss(p, y).item() == pytest.approx(1 - (f0 + f1) / 2, rel=1e-6)
    assert soft_f1_loss(p, y, average="micro").item() == pytest.approx(1 - 6.0 / 7.3, rel=1e-6)
    # negative class, label 0: TN = 0.9, sum(1-p) = 1.3, sum(1-y) = 1 -> 1.8/2.3
    neg0 = 1.8 / 2.3
    got = soft_f1_loss(p, y, double=True, reduction="none")[0].item()
    assert got == pytest.approx(1 - (f0 + neg0) / 2, rel=1e-6)
    b2 = 4.0
    assert soft_fbeta_loss(p[:, 0], y[:, 0], beta=2.0).item() == pytest.approx(1 - 5 * 1.6 / (b2 * 2 + 1.7), rel=1e-6)


def test_modules_match_functional():
    x, y = _data(logits=True)
    kw = dict(double=True, from_logits=True, slope=2.0, offset=0.1, average="micro")
    torch.testing.assert_close(SoftF1Loss(**kw)(x, y), soft_f1_loss(x, y, **kw))
    torch.testing.assert_close(SoftFBetaLoss(beta=0.5, **kw)(x, y), soft_fbeta_loss(x, y, beta=0.5, **kw))
    assert "beta=0.5" in repr(SoftFBetaLoss(beta=0.5))
    assert "double=True" in repr(SoftF1Loss(double=True))
    crit = SoftF1Loss(double=True, from_logits=True).double()  # nn.Module.double() not shadowed
    torch.testing.assert_close(crit(x, y), soft_f1_loss(x, y, double=True, from_logits=True))
    assert isinstance(SoftF1Loss(), torch.nn.Module)


def test_sync_dist_without_process_group_is_a_no_op():
    x, y = _data()
    torch.testing.assert_close(soft_fbeta_loss(x, y, sync_dist=True), soft_fbeta_loss(x, y))


def test_training_step_reduces_loss():
    g = torch.Generator().manual_seed(3)
    feats = torch.randn(256, 10, generator=g)
    y = (feats[:, :4] + 0.3 * torch.randn(256, 4, generator=g)) > 0.5
    model = torch.nn.Linear(10, 4)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    crit = SoftF1Loss(from_logits=True, double=True)
    first = crit(model(feats), y).item()
    for _ in range(30):
        opt.zero_grad()
        loss = crit(model(feats), y)
        loss.backward()
        opt.step()
    assert loss.item() < first - 0.1


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        (dict(beta=0.0), ValueError, "beta: expected a finite number > 0, got 0.0"),
        (dict(beta=float("nan")), ValueError, "beta: expected a finite number > 0"),
        (dict(beta="1"), TypeError, "beta: expected a finite number > 0, got str"),
        (dict(average="weighted"), ValueError, "average: expected 'macro' or 'micro', got 'weighted'"),
        (dict(reduction="max"), ValueError, "reduction: expected 'mean', 'sum' or 'none', got 'max'"),
        (dict(eps=0.0), ValueError, "eps: expected a finite number > 0, got 0.0"),
        (dict(slope=2.0), ValueError, "slope and offset: expected the defaults"),
        (dict(from_logits=True, slope=0.0), ValueError, "slope: expected a finite number != 0"),
    ],
)
def test_bad_options(kwargs, exc, match):
    x, y = _data(n=4, L=2)
    with pytest.raises(exc, match=match):
        soft_fbeta_loss(x, y, **kwargs)


def test_bad_tensors():
    x, y = _data(n=4, L=3)
    with pytest.raises(ValueError, match=r"input and target: expected the same shape, got \(4, 3\) and \(4, 2\)"):
        soft_fbeta_loss(x, y[:, :2])
    with pytest.raises(TypeError, match="input: expected a torch.Tensor, got ndarray"):
        soft_fbeta_loss(x.detach().numpy(), y)
    with pytest.raises(TypeError, match="target: expected a torch.Tensor, got list"):
        soft_fbeta_loss(x, y.tolist())
    with pytest.raises(TypeError, match="input: expected a floating-point tensor"):
        soft_fbeta_loss(y.long(), y)
    with pytest.raises(ValueError, match="input: expected shape"):
        soft_fbeta_loss(x[None], y[None])
    with pytest.raises(ValueError, match="input: expected a non-empty batch, got shape"):
        soft_fbeta_loss(x[:0], y[:0])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("from_logits", [False, True])
def test_bad_values(dtype, from_logits, path):
    x, y = _data(n=20, L=3, dtype=dtype, logits=from_logits)
    x = x.detach()
    yf = y.to(dtype)

    def bad(i, v):
        t = yf.clone()
        t[i, 1] = v
        return t

    with pytest.raises(ValueError, match=r"target: expected values in \[0, 1\], got values outside \(min 0, max 2\)"):
        soft_fbeta_loss(x, bad(3, 2.0), from_logits=from_logits)
    with pytest.raises(ValueError, match=r"target: expected values in \[0, 1\], got values outside"):
        soft_fbeta_loss(x, bad(0, -0.5), from_logits=from_logits)
    with pytest.raises(ValueError, match=r"target: expected values in \[0, 1\], got values outside"):
        soft_fbeta_loss(x, (yf * 3).to(torch.uint8), from_logits=from_logits)
    with pytest.raises(ValueError, match=r"target: expected values in \[0, 1\], got NaN"):
        soft_fbeta_loss(x, bad(5, float("nan")), from_logits=from_logits)
    xn = x.clone()
    xn[7, 2] = float("nan")
    with pytest.raises(ValueError, match="input: expected .* without NaN, got NaN"):
        soft_fbeta_loss(xn, y, from_logits=from_logits)
    if not from_logits:
        for v in (1.5, -0.1, float("inf")):
            xb = x.clone()
            xb[11, 0] = v
            with pytest.raises(ValueError, match=r"input: expected probabilities in \[0, 1\].*from_logits=True"):
                soft_fbeta_loss(xb, y)


# ---------------------------------------------------------------- properties and docs


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 60),
    L=st.integers(1, 9),
    seed=st.integers(0, 2**16),
    kw=st.sampled_from(VARIANTS),
    pos=st.floats(0.0, 1.0),
)
def test_property_matches_reference(n, L, seed, kw, pos):
    g = torch.Generator().manual_seed(seed)
    if kw["from_logits"]:
        x = 4 * torch.randn(n, L, generator=g, dtype=torch.float64)
    else:
        x = torch.rand(n, L, generator=g, dtype=torch.float64)
    x.requires_grad_(True)
    y = torch.rand(n, L, generator=g) < pos
    got = soft_fbeta_loss(x, y, reduction="none", **kw)
    want = reference(x, y, reduction="none", **kw)
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)
    (gg,) = torch.autograd.grad(got.sum(), x)
    (gw,) = torch.autograd.grad(want.sum(), x)
    torch.testing.assert_close(gg, gw, rtol=1e-8, atol=1e-10)
    assert ((got >= -1e-12) & (got <= 1 + 1e-12)).all()


@pytest.mark.parametrize("module", ["f1tune.torch", "f1tune.torch.losses", "f1tune.torch.modules"])
def test_docstring_examples(module):
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_public_names():
    assert set(ft.__all__) == {
        "SoftF1Loss",
        "SoftFBetaLoss",
        "TunedFBeta",
        "TunedFBetaMetric",
        "soft_f1_loss",
        "soft_fbeta_loss",
    }
