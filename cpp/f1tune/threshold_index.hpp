// O(1) lookup of a score among a label's sorted thresholds, for batched confusion counting.
#pragma once

#include "f1tune/common.hpp"
#include "f1tune/linear_buckets.hpp"

namespace f1tune {

// Locates a score among one label's T sorted thresholds in O(1).
// A monotone bucket map g(v) = clamp(floor((v - lo) * scale)) sends thresholds and scores alike to
// G buckets; since g is non-decreasing, every threshold in a lower bucket is < v and every one
// in a higher bucket is > v, so only thresholds sharing v's bucket need comparing. G grows until
// each bucket holds at most one distinct threshold value, making the lookup branch-free; if
// thresholds are too clustered for that, the bucket is scanned instead. Exact either way.
template <class S>
struct ThresholdIndex {
    index_t T = 0, G = 1;
    bool single = true;               // every bucket holds <= 1 distinct threshold value
    std::vector<S> sorted;            // (L, T) ascending per label
    std::vector<S> lo, scale;         // (L,)
    std::vector<std::uint32_t> start; // (L, G + 1): first sorted position of each bucket
    std::vector<S> first;             // (L, G): smallest threshold in the bucket (+inf if empty)
    std::vector<std::uint32_t> mult;  // (L, G): how many thresholds equal `first`

    S top = 0;                        // the last bucket, G - 1, as the largest S not above it

    index_t bucket(index_t l, S v) const {
        const auto u = static_cast<std::size_t>(l);
        return linear_bucket(v, lo[u], scale[u], top);
    }

    // Number of label l's thresholds that are <= v.
    index_t count_not_above(index_t l, S v) const {
        const index_t g = bucket(l, v);
        const std::uint32_t* st = start.data() + l * (G + 1);
        if (single) {
            const index_t i = l * G + g;
            // Branch-free: whether v clears the bucket's value is a coin flip for the predictor.
            const std::uint32_t clears = 0u - static_cast<std::uint32_t>(v >= first[static_cast<std::size_t>(i)]);
            return st[g] + (mult[static_cast<std::size_t>(i)] & clears);
        }
        const S* srt = sorted.data() + l * T;
        index_t k = st[g];
        const index_t end = st[g + 1];
        while (k < end && srt[k] <= v) ++k;
        return k;
    }

    void build_buckets(index_t L) {
        start.assign(static_cast<std::size_t>(L * (G + 1)), 0);
        first.assign(static_cast<std::size_t>(L * G), std::numeric_limits<S>::infinity());
        mult.assign(static_cast<std::size_t>(L * G), 0);
        top = static_cast<S>(G - 1);  // large G may round up in float: step back below G
        if (static_cast<double>(top) > static_cast<double>(G - 1)) top = std::nextafter(top, S(0));
        single = true;
        for (index_t l = 0; l < L; ++l) {
            const auto i = static_cast<std::size_t>(l);
            const S* srt = sorted.data() + l * T;
            index_t a = 0, b = T - 1;  // spread buckets over the finite thresholds
            while (a < T && !std::isfinite(srt[a])) ++a;
            while (b > a && !std::isfinite(srt[b])) --b;
            lo[i] = a < T ? srt[a] : S(0);
            scale[i] = a < T ? scale_for_span<S>(static_cast<double>(srt[a]), static_cast<double>(srt[b]),
                                                 static_cast<double>(G))
                             : S(1);
            std::uint32_t* st = start.data() + l * (G + 1);
            for (index_t j = 0; j < T; ++j) {
                const index_t g = bucket(l, srt[j]);
                st[g + 1] += 1;
                S& f = first[static_cast<std::size_t>(l * G + g)];
                std::uint32_t& m = mult[static_cast<std::size_t>(l * G + g)];
                if (m == 0 || srt[j] == f) {
                    f = srt[j];
                    m += 1;
                } else {
                    single = false;
                }
            }
            for (index_t g = 0; g < G; ++g) st[g + 1] += st[g];
        }
    }
};

// The index of L labels' thresholds, setting j of label l at thresholds[j * ld + l] (ld >= L: a
// block of labels of a wider (T, ld) array).
template <class S>
ThresholdIndex<S> build_threshold_index(const double* thresholds, index_t T, index_t L, index_t ld,
                                        std::vector<index_t>& order) {
    ThresholdIndex<S> ix;
    ix.T = T;
    ix.sorted.resize(static_cast<std::size_t>(L * T));
    ix.lo.resize(static_cast<std::size_t>(L));
    ix.scale.resize(static_cast<std::size_t>(L));
    order.resize(static_cast<std::size_t>(L * T));
    for (index_t l = 0; l < L; ++l) {
        index_t* o = order.data() + l * T;
        for (index_t j = 0; j < T; ++j) o[j] = j;
        std::stable_sort(o, o + T, [&](index_t a, index_t b) { return thresholds[a * ld + l] < thresholds[b * ld + l]; });
        S* srt = ix.sorted.data() + l * T;
        for (index_t j = 0; j < T; ++j) srt[j] = threshold_as<S>(thresholds[o[j] * ld + l]);
    }
    // Finer buckets until each holds one distinct value, within a memory budget of ~64 T per label.
    for (index_t factor : {2, 8, 64}) {
        ix.G = std::max<index_t>(1, factor * T);
        ix.build_buckets(L);
        if (ix.single) break;
    }
    return ix;
}

}  // namespace f1tune
