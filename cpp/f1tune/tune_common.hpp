// What every tuning strategy shares: its result, the cut a search returns, where a cut's
// threshold goes, and the label positives read off the histograms.
//
// The strategies, one header each: tune_per_label.hpp (each label its own optimum: average
// "macro", "weighted", None), tune_micro.hpp (per-label thresholds jointly maximizing micro
// F-beta), tune_global.hpp (one threshold shared by all labels).
#pragma once

#include <limits>
#include <vector>

#include "f1tune/common.hpp"
#include "f1tune/float_keys.hpp"
#include "f1tune/histogram.hpp"

namespace f1tune {

struct TuneResult {
    std::vector<double> thresholds;     // (L,)
    std::vector<count_t> tp, pp, pos;   // (L,) at the thresholds
    InputFlags flags;
    int refine_passes = 0;              // passes over the data after the histogram (diagnostics)

    // Room for L labels' thresholds and cut counts (pos is filled by the strategy).
    void resize_cuts(index_t L) {
        thresholds.resize(static_cast<std::size_t>(L));
        tp.resize(static_cast<std::size_t>(L));
        pp.resize(static_cast<std::size_t>(L));
    }
};

// The best cut found by a search. `lowest` is the key of the lowest score predicted positive and
// `below` the key of the next lower distinct score; either is unknown (has_* false) when it lies
// outside the searched range: at the top level that means "predict none" / "predict all".
template <class K>
struct Cut {
    count_t tp = 0, pp = 0;
    double value = -std::numeric_limits<double>::infinity();
    bool has_lowest = false, has_below = false;
    K lowest = 0, below = 0;
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

// Label l's threshold and counts from its best cut.
template <class S>
void record_cut(TuneResult& out, std::size_t l, const Cut<key_of_t<S>>& c) {
    out.thresholds[l] = place_threshold<S>(c);
    out.tp[l] = c.tp;
    out.pp[l] = c.pp;
}

inline std::vector<count_t> label_positives(const Histograms& h, index_t L) {
    std::vector<count_t> pos(static_cast<std::size_t>(L), 0);
    for (index_t l = 0; l < L; ++l)
        for (index_t b = 0; b < h.nb; ++b) pos[static_cast<std::size_t>(l)] += h.pos_of(l)[b];
    return pos;
}

}  // namespace f1tune
