// One threshold shared by all labels maximizing micro F-beta (average "global"): the labels'
// histograms pooled, refined and placed, then counted per label.
#pragma once

#include <vector>

#include "f1tune/counting.hpp"
#include "f1tune/gather.hpp"
#include "f1tune/histogram.hpp"
#include "f1tune/refine.hpp"
#include "f1tune/tune_common.hpp"

namespace f1tune {

// Up to this many labels, per-label counts at the shared cut come from the histograms and the
// gathered elements (no third pass over the data); beyond, from a counting pass.
constexpr index_t kPerLabelCountsUpTo = 4096;

template <class S, class Y>
TuneResult tune_global(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, const Beta2& beta2,
                       double zero_division, int n_threads) {
    using K = key_of_t<S>;
    const index_t L = s.cols;
    TuneResult out;
    // As in tune_per_label: a pooled map from where the sample says the shared optimum cannot be.
    const bool floors = raise_maps(y, s);
    const auto maps = floors ? sample_maps(s, true, &y, FloorRule{beta2.value, 0.0}) : sample_maps(s, true);
    const Histograms h = build_histograms(y, s, maps, n_threads, floors);
    out.flags = h.flags;
    if (h.flags.bad_label || h.flags.bad_score) return out;
    const index_t NB = h.nb;
    std::vector<count_t> pos(static_cast<std::size_t>(NB), 0), tot(static_cast<std::size_t>(NB), 0);
    for (index_t l = 0; l < L; ++l)
        for (index_t b = 0; b < NB; ++b) {
            pos[static_cast<std::size_t>(b)] += h.pos_of(l)[b];
            tot[static_cast<std::size_t>(b)] += h.tot_of(l)[b];
        }
    count_t P = 0;
    for (count_t p : pos) P += p;
    const FbetaObjective obj{beta2, P, zero_division};
    const Region g = select_region(pos.data(), tot.data(), NB, 0, 0, obj);
    out.refine_passes = 1;
    if (L > kPerLabelCountsUpTo) {
        // Many labels: one pooled buffer, and the per-label counts from a counting pass (per-label
        // buffers for every label cost more than that pass at 100,000 labels x 100 rows).
        auto pooled = collect_ranges(y, s, maps, std::vector<BucketRange>(static_cast<std::size_t>(L), g.range), true,
                                     n_threads);
        const Cut<K> c = solve_buffer(pooled[0], g.tp_above, g.pp_above, obj);
        out.thresholds.assign(static_cast<std::size_t>(L), place_threshold<S>(c));
        LabelCounts counts = count_at_thresholds(y, s, out.thresholds.data(), n_threads);
        out.tp = std::move(counts.tp);
        out.pp = std::move(counts.pp);
        out.pos = std::move(counts.pos);
        return out;
    }
    // Gathered per label (every label the same range), pooled for the search; each label's counts
    // at the shared cut are then its histogram above the range plus its gathered elements at or
    // above the cut's lowest key (the cut's own contract, as the pooled counts tp0 + ... are).
    auto bufs = collect_ranges(y, s, maps, std::vector<BucketRange>(static_cast<std::size_t>(L), g.range), false,
                               n_threads);
    Buffer<K> pool;
    std::size_t total = 0;
    for (const auto& b : bufs) total += b.keys.size();
    pool.keys.reserve(total);
    pool.ys.reserve(total);
    for (const auto& b : bufs) pool.append(b);
    const Cut<K> c = solve_buffer(pool, g.tp_above, g.pp_above, obj);
    out.thresholds.assign(static_cast<std::size_t>(L), place_threshold<S>(c));
    out.resize_cuts(L);
    out.pos = label_positives(h, L);
    for (index_t l = 0; l < L; ++l) {
        const auto u = static_cast<std::size_t>(l);
        count_t tp = 0, pp = 0;
        for (index_t b = g.range.hi + 1; b < NB; ++b) {
            tp += h.pos_of(l)[b];
            pp += h.tot_of(l)[b];
        }
        if (c.has_lowest) {
            const Buffer<K>& b = bufs[u];
            for (std::size_t i = 0; i < b.keys.size(); ++i) {
                const bool predicted = b.keys[i] >= c.lowest;
                pp += predicted;
                tp += predicted & (b.ys[i] != 0);
            }
        }
        out.tp[u] = tp;
        out.pp[u] = pp;
    }
    return out;
}

}  // namespace f1tune
