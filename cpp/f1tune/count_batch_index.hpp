// Where a score falls among a label's thresholds, for counting T threshold settings in one pass.
//
// Each label's thresholds (T settings, converted to float32 like the scores) are sorted and made
// distinct: D values d_0 < ... < d_{D-1}. A score v falls into interval k = #{i : d_i <= v}
// (0..D), and setting j, whose threshold is d_{rank(j)}, predicts v positive iff k > rank(j). So
// one histogram of (label, interval, label value) per pass gives every setting's counts by suffix
// sums. The interval comes from a monotone linear bucket map (linear_buckets.hpp) g(v) in [0, G):
//   k(v) = start[g(v)] + #{d in the 8 values from start[g(v)] on : d <= v}
// is exact as long as no bucket holds more than 8 distinct values, because a monotone map puts
// every value below v's bucket below v and every value above it above v. G grows (D, 4D, 16D,
// 64D buckets) until that holds; if it never does (values clustered far below float resolution of
// the map), the index is not built and the caller takes the general path.
//
// Shared thresholds (every label has the same threshold in every setting, e.g. a (T, 1) batch)
// use one table for all labels, which stays in L1 whatever the number of labels.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "f1tune/common.hpp"
#include "f1tune/linear_buckets.hpp"

namespace f1tune {

struct BatchIndex {
    static constexpr index_t kWindow = 8;  // distinct values compared per score (one 8-float compare)

    bool shared = false;  // one table for all labels
    index_t T = 0, L = 0;
    // Per table (1 if shared, else L):
    std::vector<index_t> n_distinct;   // D
    std::vector<index_t> value_offset; // where the table's D values (+ kWindow +inf pads) start in `values`
    std::vector<float> values;         // sorted distinct thresholds, each table padded with kWindow +inf
    std::vector<std::uint32_t> start;  // per bucket: offset in `values` of its first value
    // Per label (L), the lane parameters of the bucket map and the histogram layout:
    std::vector<float> lo, scale, top;      // bucket map
    std::vector<std::int32_t> bucket_base;  // offset of the label's table's buckets in `start`
    std::vector<std::int32_t> slot_base;    // 2 * (offset of the label's bins - its table's value offset)
    std::vector<index_t> bin_offset;        // where the label's D + 1 intervals start in the bins
    index_t n_bins = 0;                     // intervals of all labels, each padded to D + kWindow
    // rank[j * (shared ? 1 : L) + l]: setting j's threshold of label l among its table's values
    std::vector<std::int32_t> rank;

    index_t table_of(index_t l) const { return shared ? 0 : l; }

    // The interval of score v of label l (scalar; the AVX2 kernel computes the same).
    index_t interval(index_t l, float v) const {
        const auto u = static_cast<std::size_t>(l);
        const std::int32_t g = linear_bucket(v, lo[u], scale[u], top[u]);
        const std::uint32_t off = start[static_cast<std::size_t>(bucket_base[u] + g)];
        index_t k = off;
        for (index_t i = 0; i < kWindow; ++i) k += values[off + static_cast<std::size_t>(i)] <= v ? 1 : 0;
        return k;
    }
};

namespace detail {

// Buckets of one table's distinct finite-or-infinite values d[0..D) for a map of G buckets:
// lo/scale/top, and the per-bucket start offsets (relative to d). False if a bucket gets more
// than kWindow values.
inline bool bucket_table(const float* d, index_t D, index_t G, float& lo, float& scale, float& top,
                         std::vector<std::uint32_t>& starts) {
    index_t a = 0, b = D - 1;  // spread the buckets over the finite values
    while (a < D && !std::isfinite(d[a])) ++a;
    while (b > a && !std::isfinite(d[b])) --b;
    lo = a < D ? d[a] : 0.0f;
    scale = a < D ? scale_for_span<float>(static_cast<double>(d[a]), static_cast<double>(d[b]), static_cast<double>(G))
                  : 1.0f;
    top = static_cast<float>(G - 1);  // large G may round up in float: step back below G
    if (static_cast<double>(top) > static_cast<double>(G - 1)) top = std::nextafter(top, 0.0f);
    std::vector<std::uint32_t> count(static_cast<std::size_t>(G), 0);
    for (index_t i = 0; i < D; ++i) {
        std::uint32_t& c = count[static_cast<std::size_t>(linear_bucket(d[i], lo, scale, top))];
        if (++c > static_cast<std::uint32_t>(BatchIndex::kWindow)) return false;
    }
    starts.resize(static_cast<std::size_t>(G));
    std::uint32_t acc = 0;
    for (index_t g = 0; g < G; ++g) {
        starts[static_cast<std::size_t>(g)] = acc;
        acc += count[static_cast<std::size_t>(g)];
    }
    return true;
}

// Appends one table built from the sorted distinct values d (D of them). False if no G works.
inline bool add_table(BatchIndex& ix, const std::vector<float>& d, float& lo, float& scale, float& top,
                      std::int32_t& bucket_base) {
    const index_t D = static_cast<index_t>(d.size());
    std::vector<std::uint32_t> starts;
    bool ok = false;
    for (index_t factor : {1, 4, 16, 64}) {
        if ((ok = bucket_table(d.data(), D, std::max<index_t>(1, D) * factor, lo, scale, top, starts))) break;
    }
    if (!ok) return false;
    const index_t voff = static_cast<index_t>(ix.values.size());
    ix.value_offset.push_back(voff);
    ix.n_distinct.push_back(D);
    ix.values.insert(ix.values.end(), d.begin(), d.end());
    ix.values.insert(ix.values.end(), static_cast<std::size_t>(BatchIndex::kWindow),
                     std::numeric_limits<float>::infinity());
    bucket_base = static_cast<std::int32_t>(ix.start.size());
    for (std::uint32_t s : starts) ix.start.push_back(s + static_cast<std::uint32_t>(voff));
    return true;
}

// Sorted distinct float32 values of label l's thresholds (setting j at thr[j * ld + l]), and the
// rank of each setting's value among them.
template <class Convert>
std::vector<float> distinct_values(const double* thr, index_t T, index_t ld, index_t l, Convert convert,
                                   std::int32_t* rank, index_t rank_stride) {
    std::vector<float> d(static_cast<std::size_t>(T));
    for (index_t j = 0; j < T; ++j) d[static_cast<std::size_t>(j)] = convert(thr[j * ld + l]);
    std::vector<float> sorted = d;
    std::sort(sorted.begin(), sorted.end());
    // == merges -0.0 and +0.0, which every score compares alike
    sorted.erase(std::unique(sorted.begin(), sorted.end(), [](float a, float b) { return a == b; }), sorted.end());
    for (index_t j = 0; j < T; ++j) {
        const auto it = std::lower_bound(sorted.begin(), sorted.end(), d[static_cast<std::size_t>(j)]);
        rank[j * rank_stride] = static_cast<std::int32_t>(it - sorted.begin());
    }
    return sorted;
}

}  // namespace detail

// The index of L labels' thresholds, setting j of label l at thresholds[j * ld + l] (ld >= L: a
// block of labels of a wider (T, ld) array), compared in float32 through `convert` (threshold_as).
// False if a table cannot be built (the caller then counts another way).
template <class Convert>
bool build_batch_index(const double* thresholds, index_t T, index_t L, index_t ld, Convert convert, BatchIndex& ix) {
    ix = BatchIndex{};
    ix.T = T;
    ix.L = L;
    ix.shared = true;
    for (index_t j = 0; j < T && ix.shared; ++j)
        for (index_t l = 1; l < L; ++l)
            if (!(thresholds[j * ld + l] == thresholds[j * ld])) {
                ix.shared = false;
                break;
            }
    const auto uL = static_cast<std::size_t>(L);
    ix.lo.resize(uL);
    ix.scale.resize(uL);
    ix.top.resize(uL);
    ix.bucket_base.resize(uL);
    ix.slot_base.resize(uL);
    ix.bin_offset.resize(uL);
    const index_t n_tables = ix.shared ? 1 : L;
    ix.rank.resize(static_cast<std::size_t>(T * n_tables));
    for (index_t t = 0; t < n_tables; ++t) {
        const auto u = static_cast<std::size_t>(t);
        const std::vector<float> d = detail::distinct_values(thresholds, T, ld, t, convert, ix.rank.data() + t, n_tables);
        if (!detail::add_table(ix, d, ix.lo[u], ix.scale[u], ix.top[u], ix.bucket_base[u])) return false;
    }
    // Histogram layout: label l's intervals at bin_offset[l], D + kWindow of them (an inf score,
    // reported as an error, may land up to kWindow past D: it stays inside the bins).
    index_t next = 0;
    for (index_t l = 0; l < L; ++l) {
        const auto u = static_cast<std::size_t>(l);
        const auto t = static_cast<std::size_t>(ix.table_of(l));
        ix.lo[u] = ix.lo[t];
        ix.scale[u] = ix.scale[t];
        ix.top[u] = ix.top[t];
        ix.bucket_base[u] = ix.bucket_base[t];
        ix.bin_offset[u] = next;
        ix.slot_base[u] = static_cast<std::int32_t>(2 * (next - ix.value_offset[t]));
        next += ix.n_distinct[t] + BatchIndex::kWindow;
    }
    ix.n_bins = next + BatchIndex::kWindow;
    return true;
}

}  // namespace f1tune
