// The one bucket formula: a score's bucket under a linear map, and the map's scale for a span.
//
// bucket(v) = floor((v - lo) * scale), clamped to [0, top]. Rounding is monotone, so the map is
// non-decreasing in v, which is all exactness needs (-0.0 and +0.0 land together). NaN fails
// x > 0 and lands in bucket 0 without an undefined conversion (callers report NaN anyway). The
// plain ternaries keep the loops that call this vectorized.
#pragma once

#include <cstdint>
#include <limits>

namespace f1tune {

template <class S>
inline std::int32_t linear_bucket(S v, S lo, S scale, S top) {
    S x = (v - lo) * scale;
    x = x > S(0) ? x : S(0);
    x = x < top ? x : top;
    return static_cast<std::int32_t>(x);
}

// The scale spreading [lo, hi] over n_buckets buckets: 1 for an empty span, capped at S's maximum.
template <class S>
S scale_for_span(double lo, double hi, double n_buckets) {
    const double span = hi - lo;
    const double sc = span > 0 ? n_buckets / span : 1.0;
    return sc < static_cast<double>(std::numeric_limits<S>::max()) ? static_cast<S>(sc)
                                                                   : std::numeric_limits<S>::max();
}

// A histogram slot: bucket * 2 + label (0 or 1), so one increment counts both classes.
template <class Y>
inline std::uint16_t bucket_slot(std::int32_t bucket, Y label) {
    return static_cast<std::uint16_t>(bucket * 2 + (static_cast<std::int32_t>(label) & 1));
}

}  // namespace f1tune
