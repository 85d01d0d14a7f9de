// Exact comparisons for the searches: every comparison of two F-beta values (and of two values of
// Dinkelbach's linear objective) is the sign of b²·x + y for integers x, y and the real number
// b² = beta·beta (beta the double the caller gave, squared exactly, not rounded).
//
// Searches compare double estimates first and call sign_b2x_plus_y only when the estimates are too
// close to decide (objective.hpp): cross-multiplied __int128 when b² is a short dyadic rational
// (beta = 1, 2, 0.5, ...), otherwise a double estimate whose rounding error is bounded below the
// difference it decides, falling back to exact 256-bit integer arithmetic when it cannot tell.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>

namespace f1tune {

// __extension__: GCC and Clang have 128-bit integers; -Wpedantic would flag the ISO-less type.
__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

// b² = beta², exactly as mant·2^exp (mant < 2^106), with its double rounding for estimates.
struct Beta2 {
    double value = 1.0;        // fl(beta·beta)
    u128 mant = 1;             // beta² = mant · 2^exp exactly
    int exp = 0;
    bool short_dyadic = true;  // beta² = num / 2^shift with num, 2^shift <= 2^12: int128 suffices
    std::int64_t num = 1;
    int shift = 0;
    bool estimate_ok = true;   // value is a normal double (relative error bounds hold)

    // beta > 0 and finite (the bindings check).
    static Beta2 of(double beta) {
        Beta2 b;
        b.value = beta * beta;
        int e2 = 0;
        const double f = std::frexp(beta, &e2);  // beta = f·2^e2, f in [0.5, 1)
        auto m = static_cast<std::uint64_t>(std::ldexp(f, 53));
        int e = e2 - 53;
        while (m != 0 && (m & 1u) == 0) {
            m >>= 1;
            ++e;
        }
        b.mant = static_cast<u128>(m) * m;
        b.exp = 2 * e;
        b.short_dyadic = b.mant < (u128{1} << 12) && b.exp >= -12 && b.exp <= 12 &&
                         (b.exp <= 0 || (b.mant << b.exp) < (u128{1} << 12));
        if (b.short_dyadic) {
            b.num = static_cast<std::int64_t>(b.exp > 0 ? b.mant << b.exp : b.mant);
            b.shift = b.exp < 0 ? -b.exp : 0;
        }
        b.estimate_ok = std::isfinite(b.value) && b.value >= DBL_MIN;
        return b;
    }
};

namespace detail {

// An unsigned 256-bit integer, little-endian 64-bit words: just enough for sign_wide.
struct U256 {
    std::uint64_t w[4] = {0, 0, 0, 0};

    static U256 of(u128 v) {
        U256 r;
        r.w[0] = static_cast<std::uint64_t>(v);
        r.w[1] = static_cast<std::uint64_t>(v >> 64);
        return r;
    }
    // Adds v·2^(64·word) (no overflow past 256 bits for the products formed here).
    void add(u128 v, int word) {
        for (int i = word; i < 4 && v != 0; ++i) {
            const u128 s = static_cast<u128>(w[i]) + static_cast<std::uint64_t>(v);
            w[i] = static_cast<std::uint64_t>(s);
            v = (v >> 64) + (s >> 64);
        }
    }
    int bit_length() const {
        for (int i = 3; i >= 0; --i)
            if (w[i] != 0) return 64 * i + 64 - __builtin_clzll(w[i]);
        return 0;
    }
    // *this << s, for s < 256 and a result that fits.
    U256 shifted(int s) const {
        U256 r;
        const int words = s / 64, bits = s % 64;
        for (int i = 3; i >= words; --i) {
            std::uint64_t v = w[i - words] << bits;
            if (bits != 0 && i - words - 1 >= 0) v |= w[i - words - 1] >> (64 - bits);
            r.w[i] = v;
        }
        return r;
    }
    friend int compare(const U256& a, const U256& b) {
        for (int i = 3; i >= 0; --i)
            if (a.w[i] != b.w[i]) return a.w[i] > b.w[i] ? 1 : -1;
        return 0;
    }
};

inline U256 multiply(u128 a, u128 b) {
    const auto a0 = static_cast<std::uint64_t>(a), a1 = static_cast<std::uint64_t>(a >> 64);
    const auto b0 = static_cast<std::uint64_t>(b), b1 = static_cast<std::uint64_t>(b >> 64);
    U256 r;
    r.add(static_cast<u128>(a0) * b0, 0);
    r.add(static_cast<u128>(a0) * b1, 1);
    r.add(static_cast<u128>(a1) * b0, 1);
    r.add(static_cast<u128>(a1) * b1, 2);
    return r;
}

inline int sign_of(i128 v) { return (v > 0) - (v < 0); }
inline u128 magnitude(i128 v) { return v < 0 ? -static_cast<u128>(v) : static_cast<u128>(v); }

// sign(mant·2^exp·x + y) in exact integer arithmetic (mant < 2^106, |x|, |y| < 2^127).
inline int sign_wide(u128 mant, int exp, i128 x, i128 y) {
    const int sx = sign_of(x), sy = sign_of(y);
    if (sx == 0 || mant == 0) return sy;
    if (sy == 0 || sx == sy) return sx;
    // Opposite signs: compare |b²x| = a·2^exp with |y|, first by bit length.
    const U256 a = multiply(mant, magnitude(x));
    const U256 b = U256::of(magnitude(y));
    const int la = a.bit_length() + exp, lb = b.bit_length();
    int c;
    if (la != lb) c = la > lb ? 1 : -1;
    else if (exp >= 0) c = compare(a.shifted(exp), b);  // fits: its bit length is lb <= 127
    else c = compare(a, b.shifted(-exp));               // fits: its bit length is that of a
    return c > 0 ? sx : (c < 0 ? sy : 0);
}

}  // namespace detail

// sign(b²·x + y), exactly. Callers keep |x|, |y| below 2^100 (counts below 2^50).
inline int sign_b2x_plus_y(const Beta2& b, i128 x, i128 y) {
    if (b.short_dyadic) return detail::sign_of(x * b.num + y * (i128{1} << b.shift));  // y may be < 0: no <<
    if (b.estimate_ok) {
        // |est - (b²x + y)| <= 5·2^-53·(|fx| + |fy|) + 2^-53·|est| (x, y, b² and the sum rounded once
        // each, the product once): a margin of 2^-48 leaves the sign of est certain.
        const double fx = b.value * static_cast<double>(x), fy = static_cast<double>(y);
        const double est = fx + fy;
        if (std::fabs(est) > 0x1p-48 * (std::fabs(fx) + std::fabs(fy))) return est > 0 ? 1 : -1;
    }
    return detail::sign_wide(b.mant, b.exp, x, y);
}

}  // namespace f1tune
