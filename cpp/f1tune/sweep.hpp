// Exact per-label ("macro") and shared ("global") F-beta optima: histogram, refine, place.
//
// Two passes over the data whatever its size: build_histograms, then collect_ranges of the few
// buckets that can hold the optimum; the rest is in-memory work on those (refine.hpp).
#pragma once

#include <vector>

#include "f1tune/counting.hpp"
#include "f1tune/gather.hpp"
#include "f1tune/histogram.hpp"
#include "f1tune/refine.hpp"

namespace f1tune {

struct TuneResult {
    std::vector<double> thresholds;     // (L,)
    std::vector<count_t> tp, pp, pos;   // (L,) at the thresholds
    InputFlags flags;
    int refine_passes = 0;              // passes over the data after the histogram (diagnostics)
};

// The threshold of a top-level cut (contract in float_keys.hpp): midway between the lowest
// predicted score and the next lower one; above the maximum for "predict none"; below the minimum
// for "predict all".
template <class S>
double place_threshold(const Cut<key_of_t<S>>& c) {
    if (!c.has_lowest) return threshold_above(from_key<S>(c.below));
    if (!c.has_below) return threshold_below(from_key<S>(c.lowest));
    return threshold_between(from_key<S>(c.below), from_key<S>(c.lowest));
}

inline std::vector<count_t> label_positives(const Histograms& h, index_t L) {
    std::vector<count_t> pos(static_cast<std::size_t>(L), 0);
    for (index_t l = 0; l < L; ++l)
        for (index_t b = 0; b < kTopBuckets; ++b) pos[static_cast<std::size_t>(l)] += h.pos_of(l)[b];
    return pos;
}

// Each label's exact best F-beta threshold.
template <class S, class Y>
TuneResult tune_per_label(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, double beta2, double zero_division,
                          int n_threads) {
    using K = key_of_t<S>;
    const index_t L = s.cols;
    TuneResult out;
    const auto maps = sample_maps(s, false);
    const Histograms h = build_histograms(y, s, maps, n_threads);
    out.flags = h.flags;
    if (h.flags.bad_label || h.flags.bad_score) return out;
    out.pos = label_positives(h, L);
    std::vector<FbetaObjective> obj(static_cast<std::size_t>(L));
    std::vector<Region> regions(static_cast<std::size_t>(L));
    std::vector<BucketRange> ranges(static_cast<std::size_t>(L));
    for (index_t l = 0; l < L; ++l) {
        const auto u = static_cast<std::size_t>(l);
        obj[u] = {beta2, static_cast<double>(out.pos[u]), zero_division};
        regions[u] = select_region(h.pos_of(l), h.tot_of(l), kTopBuckets, 0, 0, obj[u]);
        ranges[u] = regions[u].range;
    }
    auto bufs = collect_ranges(y, s, maps, ranges, false, n_threads);
    out.refine_passes = 1;
    out.thresholds.resize(static_cast<std::size_t>(L));
    out.tp.resize(static_cast<std::size_t>(L));
    out.pp.resize(static_cast<std::size_t>(L));
    const int workers = choose_threads(n_threads, s.rows * L / 16, L);
    parallel_for(L, workers, [&](int, index_t b, index_t e) {
        for (index_t l = b; l < e; ++l) {
            const auto u = static_cast<std::size_t>(l);
            const Cut<K> c = solve_buffer(bufs[u], regions[u].tp_above, regions[u].pp_above, obj[u]);
            out.thresholds[u] = place_threshold<S>(c);
            out.tp[u] = c.tp;
            out.pp[u] = c.pp;
            Buffer<K>().keys.swap(bufs[u].keys);  // free as we go
        }
    });
    return out;
}

// One threshold shared by all labels maximizing micro F-beta (the pooled sweep).
template <class S, class Y>
TuneResult tune_global(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, double beta2, double zero_division,
                       int n_threads) {
    using K = key_of_t<S>;
    const index_t L = s.cols, NB = kTopBuckets;
    TuneResult out;
    const auto maps = sample_maps(s, true);
    const Histograms h = build_histograms(y, s, maps, n_threads);
    out.flags = h.flags;
    if (h.flags.bad_label || h.flags.bad_score) return out;
    std::vector<count_t> pos(static_cast<std::size_t>(NB), 0), tot(static_cast<std::size_t>(NB), 0);
    for (index_t l = 0; l < L; ++l)
        for (index_t b = 0; b < NB; ++b) {
            pos[static_cast<std::size_t>(b)] += h.pos_of(l)[b];
            tot[static_cast<std::size_t>(b)] += h.tot_of(l)[b];
        }
    count_t P = 0;
    for (count_t p : pos) P += p;
    const FbetaObjective obj{beta2, static_cast<double>(P), zero_division};
    const Region g = select_region(pos.data(), tot.data(), NB, 0, 0, obj);
    auto bufs = collect_ranges(y, s, maps, std::vector<BucketRange>(static_cast<std::size_t>(L), g.range), true,
                               n_threads);
    out.refine_passes = 1;
    const Cut<K> c = solve_buffer(bufs[0], g.tp_above, g.pp_above, obj);
    out.thresholds.assign(static_cast<std::size_t>(L), place_threshold<S>(c));
    LabelCounts counts = count_at_thresholds(y, s, out.thresholds.data(), n_threads);
    out.tp = std::move(counts.tp);
    out.pp = std::move(counts.pp);
    out.pos = std::move(counts.pos);
    return out;
}

}  // namespace f1tune
