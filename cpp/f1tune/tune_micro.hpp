// Exact micro F-beta optimum over per-label thresholds (average "micro"), by Dinkelbach's iteration.
//
// Micro F-beta >= lambda iff sum_l [(1+b²-lambda)·tp_l - lambda·fp_l] >= lambda·b²·P, so for a
// fixed lambda each label maximizes a linear objective on its own; setting lambda to the micro
// F-beta of those cuts and repeating raises lambda to the global optimum in a few steps. Each
// step is an exact per-label search (refine.hpp) on buckets gathered once: the histogram alone
// gives a lower bound (edges only) and an upper bound (edges and corners) on the optimum, and the
// buckets that matter for lambdas in between are gathered up front. Should a step still need a
// bucket outside what was gathered, it is gathered then (one more pass), so the answer is exact.
#pragma once

#include <algorithm>
#include <utility>
#include <vector>

#include "f1tune/gather.hpp"
#include "f1tune/histogram.hpp"
#include "f1tune/parallel.hpp"
#include "f1tune/refine.hpp"
#include "f1tune/tune_common.hpp"
#include "f1tune/tune_per_label.hpp"

namespace f1tune {

namespace detail {

inline double micro_value(count_t tp, count_t pp, double beta2, double P) {
    const double d = beta2 * P + static_cast<double>(pp);
    return d > 0 ? (1.0 + beta2) * static_cast<double>(tp) / d : 0.0;
}

// The Dinkelbach objective at lambda = F(tp, pp), the micro F-beta of real cuts: exact comparisons.
inline LinearObjective linear_at(const Beta2& b2, count_t P, count_t tp, count_t pp) {
    const double lambda = micro_value(tp, pp, b2.value, static_cast<double>(P));
    return {1.0 + b2.value - lambda, lambda, 0.0, b2, P, tp, pp, true};
}

// At any lambda (between two bounds, for planning what to gather): estimates only.
inline LinearObjective linear_at(const Beta2& b2, double lambda) {
    return {1.0 + b2.value - lambda, lambda, 0.0, b2, 0, 0, 0, false};
}

// The micro F-beta of some cuts: its counts and estimate.
struct MicroLevel {
    count_t tp = 0, pp = 0;
    double value = 0.0;
};

// One label's best cut on its histogram for a linear objective: the bucket edges (and with
// Corners each bucket's all-positives-first corner), scanned from the top; ties keep the higher cut.
struct HistogramCut {
    count_t tp = 0, pp = 0;
};

template <bool Corners>
F1TUNE_ALWAYS_INLINE HistogramCut best_histogram_cut(const count_t* pos, const count_t* tot, index_t nb,
                                                     const LinearObjective& obj) {
    count_t tp = 0, pp = 0;
    HistogramCut cut;
    double best = obj(0, 0);
    for (index_t b = nb - 1; b >= 0; --b) {
        if (tot[b] == 0) continue;
        if (Corners && obj(tp + pos[b], pp + pos[b]) > best) {
            best = obj(tp + pos[b], pp + pos[b]);
            cut = {tp + pos[b], pp + pos[b]};
        }
        tp += pos[b];
        pp += tot[b];
        if (obj(tp, pp) > best) {
            best = obj(tp, pp);
            cut = {tp, pp};
        }
    }
    return cut;
}

// Dinkelbach on the histograms alone: each label picks its best edge, or with Corners also the
// all-positives-first corner of any bucket (an optimistic point). Returns the converged level:
// without corners, the micro F-beta of real cuts (bucket edges). Estimates only: these levels
// bound and start the exact iteration, they decide nothing.
// (Corners is a template parameter so that each variant's inner loop is compiled without the test;
// inlined, as GCC chose to before, it costs ~14% fewer instructions on 5000 labels.)
template <bool Corners>
F1TUNE_ALWAYS_INLINE MicroLevel histogram_dinkelbach(const Histograms& h, index_t L, const Beta2& b2, count_t P,
                                                     MicroLevel level = {}, int workers = 1) {
    const double Pd = static_cast<double>(P);
    // Labels split over the workers (many labels: each step scans every label's buckets).
    std::vector<std::pair<count_t, count_t>> part(static_cast<std::size_t>(std::max(workers, 1)));
    for (int it = 0; it < 100; ++it) {
        const LinearObjective obj = linear_at(b2, level.value);
        parallel_for(L, workers, [&](int w, index_t b, index_t e) {
            count_t tp = 0, pp = 0;
            for (index_t l = b; l < e; ++l) {
                const HistogramCut cut = best_histogram_cut<Corners>(h.pos_of(l), h.tot_of(l), h.nb, obj);
                tp += cut.tp;
                pp += cut.pp;
            }
            part[static_cast<std::size_t>(w)] = {tp, pp};
        });
        count_t TP = 0, PP = 0;
        for (const auto& [tp, pp] : part) {
            TP += tp;
            PP += pp;
        }
        std::fill(part.begin(), part.end(), std::pair<count_t, count_t>{0, 0});
        const double next = micro_value(TP, PP, b2.value, Pd);
        if (!(next > level.value)) break;
        level = {TP, PP, next};
    }
    return level;
}

// Dinkelbach's exact iteration, written once for tune_micro (which reads the data again for
// buckets it lacks) and the tuner's finish (which asks its caller to gather them). Per step, at
// lambda = the micro F-beta of the last cuts, each label's region of histogram h (pos_of, tot_of,
// nb) under label_obj(obj, l) must be in memory: ensure(ranges) makes it so (false: it cannot,
// stop); solve(obj, cuts) then finds each label's exact best cut. The level and the best cuts so
// far are compared exactly as micro F-beta values. Returns false when ensure stopped it, else
// true with the best cuts in best_cuts.
// (`workers` threads search the labels' regions.)
template <class K, class H, class LabelObj, class Ensure, class Solve>
bool micro_dinkelbach(const H& h, index_t L, const Beta2& beta2, count_t P, double zero_division, MicroLevel lambda,
                      LabelObj&& label_obj, Ensure&& ensure, Solve&& solve, std::vector<Cut<K>>& best_cuts,
                      int workers = 1) {
    const FbetaObjective micro{beta2, P, zero_division};
    Scored best{-1.0, 0, 0};
    std::vector<Cut<K>> cuts(static_cast<std::size_t>(L));
    std::vector<BucketRange> ranges(static_cast<std::size_t>(L));
    for (int it = 0; it < 200; ++it) {
        const LinearObjective obj = linear_at(beta2, P, lambda.tp, lambda.pp);
        parallel_for(L, workers, [&](int, index_t b, index_t e) {
            for (index_t l = b; l < e; ++l)
                ranges[static_cast<std::size_t>(l)] =
                    select_region(h.pos_of(l), h.tot_of(l), h.nb, 0, 0, label_obj(obj, l)).range;
        });
        if (!ensure(ranges)) return false;
        solve(obj, cuts);
        count_t TP = 0, PP = 0;
        for (const auto& c : cuts) {
            TP += c.tp;
            PP += c.pp;
        }
        const Scored now{micro(TP, PP), TP, PP};
        // At equal value the later cuts are the fewest-positives optimum.
        if (best_cuts.empty() || micro.compare(now, best) >= 0) {
            best = now;
            best_cuts = cuts;
        }
        if (micro.compare(now, {lambda.value, lambda.tp, lambda.pp}) <= 0) break;
        lambda = {TP, PP, now.value};
    }
    return true;
}

}  // namespace detail

template <class S, class Y>
TuneResult tune_micro(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, const Beta2& beta2,
                      double zero_division, int n_threads) {
    using K = key_of_t<S>;
    const index_t L = s.cols;
    // Maps raised where the sample says no micro cut can be (map_floor.hpp): the level is the
    // sample's micro F-beta with every label at its own best cut, a lower bound of its optimum.
    bool floors = raise_maps(y, s);
    double level = 0;
    if (floors) {
        std::vector<SampleCut> cuts(static_cast<std::size_t>(L));
        sample_maps(s, false, &y, FloorRule{beta2.value, 0.0}, &cuts);
        count_t tp = 0, pp = 0, pos = 0;
        for (const SampleCut& c : cuts) {
            tp += c.tp;
            pp += c.pp;
            pos += c.positives;
        }
        const double denom = beta2.value * static_cast<double>(pos) + static_cast<double>(pp);
        level = denom > 0 ? (1 + beta2.value) * static_cast<double>(tp) / denom : 0.0;
        floors = level > 0;
    }
    const auto maps = floors ? sample_maps(s, false, &y, FloorRule{beta2.value, level}) : sample_maps(s, false);
    const Histograms h = build_histograms(y, s, maps, n_threads, floors);
    TuneResult out;
    out.flags = h.flags;
    if (h.flags.bad_label || h.flags.bad_score) return out;
    out.pos = label_positives(h, L);
    count_t P = 0;
    for (count_t p : out.pos) P += p;
    // No positives at all: every prediction scores 0, predicting none scores zero_division; the
    // per-label search (every label without positives) picks "predict none" everywhere.
    if (P == 0) return tune_per_label(y, s, beta2, zero_division, n_threads);
    auto label_obj = [&](const LinearObjective& o, index_t l) {
        const auto u = static_cast<std::size_t>(l);
        return o.for_label(out.pos[u], s.rows - out.pos[u]);
    };

    // Region searches cost L x nb: worth threads only with many labels (each label on its own).
    const int region_workers = choose_threads(n_threads, L * h.nb, L);
    const detail::MicroLevel start = detail::histogram_dinkelbach<false>(h, L, beta2, P, {}, region_workers);
    // The optimistic level climbs from the edges' (below it, as Dinkelbach needs): fewer steps.
    const double lo = start.value,
                 hi = std::max(lo, detail::histogram_dinkelbach<true>(h, L, beta2, P, start, region_workers).value);
    std::vector<BucketRange> have(static_cast<std::size_t>(L));
    // Levels in [lo, hi] whose regions are gathered up front: 9, or 3 where 9 searches over a
    // label's buckets (2 x 9 x nb bucket visits, ~3 ns each) would cost more than ~1/8 of its pass
    // over the rows (measured: 1,000 labels x 100,000 rows 0.89x the time, 1M x 100 keeps 9).
    const int steps = h.nb * 144 > s.rows ? 2 : 8;
    parallel_for(L, region_workers, [&](int, index_t b, index_t e) {
        for (int k = 0; k <= steps; ++k) {
            const LinearObjective obj = detail::linear_at(beta2, lo + (hi - lo) * k / steps);
            for (index_t l = b; l < e; ++l) {
                const BucketRange r = select_region(h.pos_of(l), h.tot_of(l), h.nb, 0, 0, label_obj(obj, l)).range;
                BucketRange& a = have[static_cast<std::size_t>(l)];
                if (a.empty()) a = r;
                else if (!r.empty()) a = {std::min(a.lo, r.lo), std::max(a.hi, r.hi)};
            }
        }
    });
    std::vector<Buffer<K>> bufs = collect_ranges(y, s, maps, have, false, n_threads);
    out.refine_passes = 1;

    // Buckets a step needs that are not in memory yet are gathered (one more pass).
    auto ensure = [&](const std::vector<BucketRange>& ranges) {
        std::vector<BucketRange> need(static_cast<std::size_t>(L));
        bool missing = false;
        for (std::size_t u = 0; u < ranges.size(); ++u)
            if (!have[u].contains(ranges[u])) {
                need[u] = have[u].empty() ? ranges[u]
                                          : BucketRange{std::min(have[u].lo, ranges[u].lo), std::max(have[u].hi, ranges[u].hi)};
                missing = true;
            }
        if (missing) {
            auto more = collect_ranges(y, s, maps, need, false, n_threads);
            out.refine_passes += 1;
            for (std::size_t u = 0; u < need.size(); ++u)
                if (!need[u].empty()) {
                    bufs[u] = std::move(more[u]);
                    have[u] = need[u];
                }
        }
        return true;
    };
    const int workers = choose_threads(n_threads, s.rows * L / 16, L);
    auto solve = [&](const LinearObjective& obj, std::vector<Cut<K>>& cuts) {
        parallel_for(L, workers, [&](int, index_t b, index_t e) {
            for (index_t l = b; l < e; ++l) {
                const auto u = static_cast<std::size_t>(l);
                // Counts above the gathered range come from the histogram.
                count_t tp0 = 0, pp0 = 0;
                for (index_t k = h.nb - 1; k > have[u].hi; --k) {
                    tp0 += h.pos_of(l)[k];
                    pp0 += h.tot_of(l)[k];
                }
                cuts[u] = solve_buffer_kept(bufs[u], tp0, pp0, label_obj(obj, l));
            }
        });
    };
    std::vector<Cut<K>> best_cuts;
    detail::micro_dinkelbach<K>(h, L, beta2, P, zero_division, start, label_obj, ensure, solve, best_cuts,
                                region_workers);
    out.resize_cuts(L);
    for (std::size_t u = 0; u < best_cuts.size(); ++u) record_cut<S>(out, u, best_cuts[u]);
    return out;
}

}  // namespace f1tune
