// The mergeable tuning state (f1tune.ThresholdTuner): histograms over a bucket map fixed at
// construction, so that the histograms of any batches, shards or processes are plain sums.
//
// Exact tuning then runs the two passes of tune_per_label / tune_micro / tune_global as separate
// steps: plan (the candidate bucket ranges a summary implies), gather (those ranges' elements from
// any shard; gathers concatenate), finish (the exact search on the merged gathers, reusing
// select_region / solve_buffer / place_threshold; for micro it may ask for more ranges). Bounded
// mode answers from the histograms alone: the best bucket edge and a certified upper bound (each
// bucket's all-positives-first corner bounds every cut inside it, refine.hpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "f1tune/common.hpp"
#include "f1tune/float_keys.hpp"
#include "f1tune/gather.hpp"
#include "f1tune/histogram.hpp"
#include "f1tune/linear_buckets.hpp"
#include "f1tune/objective.hpp"
#include "f1tune/parallel.hpp"
#include "f1tune/refine.hpp"
#include "f1tune/tune_common.hpp"
#include "f1tune/tune_micro.hpp"

namespace f1tune {

// Scores to nb buckets linearly over [lo, hi] (clamped at both ends), in the scores' type: the
// same arithmetic as BucketMap (bucket_map.hpp), so nb == kTopBuckets can use build_histograms.
template <class S>
struct FixedMap {
    S lo = 0, scale = 1, top = 0;
    index_t nb = 0;
    index_t bucket(S v) const { return linear_bucket(v, lo, scale, top); }
    // The smallest finite S whose bucket is >= b (b >= 1): `s >= edge(b)` selects buckets >= b.
    S edge(index_t b) const {
        using K = key_of_t<S>;
        K lo_k = to_key(-std::numeric_limits<S>::max()), hi_k = to_key(std::numeric_limits<S>::max());
        if (bucket(from_key<S>(hi_k)) < b) return std::numeric_limits<S>::infinity();  // no finite score gets there
        while (lo_k < hi_k) {
            const K mid = lo_k + (hi_k - lo_k) / 2;
            if (bucket(from_key<S>(mid)) >= b) hi_k = mid;
            else lo_k = mid + 1;
        }
        return from_key<S>(lo_k);
    }
};

template <class S>
FixedMap<S> fixed_map(double lo, double hi, index_t nb) {
    FixedMap<S> m;
    m.lo = static_cast<S>(lo);
    m.scale = scale_for_span<S>(static_cast<double>(static_cast<S>(lo)), static_cast<double>(static_cast<S>(hi)),
                                static_cast<double>(nb));
    m.top = static_cast<S>(nb - 1);
    m.nb = nb;
    return m;
}

// A state's histograms: pos and tot of shape (L, nb), plus per-label min and max score.
struct TunerHistograms {
    std::vector<count_t> pos, tot;
    std::vector<double> min_score, max_score;
    InputFlags flags;
};

// One batch's histograms under a fixed map (build_histograms when nb == kTopBuckets).
template <class S, class Y>
TunerHistograms fixed_histograms(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, const FixedMap<S>& m,
                                 int n_threads, bool extremes = true) {
    const index_t L = s.cols, n = s.rows, NB = m.nb;
    TunerHistograms out;
    const int workers = choose_threads(n_threads, n * L, L);
    if (NB == kTopBuckets) {
        BucketMap<S> b;
        b.lo = m.lo;
        b.scale = m.scale;
        Histograms h = build_histograms(y, s, std::vector<BucketMap<S>>(static_cast<std::size_t>(L), b), n_threads);
        out.pos = std::move(h.pos);
        out.tot = std::move(h.tot);
        out.flags = h.flags;
    } else {
        out.pos.assign(static_cast<std::size_t>(L * NB), 0);
        out.tot.assign(static_cast<std::size_t>(L * NB), 0);
        std::vector<InputFlags> fl(static_cast<std::size_t>(std::max(1, workers)));
        parallel_for(L, workers, [&](int t, index_t b, index_t e) {
            unsigned bl = 0, bs = 0;
            for (index_t l = b; l < e; ++l) {
                count_t* p = out.pos.data() + l * NB;
                count_t* c = out.tot.data() + l * NB;
                for (index_t i = 0; i < n; ++i) {
                    const S v = s(i, l);
                    const Y lab = y(i, l);
                    bl |= static_cast<unsigned>(is_bad_label(lab));
                    bs |= static_cast<unsigned>(is_bad_score(v));
                    const index_t k = m.bucket(v);
                    c[k] += 1;
                    p[k] += static_cast<count_t>(lab) & 1;
                }
            }
            fl[static_cast<std::size_t>(t)].add(bl, bs);
        });
        for (const auto& f : fl) out.flags.merge(f);
    }
    if (out.flags.bad_label || out.flags.bad_score || !extremes) return out;
    // Per-label extremes (for "predict none" / "predict all" thresholds in bounded mode), read in
    // the layout's order: row by row (a vectorized loop over the labels) or label by label.
    struct Extremes {
        std::vector<S> lo, hi;
    };
    const bool by_row = read_by_row(y, s);
    const Extremes ex = accumulate_then_merge(
        by_row ? n : L, choose_threads(n_threads, n * L, by_row ? n : L),
        [&] {
            return Extremes{std::vector<S>(static_cast<std::size_t>(L), std::numeric_limits<S>::infinity()),
                            std::vector<S>(static_cast<std::size_t>(L), -std::numeric_limits<S>::infinity())};
        },
        [&](Extremes& x, index_t b, index_t e) {
            S* __restrict lo = x.lo.data();
            S* __restrict hi = x.hi.data();
            if (by_row) {
                for (index_t i = b; i < e; ++i) {
                    const S* __restrict row = s.data + i * s.row_stride;
                    for (index_t l = 0; l < L; ++l) {
                        lo[l] = row[l] < lo[l] ? row[l] : lo[l];
                        hi[l] = row[l] > hi[l] ? row[l] : hi[l];
                    }
                }
            } else {
                // Per label in registers (min/max through memory made a chain of store-to-load
                // forwarding: ~5x the histogram pass on Fortran-order input); contiguous
                // columns get a loop of their own, which vectorizes.
                for (index_t l = b; l < e; ++l) {
                    const S* __restrict col = s.data + l * s.col_stride;
                    S mn = lo[l], mx = hi[l];
                    if (s.row_stride == 1) {
                        for (index_t i = 0; i < n; ++i) {
                            mn = col[i] < mn ? col[i] : mn;
                            mx = col[i] > mx ? col[i] : mx;
                        }
                    } else {
                        for (index_t i = 0; i < n; ++i) {
                            const S v = col[i * s.row_stride];
                            mn = v < mn ? v : mn;
                            mx = v > mx ? v : mx;
                        }
                    }
                    lo[l] = mn;
                    hi[l] = mx;
                }
            }
        },
        [&](Extremes& total, const Extremes& x) {
            for (index_t l = 0; l < L; ++l) {
                const auto u = static_cast<std::size_t>(l);
                total.lo[u] = std::min(total.lo[u], x.lo[u]);
                total.hi[u] = std::max(total.hi[u], x.hi[u]);
            }
        });
    out.min_score.assign(ex.lo.begin(), ex.lo.end());
    out.max_score.assign(ex.hi.begin(), ex.hi.end());
    return out;
}

// Per label, the (key, label) pairs of one shard whose bucket lies in ranges[l] (same map as the
// histograms). Checks every value on the way.
template <class S, class Y>
std::vector<Buffer<key_of_t<S>>> gather_fixed(const StridedMatrix<Y>& y, const StridedMatrix<S>& s,
                                              const FixedMap<S>& m, const std::vector<BucketRange>& ranges,
                                              int n_threads, InputFlags& flags) {
    using K = key_of_t<S>;
    const index_t L = s.cols, n = s.rows;
    if (gathers_with_avx2(y, s)) {  // one-shot tuning's gather kernels, checking values on the way
        BucketMap<S> b;
        b.lo = m.lo;
        b.scale = m.scale;
        b.n_buckets = m.nb;
        return collect_ranges(y, s, std::vector<BucketMap<S>>(static_cast<std::size_t>(L), b), ranges, false,
                              n_threads, &flags);
    }
    if (read_by_row(y, s)) {
        // Row-major: rows split among workers, each with its own buffers (merged in order).
        struct Part {
            std::vector<Buffer<K>> bufs;
            unsigned bl = 0, bs = 0;
        };
        Part all = accumulate_then_merge(
            n, choose_threads(n_threads, n * L, n), [&] { return Part{std::vector<Buffer<K>>(static_cast<std::size_t>(L))}; },
            [&](Part& p, index_t b, index_t e) {
                unsigned bl = 0, bs = 0;
                for (index_t i = b; i < e; ++i) {
                    const S* __restrict srow = s.data + i * s.row_stride;
                    const Y* __restrict yrow = y.data + i * y.row_stride;
                    for (index_t l = 0; l < L; ++l) {
                        const S v = srow[l];
                        const Y lab = yrow[l];
                        bl |= static_cast<unsigned>(is_bad_label(lab));
                        bs |= static_cast<unsigned>(is_bad_score(v));
                        const index_t k = m.bucket(v);
                        const BucketRange& r = ranges[static_cast<std::size_t>(l)];
                        if (k >= r.lo && k <= r.hi) {
                            Buffer<K>& out = p.bufs[static_cast<std::size_t>(l)];
                            out.keys.push_back(to_key(v));
                            out.ys.push_back(static_cast<std::uint8_t>(static_cast<count_t>(lab) & 1));
                        }
                    }
                }
                p.bl |= bl;
                p.bs |= bs;
            },
            [](Part& total, const Part& p) {
                for (std::size_t u = 0; u < p.bufs.size(); ++u) total.bufs[u].append(p.bufs[u]);
                total.bl |= p.bl;
                total.bs |= p.bs;
            });
        flags.add(all.bl, all.bs);
        return std::move(all.bufs);
    }
    std::vector<Buffer<K>> bufs(static_cast<std::size_t>(L));
    const int workers = choose_threads(n_threads, n * L, L);
    std::vector<InputFlags> fl(static_cast<std::size_t>(std::max(1, workers)));
    parallel_for(L, workers, [&](int t, index_t b, index_t e) {
        unsigned bl = 0, bs = 0;
        for (index_t l = b; l < e; ++l) {
            const BucketRange r = ranges[static_cast<std::size_t>(l)];
            Buffer<K>& out = bufs[static_cast<std::size_t>(l)];
            for (index_t i = 0; i < n; ++i) {
                const S v = s(i, l);
                const Y lab = y(i, l);
                bl |= static_cast<unsigned>(is_bad_label(lab));
                bs |= static_cast<unsigned>(is_bad_score(v));
                const index_t k = m.bucket(v);
                if (k >= r.lo && k <= r.hi) {
                    out.keys.push_back(to_key(v));
                    out.ys.push_back(static_cast<std::uint8_t>(static_cast<count_t>(lab) & 1));
                }
            }
        }
        fl[static_cast<std::size_t>(t)].add(bl, bs);
    });
    for (const auto& f : fl) flags.merge(f);
    return bufs;
}

// A read-only view of a state's histograms: pos and tot of shape (L, nb).
struct HistView {
    const count_t* pos = nullptr;
    const count_t* tot = nullptr;
    index_t L = 0, nb = 0;
    const count_t* pos_of(index_t l) const { return pos + l * nb; }
    const count_t* tot_of(index_t l) const { return tot + l * nb; }
    count_t positives(index_t l) const {
        count_t p = 0;
        for (index_t b = 0; b < nb; ++b) p += pos_of(l)[b];
        return p;
    }
    count_t rows(index_t l) const {
        count_t p = 0;
        for (index_t b = 0; b < nb; ++b) p += tot_of(l)[b];
        return p;
    }
    // Counts of the buckets above b.
    void above(index_t l, index_t b, count_t& tp, count_t& pp) const {
        tp = pp = 0;
        for (index_t k = nb - 1; k > b; --k) {
            tp += pos_of(l)[k];
            pp += tot_of(l)[k];
        }
    }
    // All labels pooled (one shared map).
    void pooled(std::vector<count_t>& p, std::vector<count_t>& t) const {
        p.assign(static_cast<std::size_t>(nb), 0);
        t.assign(static_cast<std::size_t>(nb), 0);
        for (index_t l = 0; l < L; ++l)
            for (index_t b = 0; b < nb; ++b) {
                p[static_cast<std::size_t>(b)] += pos_of(l)[b];
                t[static_cast<std::size_t>(b)] += tot_of(l)[b];
            }
    }
};

enum class TuneKind { per_label = 0, micro = 1, global = 2 };

namespace detail {

// Micro Dinkelbach on the histograms (edges, or with Corners also each bucket's
// all-positives-first corner), as histogram_dinkelbach in tune_micro.hpp (sharing its per-label
// best_histogram_cut) but for any nb, keeping each label's cut. Returns
// the converged lambda and, per label, the chosen cut counts.
template <bool Corners>
MicroLevel fixed_dinkelbach(const HistView& h, const Beta2& b2, count_t Pc, std::vector<count_t>* tp_out = nullptr,
                            std::vector<count_t>* pp_out = nullptr) {
    const double beta2 = b2.value, P = static_cast<double>(Pc);
    MicroLevel level;  // level.value is lambda
    std::vector<count_t> ctp(static_cast<std::size_t>(h.L)), cpp(static_cast<std::size_t>(h.L));
    std::vector<count_t> btp_all = ctp, bpp_all = cpp;
    for (int it = 0; it < 200; ++it) {
        const LinearObjective obj = linear_at(b2, level.value);
        count_t TP = 0, PP = 0;
        for (index_t l = 0; l < h.L; ++l) {
            const HistogramCut cut = best_histogram_cut<Corners>(h.pos_of(l), h.tot_of(l), h.nb, obj);
            ctp[static_cast<std::size_t>(l)] = cut.tp;
            cpp[static_cast<std::size_t>(l)] = cut.pp;
            TP += cut.tp;
            PP += cut.pp;
        }
        const double next = micro_value(TP, PP, beta2, P);
        if (it == 0 || next > level.value) {
            btp_all = ctp;
            bpp_all = cpp;
        }
        if (!(next > level.value)) break;
        level = {TP, PP, next};
    }
    if (tp_out) *tp_out = btp_all;
    if (pp_out) *pp_out = bpp_all;
    return level;
}

inline BucketRange join(const BucketRange& a, const BucketRange& b) {
    if (a.empty()) return b;
    if (b.empty()) return a;
    return {std::min(a.lo, b.lo), std::max(a.hi, b.hi)};
}

inline count_t total_positives(const HistView& h) {
    count_t P = 0;
    for (index_t l = 0; l < h.L; ++l) P += h.positives(l);
    return P;
}

}  // namespace detail

// Pass two's plan: the bucket ranges to gather per label for `kind`.
inline std::vector<BucketRange> plan_ranges(const HistView& h, TuneKind kind, const Beta2& beta2, double zero_division) {
    const index_t L = h.L;
    std::vector<BucketRange> out(static_cast<std::size_t>(L));
    const count_t P = detail::total_positives(h);
    if (kind == TuneKind::global) {
        std::vector<count_t> p, t;
        h.pooled(p, t);
        const FbetaObjective obj{beta2, P, zero_division};
        const BucketRange r = select_region(p.data(), t.data(), h.nb, 0, 0, obj).range;
        std::fill(out.begin(), out.end(), r);
        return out;
    }
    if (kind == TuneKind::micro && P > 0) {
        const double lo = detail::fixed_dinkelbach<false>(h, beta2, P).value;
        const double hi = std::max(lo, detail::fixed_dinkelbach<true>(h, beta2, P).value);
        for (int k = 0; k <= 8; ++k) {
            const LinearObjective obj = detail::linear_at(beta2, lo + (hi - lo) * k / 8.0);
            for (index_t l = 0; l < L; ++l) {
                const count_t pl = h.positives(l);
                const auto o = obj.for_label(pl, h.rows(l) - pl);
                out[static_cast<std::size_t>(l)] = detail::join(
                    out[static_cast<std::size_t>(l)], select_region(h.pos_of(l), h.tot_of(l), h.nb, 0, 0, o).range);
            }
        }
        return out;
    }
    for (index_t l = 0; l < L; ++l) {
        const FbetaObjective obj{beta2, h.positives(l), zero_division};
        out[static_cast<std::size_t>(l)] = select_region(h.pos_of(l), h.tot_of(l), h.nb, 0, 0, obj).range;
    }
    return out;
}

// The exact finish from merged gathers (`have[l]`: the range gathered for label l, `bufs[l]`:
// exactly its elements). Fills `out` (thresholds, tp, pp, pos) and returns true, or returns false
// with `need` set: the ranges to gather (have joined with what a micro step asks for).
template <class S>
bool finish_from_gathers(const HistView& h, const FixedMap<S>& m, TuneKind kind, const Beta2& beta2, double zero_division,
                         const std::vector<BucketRange>& have, const std::vector<Buffer<key_of_t<S>>>& bufs,
                         TuneResult& out, std::vector<BucketRange>& need) {
    using K = key_of_t<S>;
    const index_t L = h.L;
    out.pos.assign(static_cast<std::size_t>(L), 0);
    for (index_t l = 0; l < L; ++l) out.pos[static_cast<std::size_t>(l)] = h.positives(l);
    count_t P = 0;
    for (count_t p : out.pos) P += p;
    out.resize_cuts(L);
    auto above_have = [&](index_t l, count_t& tp0, count_t& pp0) {
        h.above(l, have[static_cast<std::size_t>(l)].empty() ? -1 : have[static_cast<std::size_t>(l)].hi, tp0, pp0);
    };
    auto missing = [&](const std::vector<BucketRange>& want) {
        bool miss = false;
        need = have;
        for (std::size_t u = 0; u < want.size(); ++u)
            if (!have[u].contains(want[u])) {
                need[u] = detail::join(have[u], want[u]);
                miss = true;
            }
        return miss;
    };
    if (kind == TuneKind::global) {
        std::vector<count_t> p, t;
        h.pooled(p, t);
        const FbetaObjective obj{beta2, P, zero_division};
        const Region g = select_region(p.data(), t.data(), h.nb, 0, 0, obj);
        if (missing(std::vector<BucketRange>(static_cast<std::size_t>(L), g.range))) return false;
        // Pool the labels' elements of the region (have may be wider: keep the region's buckets).
        Buffer<K> pool;
        for (const auto& b : bufs)
            for (std::size_t i = 0; i < b.keys.size(); ++i) {
                const index_t k = m.bucket(from_key<S>(b.keys[i]));
                if (k >= g.range.lo && k <= g.range.hi) {
                    pool.keys.push_back(b.keys[i]);
                    pool.ys.push_back(b.ys[i]);
                }
            }
        const double thr = place_threshold<S>(solve_buffer(pool, g.tp_above, g.pp_above, obj));
        // Per-label counts at the shared threshold: the histogram above the gathered range, and
        // the gathered elements at or above the threshold (everything below the range is below it).
        for (index_t l = 0; l < L; ++l) {
            const auto u = static_cast<std::size_t>(l);
            count_t tp0 = 0, pp0 = 0;
            above_have(l, tp0, pp0);
            const auto& b = bufs[u];
            for (std::size_t i = 0; i < b.keys.size(); ++i)
                if (static_cast<double>(from_key<S>(b.keys[i])) >= thr) {
                    tp0 += b.ys[i];
                    pp0 += 1;
                }
            out.thresholds[u] = thr;
            out.tp[u] = tp0;
            out.pp[u] = pp0;
        }
        return true;
    }
    if (kind == TuneKind::micro && P > 0) {
        // tune_micro's iteration, asking for buckets instead of reading the data.
        auto label_obj = [&](const LinearObjective& o, index_t l) {
            const auto u = static_cast<std::size_t>(l);
            return o.for_label(out.pos[u], h.rows(l) - out.pos[u]);
        };
        auto solve = [&](const LinearObjective& obj, std::vector<Cut<K>>& cuts) {
            for (index_t l = 0; l < L; ++l) {
                const auto u = static_cast<std::size_t>(l);
                count_t tp0 = 0, pp0 = 0;
                above_have(l, tp0, pp0);
                cuts[u] = solve_buffer_kept(bufs[u], tp0, pp0, label_obj(obj, l));
            }
        };
        std::vector<Cut<K>> best_cuts;
        if (!detail::micro_dinkelbach<K>(h, L, beta2, P, zero_division, detail::fixed_dinkelbach<false>(h, beta2, P), label_obj,
                                         [&](const std::vector<BucketRange>& w) { return !missing(w); }, solve,
                                         best_cuts))
            return false;
        for (std::size_t u = 0; u < best_cuts.size(); ++u) record_cut<S>(out, u, best_cuts[u]);
        return true;
    }
    std::vector<Region> regions(static_cast<std::size_t>(L));
    std::vector<BucketRange> want(static_cast<std::size_t>(L));
    std::vector<FbetaObjective> objs(static_cast<std::size_t>(L));
    for (index_t l = 0; l < L; ++l) {
        const auto u = static_cast<std::size_t>(l);
        objs[u] = {beta2, out.pos[u], zero_division};
        regions[u] = select_region(h.pos_of(l), h.tot_of(l), h.nb, 0, 0, objs[u]);
        want[u] = regions[u].range;
    }
    if (missing(want)) return false;
    for (index_t l = 0; l < L; ++l) {
        const auto u = static_cast<std::size_t>(l);
        count_t tp0 = 0, pp0 = 0;
        above_have(l, tp0, pp0);
        record_cut<S>(out, u, solve_buffer_kept(bufs[u], tp0, pp0, objs[u]));
    }
    return true;
}

// Bounded mode: the best bucket edges (thresholds at bucket edges, exact counts on the data
// seen) and a certified upper bound on the exact optimum: per label for per-label kinds (upper
// has L entries), the micro / pooled optimum otherwise (upper has one entry).
template <class S>
void bounded_tune(const HistView& h, const FixedMap<S>& m, TuneKind kind, const Beta2& beta2, double zero_division,
                  const double* min_score, const double* max_score, TuneResult& out, std::vector<double>& upper) {
    const index_t L = h.L, NB = h.nb;
    out.pos.assign(static_cast<std::size_t>(L), 0);
    for (index_t l = 0; l < L; ++l) out.pos[static_cast<std::size_t>(l)] = h.positives(l);
    count_t P = 0;
    for (count_t p : out.pos) P += p;
    out.resize_cuts(L);
    // The threshold predicting exactly the buckets >= e of a histogram with `rows` elements
    // (e == NB: none; scores lo..hi).
    auto edge_threshold = [&](index_t e, count_t pp, count_t rows, double lo, double hi) {
        if (pp == 0) return threshold_above(static_cast<S>(hi));
        if (pp == rows) return threshold_below(static_cast<S>(lo));
        return static_cast<double>(m.edge(e));
    };
    // Best edge (highest among equals) and the best corner-or-edge value of one histogram.
    auto best_edge = [&](const count_t* pos, const count_t* tot, const FbetaObjective& obj, index_t& e,
                         count_t& btp, count_t& bpp, double& up) {
        e = NB;
        btp = bpp = 0;
        double best = obj(0, 0);
        up = best;
        count_t tp = 0, pp = 0;
        for (index_t b = NB - 1; b >= 0; --b) {
            if (tot[b] == 0) continue;
            up = std::max(up, obj(tp + pos[b], pp + pos[b]));
            tp += pos[b];
            pp += tot[b];
            const double v = obj(tp, pp);
            up = std::max(up, v);
            if (obj.compare({v, tp, pp}, {best, btp, bpp}) > 0) {
                best = v;
                e = b;
                btp = tp;
                bpp = pp;
            }
        }
    };
    if (kind == TuneKind::global) {
        std::vector<count_t> p, t;
        h.pooled(p, t);
        const FbetaObjective obj{beta2, P, zero_division};
        index_t e;
        count_t btp, bpp, rows = 0;
        for (count_t c : t) rows += c;
        double up;
        best_edge(p.data(), t.data(), obj, e, btp, bpp, up);
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (index_t l = 0; l < L; ++l) {
            lo = std::min(lo, min_score[l]);
            hi = std::max(hi, max_score[l]);
        }
        const double thr = edge_threshold(e, bpp, rows, lo, hi);
        for (index_t l = 0; l < L; ++l) {
            const auto u = static_cast<std::size_t>(l);
            h.above(l, e - 1, out.tp[u], out.pp[u]);
            out.thresholds[u] = thr;
        }
        upper.assign(1, up);
        return;
    }
    if (kind == TuneKind::micro && P > 0) {
        const double Pd = static_cast<double>(P);
        std::vector<count_t> tp, pp;
        detail::fixed_dinkelbach<false>(h, beta2, P, &tp, &pp);
        const double up = detail::fixed_dinkelbach<true>(h, beta2, P).value;
        for (index_t l = 0; l < L; ++l) {
            const auto u = static_cast<std::size_t>(l);
            // The bucket whose lower edge gives the chosen counts.
            index_t e = NB;
            count_t c = 0;
            for (index_t b = NB - 1; b >= 0 && c < pp[u]; --b) {
                c += h.tot_of(l)[b];
                e = b;
            }
            out.thresholds[u] = edge_threshold(e, pp[u], h.rows(l), min_score[l], max_score[l]);
            out.tp[u] = tp[u];
            out.pp[u] = pp[u];
        }
        upper.assign(1, std::max(up, detail::micro_value(std::accumulate(tp.begin(), tp.end(), count_t{0}),
                                                         std::accumulate(pp.begin(), pp.end(), count_t{0}), beta2.value, Pd)));
        return;
    }
    upper.assign(static_cast<std::size_t>(L), 0.0);
    for (index_t l = 0; l < L; ++l) {
        const auto u = static_cast<std::size_t>(l);
        const FbetaObjective obj{beta2, out.pos[u], zero_division};
        index_t e;
        count_t btp, bpp;
        best_edge(h.pos_of(l), h.tot_of(l), obj, e, btp, bpp, upper[u]);
        out.thresholds[u] = edge_threshold(e, bpp, h.rows(l), min_score[l], max_score[l]);
        out.tp[u] = btp;
        out.pp[u] = bpp;
    }
}

}  // namespace f1tune
