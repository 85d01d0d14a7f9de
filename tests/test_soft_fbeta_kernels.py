"""numba soft-F-beta kernels against a NumPy reference: counts, range check, gradients."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from f1tune._kernels import soft_fbeta as k  # noqa: E402

COMBOS = list(itertools.product((np.float32, np.float64), ("float", "uint8"), (False, True)))


def _sigmoid(z, slope=1.0, offset=0.0):
    return 1.0 / (1.0 + np.exp(-slope * (z.astype(np.float64) + offset)))


def _inputs(n, L, dtype, ykind, logits, seed=0):
    rng = np.random.default_rng(seed)
    x = (3 * rng.standard_normal((n, L)) if logits else rng.random((n, L))).astype(dtype)
    y = rng.random((n, L)) < 0.3
    y = y.astype(np.uint8) if ykind == "uint8" else y.astype(dtype)
    return x, y


@pytest.mark.parametrize(("dtype", "ykind", "logits"), COMBOS)
@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (3, 1), (257, 13), (1000, 3)])
def test_counts_match_numpy(dtype, ykind, logits, shape):
    x, y = _inputs(*shape, dtype, ykind, logits)
    slope, offset = (1.7, -0.2) if logits else (1.0, 0.0)
    p = _sigmoid(x, slope, offset) if logits else x.astype(np.float64)
    yf = y.astype(np.float64)
    counts, violation = k.soft_counts(x, y, logits, slope, offset)
    assert counts.shape == (3, shape[1]) and counts.dtype == np.float64
    want = np.stack([(p * yf).sum(0), p.sum(0), yf.sum(0)])
    # float32: 4-row partial sums in float32 before float64 accumulation (a few ulp)
    np.testing.assert_allclose(counts, want, rtol=1e-6 if dtype == np.float32 else 1e-12)
    assert violation == 0.0


@pytest.mark.parametrize(("dtype", "ykind", "logits"), COMBOS)
def test_grad_matches_numpy(dtype, ykind, logits):
    x, y = _inputs(123, 17, dtype, ykind, logits, seed=1)
    rng = np.random.default_rng(2)
    g0, g1 = rng.standard_normal(17), rng.standard_normal(17)
    slope, offset = (0.8, 0.3) if logits else (1.0, 0.0)
    out = np.empty_like(x)
    p = np.empty_like(x)
    k.soft_counts(x, y, logits, slope, offset, p_out=p)  # logits: stores the probabilities
    if logits:
        np.testing.assert_allclose(p, _sigmoid(x, slope, offset), rtol=2e-6 if dtype == np.float32 else 1e-14)
    k.soft_grad(p if logits else x, y, g0, g1, out, logits, slope)
    yf = y.astype(np.float64)
    want = g0 * (1 - yf) + g1 * yf
    if logits:
        pr = _sigmoid(x, slope, offset)
        want = want * slope * pr * (1 - pr)
    tol = 2e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_range_violation_and_nan(dtype):
    x, y = _inputs(50, 4, dtype, "float", False)
    for arr, v in ((x, 1.25), (x, -0.5), (y, 2.0), (y, -1.0), (x, np.inf)):
        a = arr.copy()
        a[17, 2] = v
        args = (a, y) if arr is x else (x, a)
        assert k.soft_counts(*args)[1] > 0
    xn = x.copy()
    xn[3, 1] = np.nan
    counts, _ = k.soft_counts(xn, y)
    assert np.isnan(counts[1, 1]) and np.isfinite(counts[:, [0, 2, 3]]).all()
    # logits: any real or infinite logit is fine, the target is still checked
    z = np.array([[-np.inf, np.inf, -1e30, 1e30]], dtype=dtype)
    yz = np.array([[0, 1, 0, 1]], dtype=dtype)
    counts, violation = k.soft_counts(z, yz, True)
    assert violation == 0 and np.isfinite(counts).all()
    np.testing.assert_allclose(counts[1], [0, 1, 0, 1], atol=1e-30)  # sigmoid saturates to within 1e-38 of 0
    yz[0, 0] = 3
    assert k.soft_counts(z, yz, True)[1] > 0


def test_uint8_target_range_checked():
    x, y = _inputs(20, 3, np.float32, "uint8", False)
    y[4, 0] = 2
    assert k.soft_counts(x, y)[1] > 0


def test_chunks_cover_all_rows():
    # more threads than rows and uneven splits: every row counted once
    for n in (1, 2, 3, 5, 1001):
        x = np.ones((n, 2))
        y = np.ones((n, 2))
        counts, _ = k.soft_counts(x, y)
        np.testing.assert_array_equal(counts, np.full((3, 2), float(n)))
        assert k.n_chunks_for(n) <= n


@pytest.mark.parametrize("logits", [False, True])
def test_parallel_and_serial_passes_agree(logits, monkeypatch):
    x, y = _inputs(4099, 64, np.float32, "float", logits, seed=3)  # > SERIAL_BELOW elements, odd row count
    assert x.size >= k.SERIAL_BELOW
    p_par, p_ser = np.empty_like(x), np.empty_like(x)
    par, _ = k.soft_counts(x, y, logits, p_out=p_par)
    g_par = np.empty_like(x)
    k.soft_grad(p_par if logits else x, y, np.ones(64), np.full(64, -2.0), g_par, logits)
    assert (k.soft_counts_logits_parallel if logits else k.soft_counts_parallel).signatures  # parallel build ran
    monkeypatch.setattr(k, "SERIAL_BELOW", x.size + 1)
    ser, _ = k.soft_counts(x, y, logits, p_out=p_ser)
    g_ser = np.empty_like(x)
    k.soft_grad(p_ser if logits else x, y, np.ones(64), np.full(64, -2.0), g_ser, logits)
    if logits:
        np.testing.assert_array_equal(p_par, p_ser)
    np.testing.assert_allclose(par, ser, rtol=1e-7)  # row blocks start elsewhere: float32 partial sums differ
    np.testing.assert_array_equal(g_par, g_ser)


def test_threading_layer_avoids_openmp_next_to_torch():
    # numba's OpenMP workers and torch's OpenMP runtime spin against each other (30x slower
    # torch ops measured on 2 cores); f1tune prefers a layer that sleeps unless the user chose one.
    import os
    import subprocess
    import sys

    code = (
        "import torch, numba\n"
        "from f1tune.torch import soft_f1_loss\n"
        "soft_f1_loss(torch.rand(2000, 300), torch.rand(2000, 300) < 0.5)\n"
        "print(numba.threading_layer())\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_THREADING_LAYER")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() in ("tbb", "workqueue")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_grad_picks_one_value_per_target(dtype):
    # 0/1 targets select g0 or g1 exactly, however large the other one is (no inf * 0, no cancellation)
    y = np.array([[0, 1, 0], [1, 0, 1]], dtype=np.uint8)
    p = np.full(y.shape, 0.5, dtype=dtype)
    g0 = np.array([1e300, -0.125, np.inf])
    g1 = np.array([-0.125, -1e300, 3.0])
    out = np.empty_like(p)
    k.soft_grad(p, y, g0, g1, out)
    big = float(np.finfo(dtype).max)  # what does not fit the dtype saturates at its largest value
    first = [min(1e300, big), -min(1e300, big), big]
    np.testing.assert_array_equal(out, np.array([first, [-0.125, -0.125, 3.0]], dtype=dtype))


@pytest.mark.parametrize("size", [(16, 8), (1024, 300)], ids=["serial", "parallel"])
def test_kernels_from_many_threads(size):
    import threading

    x, y = _inputs(*size, np.float32, "uint8", True, seed=4)
    want, _ = k.soft_counts(x, y, True)
    errors = []

    def work():
        try:
            for _ in range(10):
                got, _ = k.soft_counts(x, y, True)
                np.testing.assert_array_equal(got, want)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_only_the_signatures_used_are_compiled():
    # lazy compilation: a fresh process calling one (dtype, target, logits) case compiles only that one
    import subprocess
    import sys

    code = (
        "import numpy as np\n"
        "from f1tune._kernels import soft_fbeta as k\n"
        "x = np.random.rand(8, 3).astype(np.float32); y = (x > 0.5).astype(np.uint8)\n"
        "k.soft_counts(x, y); g = np.empty_like(x); k.soft_grad(x, y, np.zeros(3), np.ones(3), g)\n"
        "print(len(k.soft_counts_serial.signatures), len(k.soft_grad_serial.signatures),"
        " len(k.soft_counts_logits_serial.signatures), len(k.soft_counts_parallel.signatures))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "1", "0", "0"]
