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
    const bool floors = raise_maps(y, s);
    const auto maps = floors ? sample_maps(s, false, &y, FloorRule{beta2.value, 0.0}) : sample_maps(s, false);
    std::vector<FbetaObjective> obj(static_cast<std::size_t>(L));
    std::vector<Region> regions(static_cast<std::size_t>(L));
    std::vector<BucketRange> ranges(static_cast<std::size_t>(L));
    out.pos.assign(static_cast<std::size_t>(L), 0);
    // One label's positives, objective and region from its histogram.
    auto plan = [&](index_t l, const count_t* pos, const count_t* tot, index_t nb) {
        const auto u = static_cast<std::size_t>(l);
        for (index_t b = 0; b < nb; ++b) out.pos[u] += pos[b];
        obj[u] = {beta2, out.pos[u], zero_division};
        regions[u] = select_region(pos, tot, nb, 0, 0, obj[u]);
        ranges[u] = regions[u].range;
    };
    const index_t NB = maps.empty() ? kTopBuckets : maps[0].n_buckets;
    if (label_groups(y, s, NB)) {
        // Many labels: each group's regions straight from its histograms, never stored whole
        // (16 bytes a bucket and label, zeroed, written and read again, cost more than the search).
        out.flags = for_each_label_group(y, s, maps, n_threads,
                                         [&](index_t l0, index_t n_g, const count_t* pos, const count_t* tot) {
                                             for (index_t j = 0; j < n_g; ++j)
                                                 plan(l0 + j, pos + j * NB, tot + j * NB, NB);
                                         });
        if (out.flags.bad_label || out.flags.bad_score) return out;
    } else {
        const Histograms h = build_histograms(y, s, maps, n_threads, floors);
        out.flags = h.flags;
        if (h.flags.bad_label || h.flags.bad_score) return out;
        // Region searches cost L x nb: worth threads only with many labels (each label on its own).
        parallel_for(L, choose_threads(n_threads, L * h.nb, L), [&](int, index_t b, index_t e) {
            for (index_t l = b; l < e; ++l) plan(l, h.pos_of(l), h.tot_of(l), h.nb);
        });
    }
    // Every label's candidates in one allocation (per-label vectors cost more with many labels).
    const Gathered<K> got = collect_gathered(y, s, maps, ranges, n_threads);
    out.refine_passes = 1;
    out.resize_cuts(L);
    const int workers = choose_threads(n_threads, s.rows * L / 16, L);
    parallel_for(L, workers, [&](int, index_t b, index_t e) {
        for (index_t l = b; l < e; ++l) {
            const auto u = static_cast<std::size_t>(l);
            const Region& g = regions[u];
            Cut<K> cut;
            if (!solve_sorted(got.keys.data() + got.start[u], got.ys.data() + got.start[u], got.size(u), g.tp_above,
                              g.pp_above, obj[u], cut)) {
                Buffer<K> buf;  // too many to sort whole: narrowed in place first
                buf.keys.assign(got.keys.begin() + static_cast<std::ptrdiff_t>(got.start[u]),
                                got.keys.begin() + static_cast<std::ptrdiff_t>(got.start[u + 1]));
                buf.ys.assign(got.ys.begin() + static_cast<std::ptrdiff_t>(got.start[u]),
                              got.ys.begin() + static_cast<std::ptrdiff_t>(got.start[u + 1]));
                cut = solve_buffer(buf, g.tp_above, g.pp_above, obj[u]);
            }
            record_cut<S>(out, u, cut);
        }
    });
    return out;
}

}  // namespace f1tune
