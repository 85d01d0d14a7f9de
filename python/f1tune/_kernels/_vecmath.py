"""Vectorisable scalar helpers for the kernels: dtype casts and a branch-free sigmoid.

This numba has no SVML, so ``np.exp`` in a loop is a scalar libm call that blocks SIMD. The
sigmoid here uses its own exp (Cephes-style range reduction ``x = n·ln2 + r``, a polynomial for
``e^r`` and ``2^n`` built from the exponent bits), which LLVM vectorises. Accuracy: a few ulp
in float32 and float64. NaN propagates (never clamped into a number); ±inf saturate to 0 or 1.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload


def cast_like(value, ref):  # pragma: no cover - replaced by the overload inside jitted code
    """Return ``value`` converted to the numeric type of ``ref`` (jitted code only)."""
    raise NotImplementedError


@overload(cast_like, inline="always")
def _cast_like(value, ref):
    ty = ref

    def impl(value, ref):
        return ty(value)

    return impl


@intrinsic
def _bits_to_float(typingctx, bits):
    """Reinterpret int32 bits as float32, int64 bits as float64."""
    if bits == types.int32:
        sig, llty = types.float32(types.int32), ir.FloatType()
    elif bits == types.int64:
        sig, llty = types.float64(types.int64), ir.DoubleType()
    else:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], llty)

    return sig, codegen


def sigmoid(t):  # pragma: no cover - replaced by the overload inside jitted code
    """``1 / (1 + exp(-t))`` in the precision of ``t`` (jitted code only)."""
    raise NotImplementedError


@overload(sigmoid)
def _sigmoid(t):
    if t == types.float32:
        f = np.float32
        # exp argument range where 2^n stays a normal float32: n in [-126, 127]
        lo, hi = f(-87.0), f(88.0)
        log2e, c1, c2 = f(1.44269504088896341), f(0.693359375), f(-2.12194440e-4)
        p0, p1, p2, p3, p4, p5 = (
            f(1.9875691500e-4),
            f(1.3981999507e-3),
            f(8.3334519073e-3),
            f(4.1665795894e-2),
            f(1.6666665459e-1),
            f(5.0000001201e-1),
        )
        one, half, zero = f(1.0), f(0.5), f(0.0)

        def impl32(t):
            x = -t
            x = hi if x > hi else x  # NaN compares false and stays NaN
            x = lo if x < lo else x
            nf = np.floor(x * log2e + half)
            r = x - nf * c1 - nf * c2
            q = ((((p0 * r + p1) * r + p2) * r + p3) * r + p4) * r + p5
            er = q * r * r + r + one
            n = np.int64(nf if nf == nf else zero)  # no int conversion of NaN
            e = er * _bits_to_float(np.int32((n + 127) << 23))
            return one / (one + e)

        return impl32
    if t == types.float64:
        lo64, hi64 = -708.0, 709.0
        log2e64, d1, d2 = 1.4426950408889634, 6.93145751953125e-1, 1.42860682030941723212e-6
        inv = [1.0 / float(np.prod(np.arange(1, k + 1))) for k in range(13, 1, -1)]  # 1/13!, ..., 1/2!
        k13, k12, k11, k10, k9, k8, k7, k6, k5, k4, k3, k2 = inv

        def impl64(t):
            x = -t
            x = hi64 if x > hi64 else x
            x = lo64 if x < lo64 else x
            nf = np.floor(x * log2e64 + 0.5)
            r = x - nf * d1 - nf * d2
            q = ((((((((((k13 * r + k12) * r + k11) * r + k10) * r + k9) * r + k8) * r + k7) * r + k6) * r + k5) * r + k4) * r + k3) * r + k2
            er = q * r * r + r + 1.0
            n = np.int64(nf if nf == nf else 0.0)
            e = er * _bits_to_float((n + 1023) << 52)
            return 1.0 / (1.0 + e)

        return impl64
    return None
