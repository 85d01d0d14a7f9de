// The exact F-beta curve of one label: counts at every distinct cut, highest threshold first.
#pragma once

#include <algorithm>
#include <utility>
#include <vector>

#include "f1tune/common.hpp"
#include "f1tune/float_keys.hpp"

namespace f1tune {

struct Curve {
    std::vector<double> thresholds;  // (C,) decreasing; first "predict none", last "predict all"
    std::vector<count_t> tp, pp;     // (C,)
    count_t pos = 0;
    InputFlags flags;
};

// Column 0 of (y, s). Sorting the order-preserving keys is a full sort: this is the plotting
// path, not the tuning one.
template <class S, class Y>
Curve label_curve(const StridedMatrix<Y>& y, const StridedMatrix<S>& s) {
    using K = key_of_t<S>;
    const index_t n = s.rows;
    Curve c;
    std::vector<std::pair<K, std::uint8_t>> v(static_cast<std::size_t>(n));
    unsigned bad_label = 0, bad_score = 0;
    for (index_t r = 0; r < n; ++r) {
        const S x = s(r, 0);
        const Y lab = y(r, 0);
        bad_label |= is_bad_label(lab) ? 1u : 0u;
        bad_score |= is_bad_score(x) ? 1u : 0u;
        v[static_cast<std::size_t>(r)] = {to_key(x), static_cast<std::uint8_t>(static_cast<index_t>(lab) & 1)};
    }
    c.flags.add(bad_label, bad_score);
    if (c.flags.bad_label || c.flags.bad_score || n == 0) return c;
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    c.thresholds.push_back(threshold_above(from_key<S>(v[0].first)));
    c.tp.push_back(0);
    c.pp.push_back(0);
    count_t tp = 0, pp = 0;
    for (std::size_t i = 0; i < v.size();) {
        std::size_t j = i;
        while (j < v.size() && v[j].first == v[i].first) tp += v[j++].second;
        pp = static_cast<count_t>(j);
        const S lowest = from_key<S>(v[i].first);
        c.thresholds.push_back(j < v.size() ? threshold_between(from_key<S>(v[j].first), lowest)
                                            : threshold_below(lowest));
        c.tp.push_back(tp);
        c.pp.push_back(pp);
        i = j;
    }
    c.pos = tp;
    return c;
}

}  // namespace f1tune
