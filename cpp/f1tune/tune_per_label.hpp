// Each label's exact best F-beta threshold (average "macro", "weighted" and None): histogram,
// refine, place.
//
// Two passes over the data whatever its size: build_histograms, then collect_ranges of the few
// buckets that can hold the optimum; the rest is in-memory work on those (refine.hpp).
#pragma once

#include <vector>

#include "f1tune/gather.hpp"
#include "f1tune/histogram.hpp"
#include "f1tune/parallel.hpp"
#include "f1tune/refine.hpp"
#include "f1tune/tune_common.hpp"

namespace f1tune {

template <class S, class Y>
TuneResult tune_per_label(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, const Beta2& beta2,
                          double zero_division, int n_threads) {
    using K = key_of_t<S>;
    const index_t L = s.cols;
    TuneResult out;
    // Maps that start where the sample says the optimum cannot be, where the pass skips bucket 0.
    const bool floors = skips_bucket0(y, s, buckets_for_rows(s.rows));
    const auto maps = floors ? sample_maps(s, false, &y, FloorRule{beta2.value, 0.0}) : sample_maps(s, false);
    const Histograms h = build_histograms(y, s, maps, n_threads, floors);
    out.flags = h.flags;
    if (h.flags.bad_label || h.flags.bad_score) return out;
    out.pos = label_positives(h, L);
    std::vector<FbetaObjective> obj(static_cast<std::size_t>(L));
    std::vector<Region> regions(static_cast<std::size_t>(L));
    std::vector<BucketRange> ranges(static_cast<std::size_t>(L));
    // Region searches cost L x nb: worth threads only with many labels (each label on its own).
    parallel_for(L, choose_threads(n_threads, L * h.nb, L), [&](int, index_t b, index_t e) {
        for (index_t l = b; l < e; ++l) {
            const auto u = static_cast<std::size_t>(l);
            obj[u] = {beta2, out.pos[u], zero_division};
            regions[u] = select_region(h.pos_of(l), h.tot_of(l), h.nb, 0, 0, obj[u]);
            ranges[u] = regions[u].range;
        }
    });
    auto bufs = collect_ranges(y, s, maps, ranges, false, n_threads);
    out.refine_passes = 1;
    out.resize_cuts(L);
    const int workers = choose_threads(n_threads, s.rows * L / 16, L);
    parallel_for(L, workers, [&](int, index_t b, index_t e) {
        for (index_t l = b; l < e; ++l) {
            const auto u = static_cast<std::size_t>(l);
            record_cut<S>(out, u, solve_buffer(bufs[u], regions[u].tp_above, regions[u].pp_above, obj[u]));
            Buffer<K>().keys.swap(bufs[u].keys);  // free as we go
        }
    });
    return out;
}

}  // namespace f1tune
