// Pass two of the histogram-then-refine search: per label, the (key, label) pairs whose bucket
// lies in a range (keys: float_keys.hpp), gathered for the in-memory search (refine.hpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "f1tune/bucket_map.hpp"
#include "f1tune/common.hpp"
#include "f1tune/float_keys.hpp"
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
    auto gather_rows = [&](std::vector<Buffer<K>>& bufs, index_t b0, index_t e0) {
        if (by_row) {
            std::vector<std::int32_t> hit(static_cast<std::size_t>(L));
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
                    const std::int32_t b = linear_bucket(srow[l], lo_[l], sc_[l], top);
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
    return accumulate_then_merge(
        n, workers, [&] { return std::vector<Buffer<K>>(static_cast<std::size_t>(n_out)); }, gather_rows,
        [](std::vector<Buffer<K>>& total, const std::vector<Buffer<K>>& part) {
            for (std::size_t i = 0; i < part.size(); ++i) total[i].append(part[i]);
        });
}

}  // namespace f1tune
