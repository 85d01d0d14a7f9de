// Order-preserving unsigned keys of floats, and where to put a threshold between two scores.
//
// key(a) < key(b) iff a < b for finite a, b (-0.0 and +0.0 share one key), so histograms and
// sorts can work on unsigned integers; the high bits of a key bucket a score by its magnitude.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

namespace f1tune {

template <class S>
using key_of_t = std::conditional_t<std::is_same_v<S, float>, std::uint32_t, std::uint64_t>;

template <class S>
inline key_of_t<S> to_key(S v) {
    using K = key_of_t<S>;
    constexpr K sign = K{1} << (sizeof(K) * 8 - 1);
    const S canonical = v + S(0);  // -0.0 + 0.0 == +0.0: equal scores get equal keys
    K u;
    std::memcpy(&u, &canonical, sizeof(K));
    return (u & sign) ? static_cast<K>(~u) : static_cast<K>(u | sign);
}

template <class S>
inline S from_key(key_of_t<S> k) {
    using K = key_of_t<S>;
    constexpr K sign = K{1} << (sizeof(K) * 8 - 1);
    const K u = (k & sign) ? static_cast<K>(k & ~sign) : static_cast<K>(~k);
    S v;
    std::memcpy(&v, &u, sizeof(K));
    return v;
}

// A float64 threshold t with below < t <= lowest, so that `s >= t` and `s > t` select exactly the
// scores >= lowest. It is the midpoint of the two scores when that separates them; for float32
// scores it also separates them after rounding to float32 (numpy compares a float32 array with a
// Python float in float32): a midpoint that would round down to `below` is nudged up by one
// float64 ulp, which rounds to `lowest` instead.
template <class S>
inline double threshold_between(S below, S lowest) {
    const double lo = static_cast<double>(below), hi = static_cast<double>(lowest);
    double t = lo * 0.5 + hi * 0.5;  // no overflow near the largest finite values
    if (!(t > lo)) t = std::nextafter(lo, std::numeric_limits<double>::infinity());
    if (t > hi) t = hi;
    if constexpr (std::is_same_v<S, float>) {
        if (!(static_cast<float>(t) > below)) t = std::nextafter(t, std::numeric_limits<double>::infinity());
        if (t > hi) t = hi;
    }
    return t;
}

// "Predict none": the next value above the maximum score, in the scores' own precision.
template <class S>
inline double threshold_above(S max_score) {
    return static_cast<double>(std::nextafter(max_score, std::numeric_limits<S>::infinity()));
}

// "Predict all": the next value below the minimum score, in the scores' own precision.
template <class S>
inline double threshold_below(S min_score) {
    return static_cast<double>(std::nextafter(min_score, -std::numeric_limits<S>::infinity()));
}

}  // namespace f1tune
