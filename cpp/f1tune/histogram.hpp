// The two streaming passes of the histogram-then-refine search.
//
//   build_histograms  one pass: per label, positives and negatives in kTopBuckets buckets of the
//                     score; checks labels and scores on the way
//   collect_ranges    one pass: per label, the (key, label) pairs whose bucket lies in a range
//                     (keys: float_keys.hpp), for the in-memory search (refine.hpp)
//
// A BucketMap sends scores to buckets monotonically (clamped at both ends), so counts at bucket
// edges are exact cut counts. Maps come from a sample of rows: a poor sample only makes the search
// look at more elements, it never changes a result. Row-major input is read row by row (one
// increment per label, independent of each other); other layouts label by label in blocks of
// rows that stay in L2.
#pragma once

#include <algorithm>
#include <vector>

#include "f1tune/common.hpp"
#include "f1tune/float_keys.hpp"

namespace f1tune {

constexpr index_t kTopBuckets = 2048;

// Buckets linear in the score: floor((v - lo) * scale), clamped to [0, kTopBuckets). Rounding is
// monotone, so the map is non-decreasing in v, which is all exactness needs (-0.0 and +0.0 land
// together). NaN lands in bucket 0 without undefined behaviour (and is reported anyway).
template <class S>
struct BucketMap {
    S lo = 0;
    S scale = 1;

    index_t bucket(S v) const {
        S x = (v - lo) * scale;
        x = x > S(0) ? x : S(0);
        x = x < static_cast<S>(kTopBuckets - 1) ? x : static_cast<S>(kTopBuckets - 1);
        return static_cast<index_t>(static_cast<std::int32_t>(x));
    }
};

// The map spreading [lo, hi] over the buckets.
template <class S>
BucketMap<S> map_for_range(S lo, S hi) {
    BucketMap<S> m;
    m.lo = lo;
    const double span = static_cast<double>(hi) - static_cast<double>(lo);
    const double sc = span > 0 ? static_cast<double>(kTopBuckets) / span : 1.0;
    m.scale = sc < static_cast<double>(std::numeric_limits<S>::max()) ? static_cast<S>(sc)
                                                                       : std::numeric_limits<S>::max();
    return m;
}

// Per-label maps from up to 4096 evenly spaced rows: from about the 0.1% quantile (a far low tail
// would waste buckets) to the maximum (the optimum of a rare label sits high). `shared` gives
// every label the map of the pooled sample (for one threshold shared by all labels).
template <class S>
std::vector<BucketMap<S>> sample_maps(const StridedMatrix<S>& s, bool shared) {
    const index_t n = s.rows, L = s.cols;
    const index_t m = std::min<index_t>(n, 4096);
    std::vector<std::vector<S>> vals(static_cast<std::size_t>(shared ? 1 : L));
    for (index_t i = 0; i < m; ++i) {
        const index_t r = m > 1 ? i * (n - 1) / (m - 1) : 0;
        for (index_t l = 0; l < L; ++l) {
            const S v = s(r, l);
            if (!is_bad_score(v)) vals[static_cast<std::size_t>(shared ? 0 : l)].push_back(v);
        }
    }
    std::vector<BucketMap<S>> maps(static_cast<std::size_t>(L));
    for (std::size_t g = 0; g < vals.size(); ++g) {
        auto& v = vals[g];
        BucketMap<S> map;
        if (!v.empty()) {
            const auto hi = *std::max_element(v.begin(), v.end());
            auto q = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 1000);
            std::nth_element(v.begin(), q, v.end());
            map = map_for_range(*q, hi);
        }
        if (shared)
            std::fill(maps.begin(), maps.end(), map);
        else
            maps[g] = map;
    }
    return maps;
}

struct Histograms {
    std::vector<count_t> pos, tot;  // (L, kTopBuckets), ascending keys
    InputFlags flags;
    const count_t* pos_of(index_t l) const { return pos.data() + l * kTopBuckets; }
    const count_t* tot_of(index_t l) const { return tot.data() + l * kTopBuckets; }
};

namespace detail {

// Rows per block for the label-at-a-time loop. Contiguous columns: long runs, so that the
// prefetcher follows each column. Otherwise: the block's scores and labels stay in L2.
template <class S, class Y>
index_t block_rows(const StridedMatrix<S>& s) {
    if (s.rows_contiguous()) return 32768;
    const index_t row_bytes = std::max<index_t>(1, s.cols * static_cast<index_t>(sizeof(S) + sizeof(Y)));
    return std::clamp<index_t>((index_t{512} << 10) / row_bytes, 64, 8192);
}

// Row-major input (labels contiguous, several labels) is read row by row, everything else
// label by label in blocks of rows.
template <class S, class Y>
bool read_by_row(const StridedMatrix<Y>& y, const StridedMatrix<S>& s) {
    return s.labels_contiguous() && y.labels_contiguous() && s.cols > 1 && s.cols < (index_t{1} << 18) && !(s.rows_contiguous() && s.rows > 1);
}

}  // namespace detail

namespace detail {

// Row-major rows [r0, r1): the bucket slot (bucket * 2 + label) of each element, row-major in
// slot[(r - r0) * L + l] (a vectorizable loop); the increments then run one label at a time with
// that label's histogram hot in L1.
template <class S, class Y>
void row_tile_slots(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, const S* __restrict lo,
                    const S* __restrict scale, index_t r0, index_t r1, std::uint16_t* __restrict slot,
                    unsigned& bad_label, unsigned& bad_score) {
    const index_t L = s.cols;
    const S top = static_cast<S>(kTopBuckets - 1);
    unsigned bl = 0, bs = 0;
    for (index_t r = r0; r < r1; ++r) {
        const S* __restrict srow = s.data + r * s.row_stride;
        const Y* __restrict yrow = y.data + r * y.row_stride;
        std::uint16_t* __restrict out = slot + (r - r0) * L;
        for (index_t l = 0; l < L; ++l) {
            const S v = srow[l];
            const Y lab = yrow[l];
            bl |= static_cast<unsigned>(is_bad_label(lab));
            bs |= static_cast<unsigned>(is_bad_score(v));
            // NaN fails x > 0 and becomes 0 (no undefined conversion). Plain ternaries vectorize.
            S x = (v - lo[l]) * scale[l];
            x = x > S(0) ? x : S(0);
            x = x < top ? x : top;
            out[l] = static_cast<std::uint16_t>(static_cast<std::int32_t>(x) * 2 + (static_cast<std::int32_t>(lab) & 1));
        }
    }
    bad_label |= bl;
    bad_score |= bs;
}

// Slots (bucket * 2 + label) of n elements read with strides ss, ys; contiguous columns get
// their own copy of the loop, which vectorizes.
template <class S, class Y, bool Contiguous>
void column_slots_impl(const S* __restrict sc, const Y* __restrict yc, index_t ss, index_t ys, index_t n, S lo,
                       S scale, std::uint16_t* __restrict out, unsigned& bad_label, unsigned& bad_score) {
    const S top = static_cast<S>(kTopBuckets - 1);
    unsigned bl = 0, bs = 0;
    for (index_t i = 0; i < n; ++i) {
        const S v = Contiguous ? sc[i] : sc[i * ss];
        const Y lab = Contiguous ? yc[i] : yc[i * ys];
        bl |= static_cast<unsigned>(is_bad_label(lab));
        bs |= static_cast<unsigned>(is_bad_score(v));
        S x = (v - lo) * scale;
        x = x > S(0) ? x : S(0);
        x = x < top ? x : top;
        out[i] = static_cast<std::uint16_t>(static_cast<std::int32_t>(x) * 2 + (static_cast<std::int32_t>(lab) & 1));
    }
    bad_label |= bl;
    bad_score |= bs;
}

// Slots (bucket * 2 + label) of n elements read with strides ss, ys; contiguous columns get
// their own copy of the loop, which vectorizes.
template <class S, class Y>
void column_slots(const S* sc, const Y* yc, index_t ss, index_t ys, index_t n, S lo, S scale, std::uint16_t* out,
                  unsigned& bad_label, unsigned& bad_score) {
    if (ss == 1 && ys == 1)
        column_slots_impl<S, Y, true>(sc, yc, 1, 1, n, lo, scale, out, bad_label, bad_score);
    else
        column_slots_impl<S, Y, false>(sc, yc, ss, ys, n, lo, scale, out, bad_label, bad_score);
}

// Any layout, label by label over blocks of rows.
template <class S, class Y>
void strided_histograms(const StridedMatrix<Y>& y, const StridedMatrix<S>& s, const BucketMap<S>* maps, index_t r0,
                        index_t r1, std::uint16_t* __restrict hist, unsigned& bad_label, unsigned& bad_score) {
    const index_t L = s.cols, NB = kTopBuckets;
    const index_t R = block_rows<S, Y>(s);
    std::vector<std::uint16_t> slot(static_cast<std::size_t>(R));
    unsigned bl = 0, bs = 0;
    for (index_t rb = r0; rb < r1; rb += R) {
        const index_t re = std::min(r1, rb + R);
        for (index_t l = 0; l < L; ++l) {
            column_slots(s.data + l * s.col_stride + rb * s.row_stride, y.data + l * y.col_stride + rb * y.row_stride,
                         s.row_stride, y.row_stride, re - rb, maps[l].lo, maps[l].scale, slot.data(), bl, bs);
            std::uint16_t* __restrict hl = hist + l * NB * 2;
            for (index_t i = 0; i < re - rb; ++i) hl[slot[static_cast<std::size_t>(i)]] = static_cast<std::uint16_t>(hl[slot[static_cast<std::size_t>(i)]] + 1);
        }
    }
    bad_label |= bl;
    bad_score |= bs;
}

}  // namespace detail

template <class S, class Y>
Histograms build_histograms(const StridedMatrix<Y>& y, const StridedMatrix<S>& s,
                            const std::vector<BucketMap<S>>& maps, int n_threads) {
    const index_t n = s.rows, L = s.cols, NB = kTopBuckets;
    const int workers = choose_threads(n_threads, n * L, n);
    struct Part {
        std::vector<count_t> neg, pos;
        InputFlags flags;
    };
    std::vector<Part> part(static_cast<std::size_t>(workers));
    for (Part& p : part) {
        p.neg.assign(static_cast<std::size_t>(L * NB), 0);
        p.pos.assign(static_cast<std::size_t>(L * NB), 0);
    }
    std::vector<S> lo(static_cast<std::size_t>(L)), scale(static_cast<std::size_t>(L));
    for (std::size_t l = 0; l < maps.size(); ++l) {
        lo[l] = maps[l].lo;
        scale[l] = maps[l].scale;
    }
    const bool by_row = detail::read_by_row(y, s);
    parallel_for(n, workers, [&](int w, index_t b0, index_t e0) {
        Part& p = part[static_cast<std::size_t>(w)];
        // 16-bit counters (8 KiB per label), flushed every 65535 rows.
        std::vector<std::uint16_t> h(static_cast<std::size_t>(L * NB * 2), 0);
        constexpr index_t R = 64;  // row tile: its slots (R x L x 2 bytes) and a histogram fit in L1
        std::vector<std::uint16_t> slot(by_row ? static_cast<std::size_t>(L * R) : 0);
        unsigned bad_label = 0, bad_score = 0;
        const index_t flush_rows = 65535 / R * R;
        for (index_t c0 = b0; c0 < e0; c0 += flush_rows) {
            const index_t c1 = std::min(e0, c0 + flush_rows);
            if (by_row) {
                for (index_t t0 = c0; t0 < c1; t0 += R) {
                    const index_t t1 = std::min(c1, t0 + R);
                    detail::row_tile_slots(y, s, lo.data(), scale.data(), t0, t1, slot.data(), bad_label,
                                           bad_score);
                    for (index_t l = 0; l < L; ++l) {
                        std::uint16_t* __restrict hl = h.data() + l * NB * 2;
                        const std::uint16_t* __restrict sl = slot.data() + l;
                        for (index_t j = 0; j < t1 - t0; ++j)
                            hl[sl[j * L]] = static_cast<std::uint16_t>(hl[sl[j * L]] + 1);
                    }
                }
            } else {
                detail::strided_histograms(y, s, maps.data(), c0, c1, h.data(), bad_label, bad_score);
            }
            for (index_t i = 0; i < L * NB; ++i) {
                const auto u = static_cast<std::size_t>(i);
                p.neg[u] += h[2 * u];
                p.pos[u] += h[2 * u + 1];
                h[2 * u] = h[2 * u + 1] = 0;
            }
        }
        p.flags.bad_label = bad_label != 0;
        p.flags.bad_score = bad_score != 0;
    });
    Histograms out;
    out.pos = std::move(part[0].pos);
    out.tot = std::move(part[0].neg);
    for (std::size_t w = 1; w < part.size(); ++w) {
        for (std::size_t i = 0; i < out.pos.size(); ++i) {
            out.pos[i] += part[w].pos[i];
            out.tot[i] += part[w].neg[i];
        }
        out.flags.merge(part[w].flags);
    }
    for (std::size_t i = 0; i < out.pos.size(); ++i) out.tot[i] += out.pos[i];
    out.flags.merge(part[0].flags);
    return out;
}

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

// Bucket range [lo, hi] (inclusive) to gather for one label; empty when hi < lo.
struct BucketRange {
    index_t lo = 0, hi = -1;
    bool empty() const { return hi < lo; }
    bool contains(const BucketRange& o) const { return o.empty() || (!empty() && lo <= o.lo && o.hi <= hi); }
};

// One pass gathering, per label, the pairs whose bucket lies in ranges[l]; `pooled` puts every
// label's pairs into one buffer (for the shared threshold).
template <class S, class Y>
std::vector<Buffer<key_of_t<S>>> collect_ranges(const StridedMatrix<Y>& y, const StridedMatrix<S>& s,
                                                const std::vector<BucketMap<S>>& maps,
                                                const std::vector<BucketRange>& ranges, bool pooled,
                                                int n_threads) {
    using K = key_of_t<S>;
    const index_t n = s.rows, L = s.cols;
    const index_t n_out = pooled ? 1 : L;
    const int workers = choose_threads(n_threads, n * L, n);
    std::vector<std::vector<Buffer<K>>> part(static_cast<std::size_t>(workers),
                                             std::vector<Buffer<K>>(static_cast<std::size_t>(n_out)));
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
    const bool by_row = detail::read_by_row(y, s);
    parallel_for(n, workers, [&](int w, index_t b0, index_t e0) {
        auto& bufs = part[static_cast<std::size_t>(w)];
        if (by_row) {
            std::vector<std::int32_t> hit(static_cast<std::size_t>(L));
            const S top = static_cast<S>(kTopBuckets - 1);
            const index_t n_lab = L;
            std::int32_t* __restrict h = hit.data();
            const S* __restrict lo_ = lo.data();
            const S* __restrict sc_ = scale.data();
            const std::int32_t* __restrict f_ = first.data();
            const std::int32_t* __restrict e_ = last.data();
            for (index_t r = b0; r < e0; ++r) {
                const S* __restrict srow = s.data + r * s.row_stride;
                const Y* __restrict yrow = y.data + r * y.row_stride;
                std::int32_t any = 0;
                for (index_t l = 0; l < n_lab; ++l) {
                    S x = (srow[l] - lo_[l]) * sc_[l];
                    x = x > S(0) ? x : S(0);
                    x = x < top ? x : top;
                    const auto b = static_cast<std::int32_t>(x);
                    h[l] = static_cast<std::int32_t>(b >= f_[l]) & static_cast<std::int32_t>(b <= e_[l]);
                    any |= h[l];
                }
                if (!any) continue;
                for (index_t l = 0; l < n_lab; ++l) {
                    if (!h[l]) continue;
                    Buffer<K>& out = bufs[pooled ? 0 : static_cast<std::size_t>(l)];
                    out.keys.push_back(to_key(srow[l]));
                    out.ys.push_back(static_cast<std::uint8_t>(static_cast<index_t>(yrow[l]) & 1));
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
                detail::column_slots(sc, yc, s.row_stride, y.row_stride, re - rb, lo[u], scale[u], slot.data(), bl, bs);
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
    });
    std::vector<Buffer<K>> out = std::move(part[0]);
    for (std::size_t w = 1; w < part.size(); ++w)
        for (std::size_t i = 0; i < part[w].size(); ++i) out[i].append(part[w][i]);
    return out;
}

}  // namespace f1tune
