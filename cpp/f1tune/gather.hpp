// Pass two of the histogram-then-refine search: per label, the (key, label) pairs whose bucket
// lies in a range (keys: float_keys.hpp), gathered for the in-memory search (refine.hpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "f1tune/bucket_map.hpp"
#include "f1tune/common.hpp"
#include "f1tune/float_keys.hpp"
#include "f1tune/gather_avx2.hpp"
#include "f1tune/parallel.hpp"

namespace f1tune {

// Scores and labels gathered for an in-memory search.
template <class K>
struct Buffer {
    std::vector<K> keys;
    std::vector<std::uint8_t> ys;
    void append(const Buffer& o) {
        keys.insert(keys.end(), o.keys.begin(), o.keys.end());
        ys.insert(ys.end(), o.ys.begin(), o.ys.end());
    }
};

// Every label's gathered pairs in one allocation: label l's at [start[l], start[l + 1]) (many
// labels: one vector pair per label cost more than the gather itself at 100,000 labels).
template <class K>
struct Gathered {
    std::vector<K> keys;
    std::vector<std::uint8_t> ys;
    std::vector<std::size_t> start;  // (labels + 1)
    std::size_t size(std::size_t l) const { return start[l + 1] - start[l]; }
};

// Bucket range [lo, hi] (inclusive) to gather for one label; empty when hi < lo.
struct BucketRange {
    index_t lo = 0, hi = -1;
    bool empty() const { return hi < lo; }
    bool contains(const BucketRange& o) const { return o.empty() || (!empty() && lo <= o.lo && o.hi <= hi); }
};

namespace detail {

// The scores whose bucket lies in [first, last] under a monotone map: the closed interval
// [lo, hi] of S values (bucket() is non-decreasing in the score, so the set is an interval),
// found by bisection on the order-preserving keys. An empty range gives lo = +inf > hi = -inf.
// Lets the gather test two comparisons per element instead of recomputing buckets. (Scores
// are finite here: pass one rejected NaN and infinities.)
template <class S, class Bucket, class Start>
void value_bounds(const Bucket& bucket, const Start& start, std::int32_t first, std::int32_t last, std::int32_t top,
                  S& lo, S& hi) {
    using K = key_of_t<S>;
    constexpr S inf = std::numeric_limits<S>::infinity();
    if (first > last || first > top || last < 0) {
        lo = inf;
        hi = -inf;
        return;
    }
    // The smallest finite key whose bucket is >= b (b in [1, top]): a few steps from where the
    // bucket starts (`start(b)`, the inverse map's estimate), else a bisection over all keys.
    auto lowest_at_least = [&](std::int32_t b) {
        const K lowest = to_key(-std::numeric_limits<S>::max()), highest = to_key(std::numeric_limits<S>::max());
        const S guess = start(b);
        if (!is_bad_score(guess)) {
            K k = to_key(guess);
            for (int step = 0; step < 64; ++step) {
                const bool at_least = bucket(from_key<S>(k)) >= b;
                if (at_least && (k == lowest || bucket(from_key<S>(static_cast<K>(k - 1))) < b)) return k;
                if (at_least) --k;
                else if (k == highest) break;
                else ++k;
            }
        }
        // No finite score reaches bucket b (a map whose span overflowed, or a top bucket below
        // b): the key after the largest finite one (+inf), so that `hi` keeps the largest scores.
        if (bucket(from_key<S>(highest)) < b) return static_cast<K>(highest + 1);
        K a = lowest, z = highest;
        while (a < z) {
            const K mid = a + (z - a) / 2;
            if (bucket(from_key<S>(mid)) >= b) z = mid;
            else a = mid + 1;
        }
        return a;
    };
    lo = first <= 0 ? -inf : from_key<S>(lowest_at_least(first));
    hi = last >= top ? inf : from_key<S>(static_cast<K>(lowest_at_least(last + 1) - 1));
}

// Where hits land: per-label buffers, or one Gathered (sized from the per-label totals first).
inline void size_outputs(std::vector<Buffer<std::uint32_t>>& out, const std::vector<std::size_t>& totals) {
    out.resize(totals.size());
    for (std::size_t l = 0; l < totals.size(); ++l) {
        out[l].keys.resize(totals[l]);
        out[l].ys.resize(totals[l]);
    }
}
inline void size_outputs(Gathered<std::uint32_t>& out, const std::vector<std::size_t>& totals) {
    out.start.assign(totals.size() + 1, 0);
    for (std::size_t l = 0; l < totals.size(); ++l) out.start[l + 1] = out.start[l] + totals[l];
    out.keys.resize(out.start.back());
    out.ys.resize(out.start.back());
}
inline void put(std::vector<Buffer<std::uint32_t>>& out, std::size_t l, std::size_t k, std::uint32_t key,
                std::uint8_t y) {
    out[l].keys[k] = key;
    out[l].ys[k] = y;
}
inline void put(Gathered<std::uint32_t>& out, std::size_t l, std::size_t k, std::uint32_t key, std::uint8_t y) {
    out.keys[out.start[l] + k] = key;
    out.ys[out.start[l] + k] = y;
}

#if F1TUNE_HAVE_COUNT_AVX2
// collect_ranges of float32 scores with one-byte labels through the AVX2 kernels: each worker
// appends the hits of its rows (gather_hits(hits, begin, end), gather_avx2.hpp), then moves them
// to their labels' places (Out: per-label buffers or one Gathered) at offsets counted beforehand
// (per label, rows in order, as the other paths give them).
template <class Out, class GatherHits>
Out place_hits(index_t n, index_t L, bool pooled, int workers, InputFlags* checks, GatherHits&& gather_hits) {
    const std::size_t n_out = pooled ? 1 : static_cast<std::size_t>(L);
    const auto W = static_cast<std::size_t>(workers);
    std::vector<gather_avx2::Hits> hits(W);
    std::vector<std::vector<std::size_t>> at(W, std::vector<std::size_t>(n_out, 0));  // counts, then offsets
    parallel_for(n, workers, [&](int w, index_t b, index_t e) {
        gather_avx2::Hits& h = hits[static_cast<std::size_t>(w)];
        h.reserve_more(static_cast<std::size_t>((e - b) * L / 32 + L + 8));
        gather_hits(h, b, e);
        std::vector<std::size_t>& c = at[static_cast<std::size_t>(w)];
        if (pooled) c[0] = h.n;
        else
            for (std::size_t i = 0; i < h.n; ++i) ++c[h.tags[i] >> 1];
    });
    if (checks != nullptr)
        for (const auto& h : hits) checks->add(h.bad_label, h.bad_score);
    std::vector<std::size_t> totals(n_out, 0);
    for (std::size_t l = 0; l < n_out; ++l)
        for (std::size_t w = 0; w < W; ++w) {
            const std::size_t here = at[w][l];
            at[w][l] = totals[l];
            totals[l] += here;
        }
    Out out;
    size_outputs(out, totals);
    parallel_for(static_cast<index_t>(W), workers, [&](int, index_t wb, index_t we) {
        for (auto w = static_cast<std::size_t>(wb); w < static_cast<std::size_t>(we); ++w) {
            const gather_avx2::Hits& h = hits[w];
            std::vector<std::size_t>& pos = at[w];
            for (std::size_t i = 0; i < h.n; ++i) {
                const std::uint32_t tag = h.tags[i];
                const std::size_t l = pooled ? 0 : tag >> 1;
                put(out, l, pos[l]++, to_key(h.scores[i]), static_cast<std::uint8_t>(tag & 1u));
            }
        }
    });
    return out;
}
#endif

}  // namespace detail

// Whether collect_ranges reads this input with the AVX2 kernels (float32 scores, one-byte
// labels, row-major or contiguous columns, an AVX2 CPU): only they honour `checks`.
template <class S, class Y>
bool gathers_with_avx2(const StridedMatrix<Y>& y, const StridedMatrix<S>& s) {
#if F1TUNE_HAVE_COUNT_AVX2
    if constexpr (std::is_same_v<S, float> && sizeof(Y) == 1) {
        const bool columns = s.rows_contiguous() && y.rows_contiguous();
        return (read_by_row(y, s) || columns) && count_avx2::available() && s.cols < (index_t{1} << 30);
    }
#endif
    (void)y, (void)s;
    return false;
}

namespace detail {

// collect_ranges into Out: per-label buffers, or one Gathered.
template <class Out, class S, class Y>
Out collect_into(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, const std::vector<BucketMap<S>>& maps,
                 const std::vector<BucketRange>& ranges, bool pooled, int n_threads, InputFlags* checks) {
    using K = key_of_t<S>;
    const index_t n = s.rows, L = s.cols;
    const index_t n_out = pooled ? 1 : L;
    const int workers = choose_threads(n_threads, n * L, n);
    // Row-major input: which elements of a row are in range is a vectorizable loop; the rare
    // appends follow. (Empty ranges get lo > any bucket, so nothing of theirs is ever in range.)
    std::vector<S> lo(static_cast<std::size_t>(L)), scale(static_cast<std::size_t>(L));
    std::vector<std::int32_t> first(static_cast<std::size_t>(L)), last(static_cast<std::size_t>(L));
    for (std::size_t l = 0; l < lo.size(); ++l) {
        lo[l] = maps[l].lo;
        scale[l] = maps[l].scale;
        first[l] = ranges[l].empty() ? std::int32_t{1 << 30} : static_cast<std::int32_t>(ranges[l].lo);
        last[l] = ranges[l].empty() ? std::int32_t{-1} : static_cast<std::int32_t>(ranges[l].hi);
    }
    const bool by_row = read_by_row(y, s);
    const S top = maps.empty() ? S(0) : maps[0].top();  // every map has the same bucket count
    // Row-major: per label, the closed interval of scores whose bucket is in range.
    std::vector<S> vlo, vhi;
    auto bounds_of_ranges = [&](std::vector<S>& a, std::vector<S>& b) {
        a.resize(lo.size());
        b.resize(lo.size());
        for (std::size_t l = 0; l < lo.size(); ++l)
            detail::value_bounds<S>([&](S v) { return linear_bucket(v, lo[l], scale[l], top); },
                                    [&](std::int32_t k) { return static_cast<S>(lo[l] + static_cast<S>(k) / scale[l]); },
                                    first[l], last[l], static_cast<std::int32_t>(top), a[l], b[l]);
    };
    if (by_row) bounds_of_ranges(vlo, vhi);
#if F1TUNE_HAVE_COUNT_AVX2
    if constexpr (std::is_same_v<S, float> && sizeof(Y) == 1) {
        if (gathers_with_avx2(y, s)) {
            if (!by_row) bounds_of_ranges(vlo, vhi);
            // With `checks`, each block of rows is checked right after it is gathered (in cache).
            constexpr index_t kCheckBytes = index_t{1} << 16;
            if (by_row && s.row_stride == L && y.row_stride == L) {
                const gather_avx2::FlatBounds fb(vlo.data(), vhi.data(), L);
                const index_t block = std::max<index_t>(1, kCheckBytes / (5 * L));
                return detail::place_hits<Out>(n, L, pooled, workers, checks, [&](gather_avx2::Hits& h, index_t b, index_t e) {
                    for (index_t r = b; r < e; r += block) {
                        const index_t re = std::min(e, r + block);
                        gather_avx2::gather_flat(y.data, s.data, L, fb, r, re, h);
                        if (checks != nullptr) gather_avx2::check_values(s.data + r * L, y.data + r * L, (re - r) * L, h);
                    }
                });
            }
            if (by_row)
                return detail::place_hits<Out>(n, L, pooled, workers, checks, [&](gather_avx2::Hits& h, index_t b, index_t e) {
                    gather_avx2::gather_rows(y.data, y.row_stride, s.data, s.row_stride, L, vlo.data(), vhi.data(), b,
                                             e, h);
                    if (checks != nullptr)
                        for (index_t r = b; r < e; ++r)
                            gather_avx2::check_values(s.data + r * s.row_stride, y.data + r * y.row_stride, L, h);
                });
            // Contiguous columns (Fortran order): label by label over blocks of rows.
            const index_t R = detail::block_rows<S, Y>(s);
            return detail::place_hits<Out>(n, L, pooled, workers, checks, [&](gather_avx2::Hits& h, index_t b, index_t e) {
                for (index_t rb = b; rb < e; rb += R)
                    for (index_t l = 0; l < L; ++l) {
                        const auto u = static_cast<std::size_t>(l);
                        const Y* yc = y.data + l * y.col_stride + rb;
                        const float* sc = s.data + l * s.col_stride + rb;
                        const index_t m = std::min(e, rb + R) - rb;
                        if (!ranges[u].empty()) gather_avx2::gather_column(yc, sc, m, vlo[u], vhi[u], l, h);
                        if (checks != nullptr) gather_avx2::check_values(sc, yc, m, h);
                    }
            });
        }
    }
#endif
    auto gather_rows = [&](std::vector<Buffer<K>>& bufs, index_t b0, index_t e0) {
        if (by_row) {
            // Which elements of a row are in range: a vectorized loop writing one byte per label;
            // the few hits are then found eight labels at a time. Many labels go in groups (all
            // rows of one group, then the next), so that a group's bounds stay in L1.
            const index_t G = std::min<index_t>(L, 2048);
            const index_t words = (G + 7) / 8;
            std::vector<std::uint8_t> hit(static_cast<std::size_t>(words * 8), 0);
            std::uint8_t* __restrict h = hit.data();
            for (index_t l0 = 0; l0 < L; l0 += G) {
                const index_t n_lab = std::min(L, l0 + G) - l0, n_words = (n_lab + 7) / 8;
                std::fill(hit.begin(), hit.end(), std::uint8_t{0});
                const S* __restrict lo_ = vlo.data() + l0;
                const S* __restrict hi_ = vhi.data() + l0;
                for (index_t r = b0; r < e0; ++r) {
                    const S* __restrict srow = s.data + r * s.row_stride + l0;
                    for (index_t l = 0; l < n_lab; ++l)
                        h[l] = static_cast<std::uint8_t>((srow[l] >= lo_[l]) & (srow[l] <= hi_[l]));
                    const Y* yrow = y.data + r * y.row_stride + l0;
                    for (index_t w = 0; w < n_words; ++w) {
                        std::uint64_t m;
                        std::memcpy(&m, h + w * 8, 8);
                        while (m) {
                            const index_t l = w * 8 + static_cast<index_t>(__builtin_ctzll(m) >> 3);
                            m &= m - 1;
                            Buffer<K>& out = bufs[pooled ? 0 : static_cast<std::size_t>(l0 + l)];
                            out.keys.push_back(to_key(srow[l]));
                            out.ys.push_back(static_cast<std::uint8_t>(static_cast<index_t>(yrow[l]) & 1));
                        }
                    }
                }
            }
            return;
        }
        // Other layouts: label by label over blocks of rows, slots computed by a vectorized loop.
        const index_t R = detail::block_rows<S, Y>(s);
        std::vector<std::uint16_t> slot(static_cast<std::size_t>(R));
        unsigned bl = 0, bs = 0;
        for (index_t rb = b0; rb < e0; rb += R) {
            const index_t re = std::min(e0, rb + R);
            for (index_t l = 0; l < L; ++l) {
                const auto u = static_cast<std::size_t>(l);
                if (ranges[u].empty()) continue;
                const S* sc = s.data + l * s.col_stride + rb * s.row_stride;
                const Y* yc = y.data + l * y.col_stride + rb * y.row_stride;
                detail::column_slots(sc, yc, s.row_stride, y.row_stride, re - rb, lo[u], scale[u], top, slot.data(), bl,
                                     bs);
                Buffer<K>& out = bufs[pooled ? 0 : u];
                const std::int32_t f = first[u], e = last[u];
                const index_t ss = s.row_stride, m = re - rb;
                const std::uint16_t* sl = slot.data();
                for (index_t i = 0; i < m; ++i) {
                    const std::int32_t b = sl[i] >> 1;
                    if (b >= f && b <= e) {
                        out.keys.push_back(to_key(sc[i * ss]));
                        out.ys.push_back(static_cast<std::uint8_t>(sl[i] & 1));
                    }
                }
            }
        }
    };
    std::vector<Buffer<K>> bufs = accumulate_then_merge(
        n, workers, [&] { return std::vector<Buffer<K>>(static_cast<std::size_t>(n_out)); }, gather_rows,
        [](std::vector<Buffer<K>>& total, const std::vector<Buffer<K>>& part) {
            for (std::size_t i = 0; i < part.size(); ++i) total[i].append(part[i]);
        });
    if constexpr (std::is_same_v<Out, std::vector<Buffer<K>>>) {
        return bufs;
    } else {
        Out out;
        std::vector<std::size_t> totals(bufs.size());
        for (std::size_t l = 0; l < bufs.size(); ++l) totals[l] = bufs[l].keys.size();
        out.start.assign(totals.size() + 1, 0);
        for (std::size_t l = 0; l < totals.size(); ++l) out.start[l + 1] = out.start[l] + totals[l];
        out.keys.reserve(out.start.back());
        out.ys.reserve(out.start.back());
        for (const auto& b : bufs) {
            out.keys.insert(out.keys.end(), b.keys.begin(), b.keys.end());
            out.ys.insert(out.ys.end(), b.ys.begin(), b.ys.end());
        }
        return out;
    }
}

}  // namespace detail

// One pass gathering, per label, the pairs whose bucket lies in ranges[l]; `pooled` puts every
// label's pairs into one buffer (for the shared threshold). `checks` (AVX2 kernels only, see
// gathers_with_avx2): also check every value read, for shards that no histogram pass has
// checked, and record what was found there.
template <class S, class Y>
std::vector<Buffer<key_of_t<S>>> collect_ranges(const StridedMatrix<Y>& y, const StridedMatrix<S>& s,
                                                const std::vector<BucketMap<S>>& maps,
                                                const std::vector<BucketRange>& ranges, bool pooled,
                                                int n_threads, InputFlags* checks = nullptr) {
    return detail::collect_into<std::vector<Buffer<key_of_t<S>>>>(y, s, maps, ranges, pooled, n_threads, checks);
}

// collect_ranges into one Gathered (per label, not pooled).
template <class S, class Y>
Gathered<key_of_t<S>> collect_gathered(const StridedMatrix<Y>& y, const StridedMatrix<S>& s,
                                       const std::vector<BucketMap<S>>& maps, const std::vector<BucketRange>& ranges,
                                       int n_threads) {
    return detail::collect_into<Gathered<key_of_t<S>>>(y, s, maps, ranges, false, n_threads, nullptr);
}

}  // namespace f1tune
