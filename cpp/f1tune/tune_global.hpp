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

template <class S, class Y>
TuneResult tune_global(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, const Beta2& beta2,
                       double zero_division, int n_threads) {
    using K = key_of_t<S>;
    const index_t L = s.cols;
    TuneResult out;
    const auto maps = sample_maps(s, true);
    const Histograms h = build_histograms(y, s, maps, n_threads);
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
