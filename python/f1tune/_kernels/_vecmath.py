"""Vectorisable scalar helpers for the kernels: dtype casts and a branch-free sigmoid.

This numba has no SVML, so ``np.exp`` in a loop is a scalar libm call that blocks SIMD. The
sigmoid here uses its own exp (Cephes-style range reduction ``x = n·ln2 + r``, a polynomial for
``e^r`` and ``2^n`` built from the exponent bits), which LLVM vectorises. Accuracy: about 1 ulp
(float32) and 2 ulp (float64) against ``1 / (1 + exp(-t))`` in float64; NaN propagates (never
clamped into a number); ±inf saturate to 1 and to ~1e-38 (float32) / ~1e-308 (float64).

Callers must compile without ``reassoc`` fast-math (it would undo the two-constant range
reduction) and with ``error_model="numpy"`` (Python's division-by-zero check blocks SIMD).
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


@intrinsic
def _float_to_bits(typingctx, x):
    """Reinterpret float32 as int32 bits, float64 as int64 bits."""
    if x == types.float32:
        sig, llty = types.int32(types.float32), ir.IntType(32)
    elif x == types.float64:
        sig, llty = types.int64(types.float64), ir.IntType(64)
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
        one, half, magic = f(1.0), f(0.5), f(12582912.0)

        def impl32(t):
            # Selects, not branches (vectorisable); NaN compares false and stays NaN.
            x = -t
            x = hi if x > hi else x
            x = lo if x < lo else x
            nf = np.floor(x * log2e + half)
            r = x - nf * c1 - nf * c2
            q = ((((p0 * r + p1) * r + p2) * r + p3) * r + p4) * r + p5
            er = q * r * r + r + one
            # 2^nf from bits: adding 1.5 * 2^23 puts the integer nf in the low mantissa bits (no
            # float->int conversion, which AVX2 lacks for 64-bit and which NaN would poison).
            n = _float_to_bits(nf + magic)
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
            q = ((((k13 * r + k12) * r + k11) * r + k10) * r + k9) * r + k8
            q = (((((q * r + k7) * r + k6) * r + k5) * r + k4) * r + k3) * r + k2
            er = q * r * r + r + 1.0
            n = _float_to_bits(nf + 6755399441055744.0)  # 1.5 * 2^52: nf in the low bits
            e = er * _bits_to_float((n + 1023) << 52)
            return 1.0 / (1.0 + e)

        return impl64
    return None
