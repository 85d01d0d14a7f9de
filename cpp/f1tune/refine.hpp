// Exact best cut from a histogram: which buckets can still matter, and the in-memory search.
//
// Counts at bucket edges are exact cuts. Inside a bucket no cut beats the corner that takes all
// its positives first (objectives are monotone, objective.hpp). So, given the best edge, only
// buckets whose corner may reach it need a closer look, plus the nearest non-empty buckets on
// each side of the best edge (they hold the two scores its threshold sits between). The gathered
// elements of those buckets are then sorted (a radix sort, group_sweep.hpp: measured 3-4x faster
// than the histogram rounds it replaced, which stalled near the optimum where most buckets
// matter) and swept; very large buffers are first narrowed in place by histogram rounds, which
// bound the sort's scratch memory. Ties keep the higher cut (fewer predicted positives). Every comparison of two
// cuts is exact (objective.hpp), the pruning "may reach" included: a corner that ties counts.
#pragma once

#include <algorithm>
#include <array>
#include <tuple>
#include <utility>
#include <vector>

#include "f1tune/gather.hpp"
#include "f1tune/group_sweep.hpp"
#include "f1tune/objective.hpp"
#include "f1tune/tune_common.hpp"

namespace f1tune {

struct Region {
    BucketRange range;               // buckets to look into
    count_t tp_above = 0, pp_above = 0;  // counts of everything above range.hi
    count_t tp_edge = 0, pp_edge = 0;    // the best edge
    double best_edge = -std::numeric_limits<double>::infinity();
};

// Region of a histogram (pos, tot over NB ascending buckets) below a context (tp0, pp0).
template <class Obj, class C>
Region select_region(const C* pos, const C* tot, index_t NB, count_t tp0, count_t pp0, const Obj& obj) {
    Region g;
    // Best edge: walk down the non-empty buckets; strict > keeps the highest of equal edges.
    index_t e = NB;
    g.best_edge = obj(tp0, pp0);
    g.tp_edge = tp0;
    g.pp_edge = pp0;
    // Estimates below `rival` (the best's less its rounding bound) cannot tie or beat it: one
    // comparison rejects most cuts; the rest are compared exactly.
    double rival = g.best_edge - obj.tol;
    count_t tp = tp0, pp = pp0;
    for (index_t b = NB - 1; b >= 0; --b) {
        if (tot[b] == 0) continue;
        tp += static_cast<count_t>(pos[b]);
        pp += static_cast<count_t>(tot[b]);
        if (!obj.may_reach(tp, pp, rival)) continue;
        const double v = obj(tp, pp);
        if (v >= rival && obj.compare({v, tp, pp}, {g.best_edge, g.tp_edge, g.pp_edge}) > 0) {
            g.best_edge = v;
            g.tp_edge = tp;
            g.pp_edge = pp;
            e = b;
            rival = v - obj.tol;
        }
    }
    index_t lo = NB, hi = -1;
    auto take = [&](index_t b) {
        lo = std::min(lo, b);
        hi = std::max(hi, b);
    };
    // Buckets whose all-positives-first corner may reach the best edge. A bucket of one class
    // cannot: its inner cuts lie between its two edges on a monotone path.
    tp = tp0;
    pp = pp0;
    for (index_t b = NB - 1; b >= 0; --b) {
        if (tot[b] == 0) continue;
        const auto p = static_cast<count_t>(pos[b]);
        if (p > 0 && p < static_cast<count_t>(tot[b]) && obj.may_reach(tp + p, pp + p, rival)) {
            const double corner = obj(tp + p, pp + p);
            if (corner >= rival && obj.compare({corner, tp + p, pp + p}, {g.best_edge, g.tp_edge, g.pp_edge}) >= 0)
                take(b);
        }
        tp += p;
        pp += static_cast<count_t>(tot[b]);
    }
    // The two scores around the best edge: bucket e (lowest predicted) and the next non-empty below.
    if (e < NB) take(e);
    for (index_t b = std::min(e, NB) - 1; b >= 0; --b) {
        if (tot[b] != 0) {
            take(b);
            break;
        }
    }
    if (hi < 0) return g;
    g.range = {lo, hi};
    g.tp_above = tp0;
    g.pp_above = pp0;
    for (index_t b = NB - 1; b > hi; --b) {
        g.tp_above += static_cast<count_t>(pos[b]);
        g.pp_above += static_cast<count_t>(tot[b]);
    }
    return g;
}

namespace detail {

constexpr index_t kInnerBuckets = 256;
constexpr std::size_t kSortBelow = 96;
// Buffers up to this size are radix sorted whole (2 x 16 bytes an element of scratch); larger
// ones are first narrowed by histogram rounds, in place.
constexpr std::size_t kRadixAtMost = std::size_t{1} << 22;

// Best cut over groups of equal keys given in descending order: (key, positives, total).
template <class K, class Obj, class Groups>
Cut<K> best_of_groups(const Groups& groups, count_t tp0, count_t pp0, const Obj& obj) {
    GroupSweep<K, Obj> sweep(tp0, pp0, obj);
    for (const auto& g : groups) sweep.add(std::get<0>(g), std::get<1>(g), std::get<2>(g));
    return sweep.best();
}

template <class K, class Obj>
Cut<K> sort_and_sweep(const K* keys, const std::uint8_t* ys, std::size_t n, count_t tp0, count_t pp0, const Obj& obj) {
    // Few elements (the usual case: many labels with few rows each) sort on the stack: a heap
    // allocation per label cost more than the sort.
    using Pair = std::pair<K, std::uint8_t>;
    std::array<Pair, kSortBelow> small;
    std::vector<Pair> large(n <= kSortBelow ? 0 : n);
    Pair* v = n <= kSortBelow ? small.data() : large.data();
    for (std::size_t i = 0; i < n; ++i) v[i] = {keys[i], ys[i]};
    std::sort(v, v + n, [](const Pair& a, const Pair& b) { return a.first > b.first; });
    GroupSweep<K, Obj> sweep(tp0, pp0, obj);
    for (std::size_t i = 0; i < n;) {
        std::size_t j = i;
        count_t p = 0;
        while (j < n && v[j].first == v[i].first) p += v[j++].second;
        sweep.add(v[i].first, p, static_cast<count_t>(j - i));
        i = j;
    }
    return sweep.best();
}

template <class K, class Obj>
Cut<K> sort_and_sweep(const Buffer<K>& buf, std::size_t n, count_t tp0, count_t pp0, const Obj& obj) {
    return sort_and_sweep(buf.keys.data(), buf.ys.data(), n, tp0, pp0, obj);
}

}  // namespace detail

// Exact best cut of buf's first n pairs by sorting them whole (group_sweep.hpp), leaving buf as
// it is; false (cut untouched) when they are too many for the sort's scratch or their keys span
// too much for the radix sort.
template <class K, class Obj>
bool solve_sorted(const K* keys, const std::uint8_t* ys, std::size_t n, count_t tp0, count_t pp0, const Obj& obj,
                  Cut<K>& cut) {
    if (n <= detail::kSortBelow) {
        cut = detail::sort_and_sweep(keys, ys, n, tp0, pp0, obj);
        return true;
    }
    if (n > detail::kRadixAtMost) return false;
    const auto [lo, hi] = std::minmax_element(keys, keys + n);
    std::vector<std::uint64_t> words, scratch;
    if (!detail::radix_sort_pairs(keys, ys, n, *lo, *hi, words, scratch)) return false;
    cut = detail::sweep_sorted_pairs(words, *lo, tp0, pp0, obj);
    return true;
}

template <class K, class Obj>
bool solve_sorted(const Buffer<K>& buf, std::size_t n, count_t tp0, count_t pp0, const Obj& obj, Cut<K>& cut) {
    return solve_sorted(buf.keys.data(), buf.ys.data(), n, tp0, pp0, obj, cut);
}

// Exact best cut among the cuts of `buf` (scores in a key range; tp0, pp0 count what lies above
// it). Buffers too large to sort whole are narrowed in place first (`buf` is scratch then).
template <class K, class Obj>
Cut<K> solve_buffer(Buffer<K>& buf, count_t tp0, count_t pp0, const Obj& obj) {
    std::size_t n = buf.keys.size();
    std::vector<count_t> pos, tot;
    int weak_rounds = 0;
    while (true) {
        Cut<K> sorted;
        if (solve_sorted(buf, n, tp0, pp0, obj, sorted)) return sorted;
        // Buckets for this round: ~64 elements each (at least 256, at most 2^16), so that one
        // round brings a large buffer (a pooled one of 10M x 100 scores) down to a sortable size.
        index_t NB = detail::kInnerBuckets;
        while (NB < (index_t{1} << 16) && static_cast<std::size_t>(NB) * 64 < n) NB *= 2;
        pos.resize(static_cast<std::size_t>(NB));
        tot.resize(static_cast<std::size_t>(NB));
        K kmin = buf.keys[0], kmax = buf.keys[0];
        for (std::size_t i = 1; i < n; ++i) {
            kmin = std::min(kmin, buf.keys[i]);
            kmax = std::max(kmax, buf.keys[i]);
        }
        unsigned shift = 0;
        while ((static_cast<K>(kmax - kmin) >> shift) >= static_cast<K>(NB)) ++shift;
        std::fill(pos.begin(), pos.end(), 0);
        std::fill(tot.begin(), tot.end(), 0);
        for (std::size_t i = 0; i < n; ++i) {
            const auto b = static_cast<std::size_t>((buf.keys[i] - kmin) >> shift);
            tot[b] += 1;
            pos[b] += buf.ys[i];
        }
        if (shift == 0) {  // one key per bucket: the histogram is the sorted curve
            std::vector<std::tuple<K, count_t, count_t>> groups;
            for (index_t b = NB - 1; b >= 0; --b)
                if (tot[static_cast<std::size_t>(b)] != 0)
                    groups.emplace_back(static_cast<K>(kmin + static_cast<K>(b)), pos[static_cast<std::size_t>(b)],
                                        tot[static_cast<std::size_t>(b)]);
            return detail::best_of_groups<K>(groups, tp0, pp0, obj);
        }
        const Region g = select_region(pos.data(), tot.data(), NB, tp0, pp0, obj);
        std::size_t m = 0;
        const auto lo = static_cast<K>(g.range.lo), width = static_cast<K>(g.range.hi - g.range.lo);
        for (std::size_t i = 0; i < n; ++i) {
            const auto b = static_cast<K>((buf.keys[i] - kmin) >> shift);
            if (static_cast<K>(b - lo) <= width) {
                buf.keys[m] = buf.keys[i];
                buf.ys[m] = buf.ys[i];
                ++m;
            }
        }
        // No narrowing, or little narrowing several rounds in a row (most buckets matter):
        // sorting is the honest fallback, and it bounds the number of rounds.
        weak_rounds = 4 * m > 3 * n ? weak_rounds + 1 : 0;
        if (m == n || weak_rounds > 4) return detail::sort_and_sweep(buf, m, g.tp_above, g.pp_above, obj);
        n = m;
        tp0 = g.tp_above;
        pp0 = g.pp_above;
    }
}

// solve_buffer without touching `buf` (copied only when it must be narrowed): for buffers searched
// again at other objectives (micro's Dinkelbach steps).
template <class K, class Obj>
Cut<K> solve_buffer_kept(const Buffer<K>& buf, count_t tp0, count_t pp0, const Obj& obj) {
    Cut<K> cut;
    if (solve_sorted(buf, buf.keys.size(), tp0, pp0, obj, cut)) return cut;
    Buffer<K> scratch = buf;
    return solve_buffer(scratch, tp0, pp0, obj);
}

}  // namespace f1tune
