// How low a label's bucket map needs to reach, judged on the sample its map comes from.
//
// Everything below a map's `lo` lands in bucket 0. Bucket 0 can only hold the best cut, or need a
// closer look, if predicting every positive and every negative above `lo` (its corner) scores
// at least the best edge: (1+b²)P / (b²P + P + N_above) >= F*, i.e. N_above <= (1+b²)P(1/F* - 1).
// So a label whose sample has well over that many negatives above some score can start its map
// there: the buckets then resolve only the range that can matter (smaller candidate regions) and
// the histogram pass skips the negatives of bucket 0 (their count is the rest of the rows).
// Only speed depends on this: if the sample misleads, the search looks into bucket 0 (gathering
// everything below `lo`) and is as exact as ever.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "f1tune/common.hpp"

namespace f1tune {

// The sample's negatives above the floor must exceed the bound above by this factor (a margin
// for sampling noise: the sample's F* and positives are estimates).
constexpr double kFloorMargin = 2.0;

// A floor for label values v[0, k) (finite) with labels yl (0/1) in [lo, hi]: the lower edge of
// the highest of 256 sample buckets at or below the sample's best cut with enough negatives above
// it; `lo` itself when none qualifies (no positives, or F* too low for any floor to be safe).
template <class S>
S map_floor(const S* v, const std::uint8_t* yl, index_t k, S lo, S hi, double beta2) {
    constexpr int B = 256;
    if (k == 0 || !(hi > lo)) return lo;
    std::array<count_t, B> pos{}, tot{};
    const double width = (static_cast<double>(hi) - static_cast<double>(lo)) / B, per_width = 1 / width;
    count_t P = 0;
    for (index_t i = 0; i < k; ++i) {
        const double x = (static_cast<double>(v[i]) - static_cast<double>(lo)) * per_width;
        const int b = x <= 0 ? 0 : (x >= B - 1 ? B - 1 : static_cast<int>(x));
        ++tot[static_cast<std::size_t>(b)];
        pos[static_cast<std::size_t>(b)] += yl[i] & 1;
        P += yl[i] & 1;
    }
    if (P == 0) return lo;
    // The sample's best cut at a bucket edge (at most its true best: a conservative F*).
    double best = 0;
    int best_b = B;
    count_t tp = 0, pp = 0;
    for (int b = B - 1; b >= 0; --b) {
        tp += pos[static_cast<std::size_t>(b)];
        pp += tot[static_cast<std::size_t>(b)];
        const double f = (1 + beta2) * static_cast<double>(tp) / (beta2 * static_cast<double>(P) + static_cast<double>(pp));
        if (f > best) {
            best = f;
            best_b = b;
        }
    }
    if (best <= 0) return lo;
    const double need = kFloorMargin * (1 + beta2) * static_cast<double>(P) * (1 / best - 1);
    count_t neg = 0;
    for (int b = B - 1; b > 0; --b) {
        neg += tot[static_cast<std::size_t>(b)] - pos[static_cast<std::size_t>(b)];
        if (b <= best_b && static_cast<double>(neg) > need) {
            const S edge = static_cast<S>(static_cast<double>(lo) + b * width);
            return std::clamp(edge, lo, hi);
        }
    }
    return lo;
}

}  // namespace f1tune
