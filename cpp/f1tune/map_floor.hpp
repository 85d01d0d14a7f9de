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

// What the floor protects. level == 0: the label's own best F-beta cut (per-label and pooled
// searches). level > 0: micro F-beta's per-label cuts, which maximize (1+b²-level)·tp -
// level·(pp - tp) at the micro optimum `level` (given as a lower bound: a lower level asks for
// more negatives above the floor). There bucket 0's corner (1+b²-level)·P - level·N_above cannot
// reach the label's best value V once N_above > ((1+b²-level)·P - V) / level (V from the sample).
struct FloorRule {
    double beta2 = 1.0;
    double level = 0.0;
};

// The sample's best F-beta cut of one label at a bucket edge (tp, pp) and its positives.
struct SampleCut {
    count_t tp = 0, pp = 0, positives = 0;
};

// A floor for label values v[0, k) (finite) with labels yl (0/1) in [lo, hi]: the lower edge of
// the highest of 256 sample buckets at or below the sample's best cut with enough negatives above
// it; `lo` itself when none qualifies (no positives, or a best too low for any floor to be safe).
// `best` (optional) receives the sample's best F-beta cut.
template <class S>
S map_floor(const S* v, const std::uint8_t* yl, index_t k, S lo, S hi, const FloorRule& rule,
            SampleCut* best = nullptr) {
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
    const double b2 = rule.beta2, level = rule.level;
    // The sample's best cut at a bucket edge (at most its true best: a conservative F*), and
    // under a micro level the label's best cut at that level ("predict none", 0, to beat).
    double best_f = 0, best_at_level = 0;
    int best_b = B, level_b = B;
    count_t tp = 0, pp = 0;
    for (int b = B - 1; b >= 0; --b) {
        tp += pos[static_cast<std::size_t>(b)];
        pp += tot[static_cast<std::size_t>(b)];
        const double f = (1 + b2) * static_cast<double>(tp) / (b2 * static_cast<double>(P) + static_cast<double>(pp));
        if (f > best_f) {
            best_f = f;
            best_b = b;
            if (best != nullptr) *best = {tp, pp, P};
        }
        const double at_level = (1 + b2 - level) * static_cast<double>(tp) - level * static_cast<double>(pp - tp);
        if (at_level > best_at_level) {
            best_at_level = at_level;
            level_b = b;
        }
    }
    if (best != nullptr) best->positives = P;
    double need;
    int top_b;
    if (level > 0) {
        need = kFloorMargin * std::max(0.0, (1 + b2 - level) * static_cast<double>(P) - best_at_level) / level;
        top_b = level_b;
    } else {
        if (best_f <= 0) return lo;
        need = kFloorMargin * (1 + b2) * static_cast<double>(P) * (1 / best_f - 1);
        top_b = best_b;
    }
    count_t neg = 0;
    for (int b = B - 1; b > 0; --b) {
        neg += tot[static_cast<std::size_t>(b)] - pos[static_cast<std::size_t>(b)];
        if (b <= top_b && static_cast<double>(neg) > need) {
            const S edge = static_cast<S>(static_cast<double>(lo) + b * width);
            return std::clamp(edge, lo, hi);
        }
    }
    return lo;
}

}  // namespace f1tune
